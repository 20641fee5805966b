import { useState } from "react";

import type { DefaultNotify } from "../lib/admin-types";
import { api } from "../lib/api";
import type { User } from "../lib/api-types";
import { profileError } from "../lib/friendly-errors";

const CHOICES: { value: DefaultNotify; label: string; hint: string }[] = [
  { value: "all", label: "Every message", hint: "a notification for each new message" },
  { value: "mentions", label: "Mentions only", hint: "when someone writes @yourname, @room or @here" },
  { value: "muted", label: "Nothing", hint: "the room stays quiet; unread counts still show" },
];

/** What rooms joined from now on notify of; each room can still be changed on its own. */
export function SettingsNotifications({ account, onSaved }: { account: User; onSaved(user: User): void }) {
  // Shown checked at once; put back if the server refuses it.
  const [choice, setChoice] = useState<DefaultNotify>(account.default_notify);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState<string | null>(null);

  const choose = async (value: DefaultNotify) => {
    const previous = choice;
    setChoice(value);
    setBusy(true);
    setError(null);
    setSaved(null);
    try {
      const updated = await api.account.update({ default_notify: value });
      onSaved(updated);
      setSaved(`Saved: new rooms start at “${CHOICES.find((c) => c.value === value)?.label ?? value}”.`);
    } catch (err) {
      setChoice(previous);
      setError(profileError(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section id="notifications" aria-labelledby="notifications-heading" className="sa-card">
      <h2 id="notifications-heading">Notifications</h2>
      <fieldset className="sa-choices" disabled={busy}>
        <legend>New rooms notify me of</legend>
        {CHOICES.map((option) => (
          <label key={option.value} className="sa-choice">
            <input
              type="radio"
              name="default-notify"
              value={option.value}
              checked={choice === option.value}
              onChange={() => void choose(option.value)}
            />
            <span>
              {option.label}
              <span className="sa-choice-hint">{option.hint}</span>
            </span>
          </label>
        ))}
      </fieldset>
      <p className="field-hint">
        For rooms you join or create from now on. Direct messages always notify you; each room keeps its own setting,
        changed from its header.
      </p>
      {error && (
        <p className="field-error" role="alert">
          {error}
        </p>
      )}
      <p className="form-success" role="status">
        {saved}
      </p>
    </section>
  );
}
