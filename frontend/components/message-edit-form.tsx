import { useEffect, useId, useRef, useState, type FormEvent, type KeyboardEvent } from "react";

import { describeError } from "../lib/api-error";
import { LIMITS } from "../lib/api-constants";
import { messageLength } from "../lib/validation";

interface MessageEditFormProps {
  initial: string;
  onSave(body: string): Promise<void>;
  onCancel(): void;
}

export function MessageEditForm({ initial, onSave, onCancel }: MessageEditFormProps) {
  const id = useId();
  const [body, setBody] = useState(initial);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const box = useRef<HTMLTextAreaElement>(null);
  // The caret at the end of the text, ready to add to it (as after Up in the composer), and a
  // long text scrolled to show it.
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    el.setSelectionRange(el.value.length, el.value.length);
    el.scrollTop = el.scrollHeight;
  }, []);
  const length = messageLength(body);
  const valid = length > 0 && length <= LIMITS.messageMax;

  const save = async (event?: FormEvent) => {
    event?.preventDefault();
    if (!valid || busy) return;
    if (body.trim() === initial) return onCancel();
    setBusy(true);
    try {
      await onSave(body.trim());
    } catch (err) {
      setError(describeError(err));
      setBusy(false);
    }
  };

  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (event.key === "Escape") onCancel();
    else if (event.key === "Enter" && !event.shiftKey && !event.nativeEvent.isComposing) {
      event.preventDefault();
      void save();
    }
  };

  return (
    <form className="message-edit" onSubmit={save}>
      <label htmlFor={id} className="visually-hidden">
        Edit message
      </label>
      <textarea id={id} ref={box} value={body} autoFocus onChange={(e) => setBody(e.target.value)} onKeyDown={onKeyDown} />
      {error && (
        <p className="field-error" role="alert">
          {error}
        </p>
      )}
      <div className="message-actions">
        <button type="submit" disabled={!valid || busy}>
          Save
        </button>
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
