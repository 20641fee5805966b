import type { OutgoingMessage } from "../lib/message-list";
import { formatBytes } from "../lib/draft";
import { formatMessageTime } from "../lib/format-time";
import { MessageBody } from "./message-body";
import { ReplyQuote } from "./reply-quote";

interface OutgoingItemProps {
  item: OutgoingMessage;
  username: string;
  onRetry(clientId: string): void;
  onDiscard(clientId: string): void;
}

/** An own message waiting for the server's echo, or one that failed. */
export function OutgoingItem({ item, username, onRetry, onDiscard }: OutgoingItemProps) {
  const failed = item.status === "failed";
  return (
    <li className={`message own ${item.status}`} data-client-id={item.clientId} aria-busy={!failed}>
      <div className="message-meta">
        <span className="message-sender">{username}</span>
        <time dateTime={item.createdAt}>{formatMessageTime(item.createdAt)}</time>
        <span className={failed ? "delivery failed" : "delivery"}>{failed ? "Not sent" : "Sending…"}</span>
      </div>
      {item.replyTo && <ReplyQuote reply={item.replyTo} />}
      {/* As it will look once sent (the reader's own name is never a mention of them). */}
      <MessageBody body={item.body} />
      {item.attachments.length > 0 && (
        <ul className="attachments" aria-label="Files">
          {item.attachments.map((file) => (
            <li key={file.id} className="attachment attachment-file">
              <span aria-hidden="true">📎</span> {file.name} <span className="muted">({formatBytes(file.size)})</span>
            </li>
          ))}
        </ul>
      )}
      {failed && (
        <div className="message-actions">
          {item.error && <span className="field-error">{item.error}</span>}
          <button type="button" onClick={() => onRetry(item.clientId)}>
            Retry
          </button>
          <button type="button" onClick={() => onDiscard(item.clientId)}>
            Discard
          </button>
        </div>
      )}
    </li>
  );
}
