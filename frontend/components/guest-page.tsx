import Head from "next/head";

import { useAuthGuard } from "../lib/use-auth-guard";
import { useSession } from "../lib/session";
import { AuthForm, type AuthMode } from "./auth-form";
import { PageStatus } from "./page-status";

/** The login and signup pages: the form for guests, a redirect to chat for everyone else. */
export function GuestPage({ mode }: { mode: AuthMode }) {
  const { session, login, signup } = useSession();
  // Redirects to chat once signed in, including right after this form succeeds.
  useAuthGuard("guest");

  if (session.status === "loading" || session.status === "authenticated") return <PageStatus />;

  return (
    <>
      <Head>
        <title>{mode === "login" ? "Log in · Chat" : "Sign up · Chat"}</title>
      </Head>
      <AuthForm mode={mode} onSubmit={mode === "login" ? login : signup} />
    </>
  );
}
