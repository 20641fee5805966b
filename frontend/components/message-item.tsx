import { memo, useState } from "react";

import { describeError } from "../lib/api-error";
import type { Message } from "../lib/api-types";
import { formatFullTime, formatMessageTime } from "../lib/format-time";
import { MessageEditForm } from "./message-edit-form";
import { ReactionBar } from "./reaction-bar";

interface MessageItemProps {
  message: Message;
  own: boolean;
  onEdit(messageId: number, body: string): Promise<void>;
  onDelete(messageId: number): Promise<void>;
  /** Absent: reactions are shown but cannot be changed. */
  onReact?(messageId: number, emoji: string, on: boolean): Promise<void>;
  /** The message a search result jumped to. */
  highlighted?: boolean;
}

type Mode = "view" | "editing" | "confirmDelete";

function MessageItemView({ message, own, onEdit, onDelete, onReact, highlighted = false }: MessageItemProps) {
  const [mode, setMode] = useState<Mode>("view");
  const [error, setError] = useState<string | null>(null);
  const [picking, setPicking] = useState(false);
  const canChange = own && !message.deleted;
  const canReact = !message.deleted && onReact !== undefined;

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
      className={`message${own ? " own" : ""}${highlighted ? " highlighted" : ""}`}
      data-message-id={message.id}
      aria-current={highlighted ? "true" : undefined}
    >
      <div className="message-meta">
        <span className="message-sender">{message.sender.username}</span>
        <time dateTime={message.created_at} title={formatFullTime(message.created_at)}>
          {formatMessageTime(message.created_at)}
        </time>
        {message.edited_at && !message.deleted && <span className="muted">(edited)</span>}
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
      </div>
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
        // Rendered as a text node: whatever the body holds is shown, never interpreted as HTML.
        <p className="message-body">{message.body}</p>
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
