import Head from "next/head";
import { useEffect } from "react";

import { useAuthGuard } from "../lib/use-auth-guard";
import { useSession } from "../lib/session";
import { clearSignOutReason, SIGN_OUT_MESSAGES } from "../lib/sign-out-reason";
import { AuthForm, type AuthMode } from "./auth-form";
import { PageStatus } from "./page-status";

/** The login and signup pages: the form for guests, a redirect to chat for everyone else. */
export function GuestPage({ mode }: { mode: AuthMode }) {
  const { session, login, signup } = useSession();
  // Redirects to chat once signed in, including right after this form succeeds.
  useAuthGuard("guest");
  // Why the session ended (device signed out elsewhere, account deactivated, expired), if the
  // server ended it: said once on the login page, then forgotten (a voluntary logout has none).
  const reason = mode === "login" && session.status === "anonymous" ? session.reason : null;
  useEffect(() => {
    if (reason) clearSignOutReason();
  }, [reason]);

  if (session.status === "loading" || session.status === "authenticated") return <PageStatus />;

  return (
    <>
      <Head>
        <title>{mode === "login" ? "Log in · Chat" : "Sign up · Chat"}</title>
      </Head>
      <AuthForm
        mode={mode}
        onSubmit={mode === "login" ? login : signup}
        notice={reason ? SIGN_OUT_MESSAGES[reason] : null}
      />
    </>
  );
}
