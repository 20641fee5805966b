import { useId, useState, type FormEvent } from "react";

import { describeError } from "../lib/api-error";
import { usernameProblem } from "../lib/validation";

interface AddMemberFormProps {
  onAdd(username: string): Promise<void>;
}

/** Invites someone to a private room (its owner and admins only). */
export function AddMemberForm({ onAdd }: AddMemberFormProps) {
  const id = useId();
  const [username, setUsername] = useState("");
  const [message, setMessage] = useState<{ text: string; ok: boolean } | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const name = username.trim();
    const problem = usernameProblem(name);
    if (problem) return setMessage({ text: problem, ok: false });
    setBusy(true);
    try {
      await onAdd(name);
      setMessage({ text: `Added ${name}.`, ok: true });
      setUsername("");
    } catch (err) {
      setMessage({ text: describeError(err), ok: false });
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="add-member" onSubmit={submit} noValidate aria-busy={busy}>
      <label htmlFor={id}>Invite by username</label>
      <input id={id} value={username} autoCapitalize="none" spellCheck={false} onChange={(e) => setUsername(e.target.value)} />
      <button type="submit" disabled={busy}>
        Add member
      </button>
      {message && (
        <p className={message.ok ? "muted" : "field-error"} role={message.ok ? "status" : "alert"}>
          {message.text}
        </p>
      )}
    </form>
  );
}
