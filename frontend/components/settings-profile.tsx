import { useState, type FormEvent } from "react";

import { api } from "../lib/api";
import type { User } from "../lib/api-types";
import { profileError } from "../lib/friendly-errors";
import { FormField } from "./form-field";

const MAX_DISPLAY_NAME = 64;

/** The display name: what people see beside the username (which never changes). */
export function SettingsProfile({ account, onSaved }: { account: User; onSaved(user: User): void }) {
  const [name, setName] = useState(account.display_name ?? "");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState<string | null>(null);

  const tooLong = [...name.trim()].length > MAX_DISPLAY_NAME;
  const unchanged = name.trim() === (account.display_name ?? "");

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (tooLong) return;
    setBusy(true);
    setError(null);
    setSaved(null);
    try {
      const updated = await api.account.update({ display_name: name.trim() || null });
      onSaved(updated);
      setName(updated.display_name ?? "");
      setSaved(updated.display_name ? `Saved. Your display name is ${updated.display_name}.` : "Saved. Your username is shown.");
    } catch (err) {
      setError(profileError(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section id="profile" aria-labelledby="profile-heading" className="sa-card">
      <h2 id="profile-heading">Profile</h2>
      <p className="profile-identity">
        <span className="profile-shown">{account.display_name ?? account.username}</span>{" "}
        <span className="muted">@{account.username}</span>
      </p>
      <form className="sa-form" onSubmit={(e) => void submit(e)} noValidate>
        <FormField
          label="Display name"
          name="display_name"
          autoComplete="name"
          value={name}
          onChange={(e) => {
            setName(e.target.value);
            setSaved(null);
          }}
          hint={`Shown at the top of the app and in the admins' list of people, at most ${MAX_DISPLAY_NAME} characters. Leave it empty to show only your username.`}
          error={tooLong ? `At most ${MAX_DISPLAY_NAME} characters.` : error}
        />
        <div className="sa-form-actions">
          <button type="submit" className="button-primary" disabled={busy || tooLong || unchanged}>
            Save display name
          </button>
          <p className="form-success" role="status">
            {saved}
          </p>
        </div>
      </form>
    </section>
  );
}
