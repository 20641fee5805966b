import { useId, useState, type FormEvent } from "react";

import { describeError } from "../lib/api-error";
import { LIMITS } from "../lib/api-constants";
import type { Room } from "../lib/api-types";
import { roomNameProblem } from "../lib/validation";

interface RoomSettingsFormProps {
  room: Room;
  /** Saves what changed; a rejection is shown and the form stays. */
  onSave(changes: { name?: string; topic?: string | null }): Promise<void>;
  onClose(): void;
}

/** The owner's (or an admin's) form for the room's name and topic. */
export function RoomSettingsForm({ room, onSave, onClose }: RoomSettingsFormProps) {
  const id = useId();
  const [name, setName] = useState(room.name);
  const [topic, setTopic] = useState(room.topic ?? "");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const topicTooLong = [...topic.trim()].length > LIMITS.topicMax;

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const problem = roomNameProblem(name) ?? (topicTooLong ? `A topic is at most ${LIMITS.topicMax} characters.` : null);
    setError(problem);
    if (problem) return;
    const changes: { name?: string; topic?: string | null } = {};
    if (name.trim() !== room.name) changes.name = name.trim();
    if (topic.trim() !== (room.topic ?? "")) changes.topic = topic.trim() || null;
    if (changes.name === undefined && changes.topic === undefined) return onClose();
    setBusy(true);
    try {
      await onSave(changes);
      onClose();
    } catch (err) {
      setError(describeError(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form
      className="room-settings"
      aria-labelledby={`${id}-heading`}
      onSubmit={submit}
      noValidate
      aria-busy={busy}
      onKeyDown={(event) => {
        if (event.key === "Escape") onClose();
      }}
    >
      <h2 id={`${id}-heading`}>Room settings</h2>
      <label htmlFor={`${id}-name`}>Name</label>
      <input
        id={`${id}-name`}
        value={name}
        onChange={(e) => setName(e.target.value)}
        autoFocus
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? `${id}-error` : undefined}
      />
      <label htmlFor={`${id}-topic`}>Topic</label>
      <input
        id={`${id}-topic`}
        value={topic}
        onChange={(e) => setTopic(e.target.value)}
        placeholder="What this room is about (empty: none)"
        aria-invalid={topicTooLong || undefined}
        aria-describedby={error ? `${id}-error` : undefined}
      />
      {error && (
        <p id={`${id}-error`} className="field-error" role="alert">
          {error}
        </p>
      )}
      <div className="form-actions">
        <button type="submit" className="button-primary" disabled={busy}>
          Save
        </button>
        <button type="button" onClick={onClose}>
          Cancel
        </button>
      </div>
    </form>
  );
}
