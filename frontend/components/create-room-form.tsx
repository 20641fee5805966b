import { useId, useState, type FormEvent } from "react";

import { describeError } from "../lib/api-error";
import { roomNameProblem } from "../lib/validation";

interface CreateRoomFormProps {
  onCreate(name: string, isPrivate: boolean): Promise<void>;
  /** Inside a dialog that has the title already: no heading of its own. */
  titled?: boolean;
}

export function CreateRoomForm({ onCreate, titled = true }: CreateRoomFormProps) {
  const id = useId();
  const [name, setName] = useState("");
  const [isPrivate, setIsPrivate] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const problem = roomNameProblem(name);
    setError(problem);
    if (problem) return;
    setBusy(true);
    try {
      await onCreate(name.trim(), isPrivate);
      setName("");
      setIsPrivate(false);
    } catch (err) {
      setError(describeError(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className={titled ? "create-room" : "create-room create-room-dialog"} onSubmit={submit} noValidate aria-busy={busy}>
      {titled && <h2 id={`${id}-heading`}>New room</h2>}
      <label htmlFor={`${id}-name`}>Room name</label>
      <input
        id={`${id}-name`}
        value={name}
        onChange={(e) => setName(e.target.value)}
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? `${id}-error` : undefined}
      />
      <label className="checkbox">
        <input type="checkbox" checked={isPrivate} onChange={(e) => setIsPrivate(e.target.checked)} />
        Private (invite only)
      </label>
      {error && (
        <p id={`${id}-error`} className="field-error" role="alert">
          {error}
        </p>
      )}
      <button type="submit" disabled={busy}>
        Create room
      </button>
    </form>
  );
}
