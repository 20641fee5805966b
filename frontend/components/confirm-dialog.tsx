import { useRef, useState, type ReactNode } from "react";

import { ModalDialog } from "./modal-dialog";

interface ConfirmDialogProps {
  title: string;
  /** What will happen, in words. */
  children: ReactNode;
  /** The confirming button's text, e.g. "Deactivate alice". */
  confirmLabel: string;
  /** Red confirming button: for what cannot be undone or locks someone out. */
  danger?: boolean;
  /** Does it; a rejection keeps the dialog open with `describeError`'s words in an alert. */
  onConfirm(): Promise<void>;
  describeError(error: unknown): string;
  onClose(): void;
}

/** A question before an admin action: Cancel is focused first, so Enter never does it by accident. */
export function ConfirmDialog({ title, children, confirmLabel, danger, onConfirm, describeError, onClose }: ConfirmDialogProps) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const cancel = useRef<HTMLButtonElement>(null);

  const confirm = async () => {
    setBusy(true);
    setError(null);
    try {
      await onConfirm();
      onClose();
    } catch (err) {
      setError(describeError(err));
      setBusy(false);
    }
  };

  return (
    <ModalDialog title={title} onClose={onClose} initialFocus={cancel} className="confirm-dialog">
      <div className="confirm-dialog-text">{children}</div>
      {error && (
        <p className="field-error" role="alert">
          {error}
        </p>
      )}
      <div className="dialog-actions">
        <button ref={cancel} type="button" onClick={onClose}>
          Cancel
        </button>
        <button
          type="button"
          className={danger ? "button-danger-solid" : "button-primary"}
          onClick={() => void confirm()}
          disabled={busy}
          aria-busy={busy || undefined}
        >
          {confirmLabel}
        </button>
      </div>
    </ModalDialog>
  );
}
