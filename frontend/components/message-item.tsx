import { memo, useState } from "react";

import { describeError } from "../lib/api-error";
import type { Message } from "../lib/api-types";
import { formatFullTime, formatMessageTime } from "../lib/format-time";
import { mentionsMe } from "../lib/mentions";
import { AttachmentList } from "./attachment-list";
import { MessageBody } from "./message-body";
import { MessageEditForm } from "./message-edit-form";
import { ReactionBar } from "./reaction-bar";
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
}: MessageItemProps) {
  const [mode, setMode] = useState<Mode>("view");
  const [error, setError] = useState<string | null>(null);
  const [picking, setPicking] = useState(false);
  const canChange = own && !message.deleted;
  const canReact = !message.deleted && onReact !== undefined;
  const canReply = !message.deleted && onReply !== undefined;
  const forMe = !message.deleted && mentionsMe(message, currentUserId);

  const confirmDelete = async () => {
    try {
      await onDelete(message.id);
      setMode("view");
    } catch (err) {
      setError(describeError(err));
    }
  };

  return (
    <li
      className={`message${own ? " own" : ""}${highlighted ? " highlighted" : ""}${forMe ? " mentions-me" : ""}`}
      data-message-id={message.id}
      aria-current={highlighted ? "true" : undefined}
      // The message jumped to takes the focus (see MessageList), so a keyboard user is there too.
      tabIndex={highlighted ? -1 : undefined}
    >
      <div className="message-meta">
        <span className="message-sender">{message.sender.username}</span>
        <time dateTime={message.created_at} title={formatFullTime(message.created_at)}>
          {formatMessageTime(message.created_at)}
        </time>
        {message.edited_at && !message.deleted && <span className="muted">(edited)</span>}
        {forMe && <span className="visually-hidden">(mentions you)</span>}
        {(canReply || canReact) && (
          <span className="message-tools">
            {canReply && (
              <button
                type="button"
                className="message-reply"
                aria-label={`Reply to ${message.sender.username}`}
                onClick={() => onReply?.(message)}
              >
                <span aria-hidden="true">↩</span> Reply
              </button>
            )}
            {canReact && (
              <button
                type="button"
                className="reaction-add"
                aria-label="Add reaction"
                aria-expanded={picking}
                onClick={() => setPicking((open) => !open)}
              >
                <span aria-hidden="true">☺+</span>
              </button>
            )}
          </span>
        )}
      </div>
      {message.reply_to && !message.deleted && <ReplyQuote reply={message.reply_to} onOpen={onOpenOriginal} />}
      {mode === "editing" ? (
        <MessageEditForm
          initial={message.body}
          onSave={async (body) => {
            await onEdit(message.id, body);
            setMode("view");
          }}
          onCancel={() => setMode("view")}
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
        <AttachmentList attachments={message.attachments} onBroken={onFileError ? () => onFileError(message.id) : undefined} />
      )}
      {canReact && (
        <ReactionBar
          messageId={message.id}
          reactions={message.reactions}
          picking={picking}
          onPicked={() => setPicking(false)}
          onReact={onReact}
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
      {canChange && mode === "view" && (
        <div className="message-actions">
          <button type="button" onClick={() => setMode("editing")} aria-label="Edit message">
            Edit
          </button>
          <button type="button" onClick={() => setMode("confirmDelete")} aria-label="Delete message">
            Delete
          </button>
        </div>
      )}
      {canChange && mode === "confirmDelete" && (
        <div className="message-actions" role="group" aria-label="Confirm delete">
          <span>Delete this message?</span>
          <button type="button" className="button-danger" onClick={() => void confirmDelete()} autoFocus>
            Yes, delete
          </button>
          <button type="button" onClick={() => setMode("view")}>
            Cancel
          </button>
        </div>
      )}
    </li>
  );
}

/** Memoised: a long list re-renders only the messages that changed. */
export const MessageItem = memo(MessageItemView);
