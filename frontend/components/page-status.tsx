import type { ReactNode } from "react";

import { useSession } from "../lib/session";

/**
 * A full-page placeholder while a page waits for the session or redirects; when the server
 * could not be reached to restore the session, says so and offers to try again.
 */
export function PageStatus({ children }: { children?: ReactNode }) {
  const { session, reload } = useSession();
  if (session.status === "unreachable" && !children) {
    return (
      <main className="page-status">
        <div role="alert">
          <p>{session.detail}</p>
          <button type="button" onClick={reload}>
            Try again
          </button>
        </div>
      </main>
    );
  }
  return (
    <main className="page-status" aria-busy={children ? undefined : true}>
      {children ?? <p className="muted">Loading…</p>}
    </main>
  );
}
