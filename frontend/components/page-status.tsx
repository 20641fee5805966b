import type { ReactNode } from "react";

/** A full-page placeholder while a page waits for the session or redirects. */
export function PageStatus({ children }: { children?: ReactNode }) {
  return (
    <main className="page-status" aria-busy={children ? undefined : true}>
      {children ?? <p className="muted">Loading…</p>}
    </main>
  );
}
