import type { ReplyTo } from "../lib/api-types";
import { plainPreview } from "../lib/notifications";

interface ReplyQuoteProps {
  reply: ReplyTo;
  /** Jumps to the original; absent: the quote is only shown (a message still being sent). */
  onOpen?(messageId: number): void;
}

/** The message a reply answers, quoted above its body: its sender and first words. */
export function ReplyQuote({ reply, onOpen }: ReplyQuoteProps) {
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
      onClick={() => onOpen(reply.id)}
      aria-label={`In reply to ${reply.sender.username}: ${plainPreview(reply.snippet, 80)}. Show the original message`}
    >
      {content}
    </button>
  );
}
