import { memo, useState } from "react";

import { describeError } from "../lib/api-error";
import type { Message } from "../lib/api-types";
import { formatFullTime, formatMessageTime } from "../lib/format-time";
import { MessageEditForm } from "./message-edit-form";

interface MessageItemProps {
  message: Message;
  own: boolean;
  onEdit(messageId: number, body: string): Promise<void>;
  onDelete(messageId: number): Promise<void>;
}

type Mode = "view" | "editing" | "confirmDelete";

function MessageItemView({ message, own, onEdit, onDelete }: MessageItemProps) {
  const [mode, setMode] = useState<Mode>("view");
  const [error, setError] = useState<string | null>(null);
  const canChange = own && !message.deleted;

  const confirmDelete = async () => {
    try {
      await onDelete(message.id);
      setMode("view");
    } catch (err) {
      setError(describeError(err));
    }
  };

  return (
    <li className={own ? "message own" : "message"} data-message-id={message.id}>
      <div className="message-meta">
        <span className="message-sender">{message.sender.username}</span>
        <time dateTime={message.created_at} title={formatFullTime(message.created_at)}>
          {formatMessageTime(message.created_at)}
        </time>
        {message.edited_at && !message.deleted && <span className="muted">(edited)</span>}
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
