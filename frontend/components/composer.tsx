import { useId, useState, type FormEvent, type KeyboardEvent } from "react";

import { LIMITS } from "../lib/api-constants";
import { messageLength } from "../lib/validation";

/** The counter appears once a message gets this close to the limit. */
const COUNTER_FROM = LIMITS.messageMax - 500;

interface ComposerProps {
  onSend(body: string): void;
  onTyping(): void;
  disabled?: boolean;
}

export function Composer({ onSend, onTyping, disabled = false }: ComposerProps) {
  const id = useId();
  const [body, setBody] = useState("");
  const length = messageLength(body);
  const tooLong = length > LIMITS.messageMax;
  const canSend = !disabled && length > 0 && !tooLong;

  const submit = (event?: FormEvent) => {
    event?.preventDefault();
    if (!canSend) return;
    onSend(body.trim());
    setBody("");
  };

  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    // Enter sends, Shift+Enter makes a new line; Enter that confirms an IME composition
    // (Japanese, Chinese input) must not send half a word.
    if (event.key === "Enter" && !event.shiftKey && !event.nativeEvent.isComposing) {
      event.preventDefault();
      submit();
    }
  };

  return (
    <form className="composer" onSubmit={submit}>
      <label htmlFor={id} className="visually-hidden">
        Message
      </label>
      <textarea
        id={id}
        rows={1}
        value={body}
        placeholder="Write a message… (Enter sends, Shift+Enter for a new line)"
        aria-invalid={tooLong || undefined}
        aria-describedby={length >= COUNTER_FROM ? `${id}-counter` : undefined}
        disabled={disabled}
        onChange={(event) => {
          setBody(event.target.value);
          if (event.target.value) onTyping();
        }}
        onKeyDown={onKeyDown}
      />
      {length >= COUNTER_FROM && (
        <span id={`${id}-counter`} className={tooLong ? "composer-counter over" : "composer-counter"} aria-live="polite">
          {tooLong ? `${length - LIMITS.messageMax} over the limit` : `${LIMITS.messageMax - length} left`}
        </span>
      )}
      <button type="submit" className="button-primary" disabled={!canSend}>
        Send
      </button>
    </form>
  );
}
