import { useState, type FormEvent } from "react";

import { api } from "../lib/api";
import { passwordChangeError } from "../lib/friendly-errors";
import { passwordProblem } from "../lib/validation";
import { FormField } from "./form-field";

/** A new password, proven with the current one; optionally signing out every other device. */
export function SettingsPassword({ onDevicesChanged }: { onDevicesChanged(): void }) {
  const [current, setCurrent] = useState("");
  const [next, setNext] = useState("");
  const [signOutOthers, setSignOutOthers] = useState(true);
  const [touched, setTouched] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);

  const nextProblem = touched && next ? passwordProblem(next) : null;

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setTouched(true);
    setDone(null);
    setError(null);
    if (!current) {
      setError("Type your current password.");
      return;
    }
    if (passwordProblem(next)) return;
    setBusy(true);
    try {
      const { signed_out_devices: count } = await api.account.changePassword(current, next, signOutOthers);
      setCurrent("");
      setNext("");
      setTouched(false);
      setDone(
        signOutOthers
          ? `Password changed. ${count === 0 ? "No other device was signed in." : `${count} other device${count === 1 ? " was" : "s were"} signed out.`}`
          : "Password changed. Your other devices stay signed in.",
      );
      if (count > 0) onDevicesChanged();
    } catch (err) {
      setError(passwordChangeError(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section id="password" aria-labelledby="password-heading" className="sa-card">
      <h2 id="password-heading">Password</h2>
      <form className="sa-form" onSubmit={(e) => void submit(e)} noValidate>
        <FormField
          label="Current password"
          type="password"
          name="current-password"
          autoComplete="current-password"
          value={current}
          onChange={(e) => setCurrent(e.target.value)}
        />
        <FormField
          label="New password"
          type="password"
          name="new-password"
          autoComplete="new-password"
          value={next}
          onChange={(e) => setNext(e.target.value)}
          onBlur={() => setTouched(true)}
          hint="8 to 72 bytes: most letters count one, accented letters and emoji several."
          error={nextProblem ?? (touched && !next ? "Choose a new password." : null)}
        />
        <label className="checkbox">
          <input type="checkbox" checked={signOutOthers} onChange={(e) => setSignOutOthers(e.target.checked)} />
          Sign out my other devices
        </label>
        {error && (
          <p className="field-error" role="alert">
            {error}
          </p>
        )}
        <div className="sa-form-actions">
          <button type="submit" className="button-primary" disabled={busy}>
            Change password
          </button>
          <p className="form-success" role="status">
            {done}
          </p>
        </div>
      </form>
    </section>
  );
}
