import { useEffect, useState } from "react";

import type { OutgoingMessage } from "../lib/message-list";
import { formatBytes } from "../lib/draft";
import { formatMessageTime } from "../lib/format-time";
import { formatClock } from "../lib/message-layout";
import { secondsLeft } from "../lib/send-retry";
import { MessageAvatar } from "./message-avatar";
import { MessageBody } from "./message-body";
import { ReplyQuote } from "./reply-quote";

interface OutgoingItemProps {
  item: OutgoingMessage;
  username: string;
  /** The sender's id (for the avatar's colour). */
  userId?: number;
  onRetry(clientId: string): void;
  onDiscard(clientId: string): void;
  /** Continues the previous message's group: no name or avatar. */
  continuation?: boolean;
  /** The list's one tab stop (roving focus). */
  active?: boolean;
  /** An earlier message has not gone yet: this one waits its turn (they are stored in order). */
  waiting?: boolean;
}

/** "Retrying in 3s", counting down to `until` (epoch ms); mount it under key={until}. */
function Countdown({ until }: { until: number }) {
  const [now, setNow] = useState(() => Date.now());
  const left = secondsLeft(until, now);
  useEffect(() => {
    if (left <= 0) return;
    // Wake when the number shown changes, not on a free-running interval.
    const timer = setTimeout(() => setNow(Date.now()), (until - Date.now()) % 1000 || 1000);
    return () => clearTimeout(timer);
  }, [now, until, left]);
  return <>{left > 0 ? `Retrying in ${left}s` : "Retrying…"}</>;
}

/** An own message on its way (or waiting its turn), one tried again after a countdown, or one
 *  the server refused for good. */
export function OutgoingItem({
  item,
  username,
  userId = 0,
  onRetry,
  onDiscard,
  continuation = false,
  active = false,
  waiting = false,
}: OutgoingItemProps) {
  const failed = item.status === "failed";
  const retrying = item.status === "retrying";
  const tab = active ? undefined : -1;
  return (
    <li
      className={`message own ${item.status}${continuation ? " continuation" : ""}`}
      data-client-id={item.clientId}
      aria-busy={!failed}
      tabIndex={active ? 0 : -1}
    >
      <div className="message-gutter">
        {continuation ? (
          <time className="message-gutter-time" dateTime={item.createdAt}>
            {formatClock(item.createdAt)}
          </time>
        ) : (
          <MessageAvatar userId={userId} username={username} />
        )}
      </div>
      <div className="message-main">
        <div className="message-meta">
          <span className={continuation ? "message-sender visually-hidden" : "message-sender"}>{username}</span>
          {!continuation && <time dateTime={item.createdAt}>{formatMessageTime(item.createdAt)}</time>}
          <span className={`delivery ${item.status}`}>
            {failed ? (
              "Not sent"
            ) : retrying && item.retryAt !== undefined ? (
              <Countdown key={item.retryAt} until={item.retryAt} />
            ) : waiting ? (
              "Waiting to send"
            ) : (
              "Sending…"
            )}
          </span>
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
        {(failed || retrying) && (
          <div className="message-actions">
            {item.error && <span className={failed ? "field-error" : "muted"}>{item.error}</span>}
            {failed && (
              <button type="button" tabIndex={tab} onClick={() => onRetry(item.clientId)}>
                Retry
              </button>
            )}
            <button type="button" tabIndex={tab} onClick={() => onDiscard(item.clientId)}>
              Delete
            </button>
          </div>
        )}
      </div>
    </li>
  );
}
