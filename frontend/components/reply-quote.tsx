import type { ReplyTo } from "../lib/api-types";
import { plainPreview } from "../lib/notifications";

interface ReplyQuoteProps {
  reply: ReplyTo;
  /** Jumps to the original; absent: the quote is only shown (a message still being sent). */
  onOpen?(messageId: number): void;
  /** -1: out of the tab order (a message other than the list's active one). */
  tabIndex?: number;
}

/** The message a reply answers, quoted above its body: its sender and first words. */
export function ReplyQuote({ reply, onOpen, tabIndex }: ReplyQuoteProps) {
  const content = (
    <>
      <span className="reply-quote-sender">{reply.sender.username}</span>
      <span className="reply-quote-text">{reply.deleted ? "Original message deleted" : plainPreview(reply.snippet, 200)}</span>
    </>
  );
  if (!onOpen || reply.deleted) {
    return <div className={`reply-quote${reply.deleted ? " deleted" : ""}`}>{content}</div>;
  }
  return (
    <button
      type="button"
      className="reply-quote"
      tabIndex={tabIndex}
      onClick={() => onOpen(reply.id)}
      aria-label={`In reply to ${reply.sender.username}: ${plainPreview(reply.snippet, 80)}. Show the original message`}
    >
      {content}
    </button>
  );
}
