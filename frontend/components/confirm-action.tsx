import { useEffect, useRef, useState, type ReactNode } from "react";

import { describeError } from "../lib/api-error";

interface ConfirmActionProps {
  /** The button's text, e.g. "Leave". */
  label: string;
  /** Its accessible name when the text alone is not enough, e.g. "Remove bob". */
  ariaLabel?: string;
  /** The question asked before doing it, e.g. "Leave this room?". */
  question: ReactNode;
  /** The confirming button's text, e.g. "Yes, leave". */
  confirmLabel: string;
  /** Does it; a rejection is shown as an alert and the question stays. */
  onConfirm(): Promise<void>;
  className?: string;
}

/**
 * A button for something that cannot be undone: pressing it asks first, with the confirming
 * button focused; Cancel (or Escape) puts the focus back on the button.
 */
export function ConfirmAction({ label, ariaLabel, question, confirmLabel, onConfirm, className }: ConfirmActionProps) {
  const [asking, setAsking] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const trigger = useRef<HTMLButtonElement>(null);
  const returnFocus = useRef(false);

  useEffect(() => {
    if (!asking && returnFocus.current) {
      returnFocus.current = false;
      trigger.current?.focus();
    }
  }, [asking]);

  const cancel = () => {
    returnFocus.current = true;
    setError(null);
    setAsking(false);
  };

  const confirm = async () => {
    setBusy(true);
    setError(null);
    try {
      await onConfirm();
      setAsking(false);
    } catch (err) {
      setError(describeError(err));
    } finally {
      setBusy(false);
    }
  };

  if (!asking) {
    return (
      <button ref={trigger} type="button" className={className} aria-label={ariaLabel} onClick={() => setAsking(true)}>
        {label}
      </button>
    );
  }
  return (
    <div
      className="confirm-action"
      role="group"
      aria-label={`Confirm: ${ariaLabel ?? label}`}
      onKeyDown={(event) => {
        if (event.key === "Escape") cancel();
      }}
    >
      <span>{question}</span>
      <button type="button" className="button-danger" onClick={() => void confirm()} disabled={busy} autoFocus>
        {confirmLabel}
      </button>
      <button type="button" onClick={cancel}>
        Cancel
      </button>
      {error && (
        <p className="field-error" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}
