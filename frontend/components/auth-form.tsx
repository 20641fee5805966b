import Link from "next/link";
import { useState, type FormEvent } from "react";

import { ApiError, describeError } from "../lib/api-error";
import { passwordProblem, usernameProblem } from "../lib/validation";
import { FormField } from "./form-field";

export type AuthMode = "login" | "signup";

interface AuthFormProps {
  mode: AuthMode;
  onSubmit(username: string, password: string): Promise<void>;
  /** A sentence above the form, e.g. why the person was signed out. */
  notice?: string | null;
}

interface Errors {
  username?: string | null;
  password?: string | null;
  form?: string | null;
}

const TEXT = {
  login: { title: "Log in", submit: "Log in", other: "/signup", otherText: "No account yet?", otherLink: "Sign up" },
  signup: { title: "Sign up", submit: "Sign up", other: "/login", otherText: "Already have an account?", otherLink: "Log in" },
} as const;

/** Puts the server's answer next to the field it is about, or above the form. */
function serverErrors(error: unknown): Errors {
  if (!(error instanceof ApiError)) return { form: describeError(error) };
  if (error.status === 409) return { username: error.detail };
  if (error.fields.username || error.fields.password) {
    return { username: error.fields.username, password: error.fields.password };
  }
  if (error.status === 429 && error.retryAfter) {
    return { form: `${error.detail} Try again in ${Math.ceil(error.retryAfter)} s.` };
  }
  return { form: error.detail };
}

export function AuthForm({ mode, onSubmit, notice = null }: AuthFormProps) {
  const text = TEXT[mode];
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [errors, setErrors] = useState<Errors>({});
  const [busy, setBusy] = useState(false);

  const handleSubmit = async (event: FormEvent) => {
    event.preventDefault();
    // Logging in only checks presence: the rules may have been different when an account was made.
    const local: Errors =
      mode === "signup"
        ? { username: usernameProblem(username), password: passwordProblem(password) }
        : { username: username ? null : "Enter your username.", password: password ? null : "Enter your password." };
    setErrors(local);
    if (local.username || local.password) return;
    setBusy(true);
    try {
      await onSubmit(username, password);
    } catch (error) {
      setErrors(serverErrors(error));
      setBusy(false);
    }
  };

  return (
    <main className="auth-page">
      <form className="auth-card" onSubmit={handleSubmit} noValidate aria-busy={busy}>
        <h1>{text.title}</h1>
        {notice && (
          <p className="form-notice" role="status">
            {notice}
          </p>
        )}
        {errors.form && (
          <p className="form-error" role="alert">
            {errors.form}
          </p>
        )}
        <FormField
          label="Username"
          name="username"
          autoComplete="username"
          autoCapitalize="none"
          spellCheck={false}
          value={username}
          onChange={(e) => setUsername(e.target.value)}
          error={errors.username}
          hint={mode === "signup" ? "3–32 letters, digits, . _ -" : undefined}
          required
        />
        <FormField
          label="Password"
          name="password"
          type="password"
          autoComplete={mode === "signup" ? "new-password" : "current-password"}
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          error={errors.password}
          hint={mode === "signup" ? "At least 8 characters." : undefined}
          required
        />
        <button type="submit" className="button-primary" disabled={busy}>
          {text.submit}
        </button>
        {busy && (
          <p className="muted" role="status">
            Please wait…
          </p>
        )}
        <p className="auth-switch">
          {text.otherText} <Link href={text.other}>{text.otherLink}</Link>
        </p>
      </form>
    </main>
  );
}
