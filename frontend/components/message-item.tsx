import { memo, useRef, useState } from "react";

import { describeError } from "../lib/api-error";
import type { Message } from "../lib/api-types";
import { formatFullTime, formatMessageTime } from "../lib/format-time";
import { formatClock } from "../lib/message-layout";
import { mentionsMe } from "../lib/mentions";
import { AttachmentList } from "./attachment-list";
import { MessageAvatar } from "./message-avatar";
import { MessageBody } from "./message-body";
import { MessageEditForm } from "./message-edit-form";
import { ReactionBar, type LoadReactors } from "./reaction-bar";
import { ReplyQuote } from "./reply-quote";

interface MessageItemProps {
  message: Message;
  own: boolean;
  onEdit(messageId: number, body: string): Promise<void>;
  onDelete(messageId: number): Promise<void>;
  /** Absent: reactions are shown but cannot be changed. */
  onReact?(messageId: number, emoji: string, on: boolean): Promise<void>;
  /** The message a search result jumped to. */
  highlighted?: boolean;
  /** The reader, whose own @mentions are marked (and the whole message when it names them). */
  currentUsername?: string;
  currentUserId?: number;
  /** Starts a reply to this message (the composer shows it). */
  onReply?(message: Message): void;
  /** Shows the message a reply answers. */
  onOpenOriginal?(messageId: number): void;
  /** One of the message's images would not load (its URL may have expired). */
  onFileError?(messageId: number): void;
  /** Continues the previous message's group: no name or avatar, the time in the gutter on hover. */
  continuation?: boolean;
  /** The list's one tab stop (roving focus): this message and its controls are in the tab order. */
  active?: boolean;
  /** Who reacted (for the reaction chips' tooltips). */
  loadReactors?: LoadReactors;
  /** Changes to open the edit form (Up in the empty composer asked for this message). */
  editRequest?: number;
  /** The edit `editRequest` opened was saved or cancelled. */
  onEditRequestDone?(): void;
}

type Mode = "view" | "editing" | "confirmDelete";

function MessageItemView({
  message,
  own,
  onEdit,
  onDelete,
  onReact,
  highlighted = false,
  currentUsername,
  currentUserId,
  onReply,
  onOpenOriginal,
  onFileError,
  continuation = false,
  active = false,
  loadReactors,
  editRequest,
  onEditRequestDone,
}: MessageItemProps) {
  const [mode, setMode] = useState<Mode>("view");
  /** Who opened the edit form: the toolbar's button, or a request from the composer. */
  const [editFrom, setEditFrom] = useState<"toolbar" | "request">("toolbar");
  const [handledRequest, setHandledRequest] = useState(editRequest);
  const [error, setError] = useState<string | null>(null);
  const [picking, setPicking] = useState(false);
  const itemRef = useRef<HTMLLIElement>(null);
  const canChange = own && !message.deleted;
  const canReact = !message.deleted && onReact !== undefined;
  const canReply = !message.deleted && onReply !== undefined;
  const forMe = !message.deleted && mentionsMe(message, currentUserId);
  const edited = message.edited_at !== null && !message.deleted;
  // A new request opens the form (set during render: React's pattern for state that follows a prop).
  if (editRequest !== handledRequest) {
    setHandledRequest(editRequest);
    if (editRequest !== undefined && canChange) {
      setMode("editing");
      setEditFrom("request");
    }
  }
  // Controls of messages other than the active one leave the tab order (one tab stop for the list).
  const tab = active ? undefined : -1;

  /** Back to the message itself, e.g. after editing (its form is gone). */
  const refocus = () => itemRef.current?.focus({ preventScroll: true });
  /** The edit form closed: the focus goes back where the edit was asked for. */
  const editDone = () => {
    setMode("view");
    if (editFrom === "request" && onEditRequestDone) onEditRequestDone();
    else refocus();
  };

  const confirmDelete = async () => {
    try {
      await onDelete(message.id);
      setMode("view");
      refocus();
    } catch (err) {
      setError(describeError(err));
    }
  };

  const classes = ["message"];
  if (own) classes.push("own");
  if (continuation) classes.push("continuation");
  if (highlighted) classes.push("highlighted");
  if (forMe) classes.push("mentions-me");
  if (picking || mode !== "view") classes.push("busy");

  const showToolbar = mode === "view" && (canReact || canReply || canChange);

  return (
    <li
      ref={itemRef}
      className={classes.join(" ")}
      data-message-id={message.id}
      aria-current={highlighted ? "true" : undefined}
      // Roving focus (see MessageList): one message is the list's tab stop, arrows move it.
      tabIndex={active ? 0 : -1}
    >
      <div className="message-gutter">
        {continuation ? (
          <time className="message-gutter-time" dateTime={message.created_at} title={formatFullTime(message.created_at)}>
            {formatClock(message.created_at)}
          </time>
        ) : (
          <MessageAvatar userId={message.sender.id} username={message.sender.username} />
        )}
      </div>
      <div className="message-main">
        <div className="message-meta">
          <span className={continuation ? "message-sender visually-hidden" : "message-sender"}>{message.sender.username}</span>
          {!continuation && (
            <time dateTime={message.created_at} title={formatFullTime(message.created_at)}>
              {formatMessageTime(message.created_at)}
            </time>
          )}
          {edited && <span className="muted message-edited">(edited)</span>}
          {forMe && <span className="visually-hidden">(mentions you)</span>}
        </div>
        {message.reply_to && !message.deleted && <ReplyQuote reply={message.reply_to} onOpen={onOpenOriginal} tabIndex={tab} />}
        {mode === "editing" ? (
          <MessageEditForm
            initial={message.body}
            onSave={async (body) => {
              await onEdit(message.id, body);
              editDone();
            }}
            onCancel={editDone}
          />
        ) : message.deleted ? (
          <p className="message-body deleted">This message was deleted.</p>
        ) : (
          // Safe Markdown (bold, code, quotes, lists, http/mailto links): never interpreted as HTML.
          <MessageBody
            body={message.body}
            currentUsername={currentUsername}
            currentUserId={currentUserId}
            mentions={message.mentions}
            mentionsEveryone={message.mentions_everyone}
          />
        )}
        {!message.deleted && message.attachments.length > 0 && (
          <AttachmentList
            attachments={message.attachments}
            onBroken={onFileError ? () => onFileError(message.id) : undefined}
            tabIndex={tab}
          />
        )}
        {canReact && (
          <ReactionBar
            messageId={message.id}
            reactions={message.reactions}
            picking={picking}
            onPicked={() => setPicking(false)}
            onReact={onReact}
            loadReactors={loadReactors}
            tabIndex={tab}
          />
        )}
        {!message.deleted && !onReact && message.reactions.length > 0 && (
          <p className="muted">{message.reactions.map((r) => `${r.emoji} ${r.count}`).join("  ")}</p>
        )}
        {error && (
          <p className="field-error" role="alert">
            {error}
          </p>
        )}
        {canChange && mode === "confirmDelete" && (
          <div className="message-actions" role="group" aria-label="Confirm delete">
            <span>Delete this message?</span>
            <button type="button" className="button-danger" onClick={() => void confirmDelete()} autoFocus>
              Yes, delete
            </button>
            <button
              type="button"
              onClick={() => {
                setMode("view");
                refocus();
              }}
            >
              Cancel
            </button>
          </div>
        )}
      </div>
      {showToolbar && (
        // Floats at the message's top right, shown while it is hovered or has the focus; always in
        // the DOM (and, for the active message, the tab order) for keyboards and screen readers.
        <div className="message-toolbar" role="group" aria-label="Message actions">
          {canReact && (
            <button
              type="button"
              className="reaction-add"
              aria-label="Add reaction"
              title="Add reaction"
              aria-expanded={picking}
              tabIndex={tab}
              onClick={() => setPicking((open) => !open)}
            >
              <span aria-hidden="true">☺+</span>
            </button>
          )}
          {canReply && (
            <button
              type="button"
              className="message-reply"
              aria-label={`Reply to ${message.sender.username}`}
              title="Reply"
              tabIndex={tab}
              onClick={() => onReply?.(message)}
            >
              <span aria-hidden="true">↩</span>
            </button>
          )}
          {canChange && (
            <button
              type="button"
              className="message-edit-button"
              onClick={() => {
                setMode("editing");
                setEditFrom("toolbar");
              }}
              aria-label="Edit message"
              title="Edit"
              tabIndex={tab}
            >
              <span aria-hidden="true">✎</span>
            </button>
          )}
          {canChange && (
            <button
              type="button"
              className="message-delete-button"
              onClick={() => setMode("confirmDelete")}
              aria-label="Delete message"
              title="Delete"
              tabIndex={tab}
            >
              <span aria-hidden="true">🗑</span>
            </button>
          )}
        </div>
      )}
    </li>
  );
}

/** Memoised: a long list re-renders only the messages that changed. */
export const MessageItem = memo(MessageItemView);
