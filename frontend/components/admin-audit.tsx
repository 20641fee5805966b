import { useEffect, useState } from "react";

import type { AdminAction } from "../lib/admin-types";
import { api } from "../lib/api";
import { describeAuditAction } from "../lib/audit-text";
import { loadError } from "../lib/friendly-errors";
import { TimeAgo } from "./time-ago";

const PAGE_SIZE = 50;

/** What admins did, newest first, read again each time the tab is shown; "Load older" pages back. */
export function AdminAudit({ active }: { active: boolean }) {
  const [entries, setEntries] = useState<AdminAction[] | null>(null);
  const [hasMore, setHasMore] = useState(false);
  const [loadingOlder, setLoadingOlder] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [reads, setReads] = useState(0); // "Refresh" reads the newest page again

  useEffect(() => {
    if (!active) return;
    let current = true;
    api.admin.audit({ limit: PAGE_SIZE }).then(
      (page) => {
        if (!current) return;
        setEntries(page.actions);
        setHasMore(page.has_more);
        setError(null);
      },
      (err: unknown) => {
        if (current) setError(loadError(err, "audit log"));
      },
    );
    return () => {
      current = false;
    };
  }, [active, reads]);

  const loadOlder = async () => {
    const before = entries?.at(-1)?.id;
    setLoadingOlder(true);
    try {
      const page = await api.admin.audit({ before, limit: PAGE_SIZE });
      setEntries((current) => [...(current ?? []), ...page.actions.filter((a) => !current?.some((c) => c.id === a.id))]);
      setHasMore(page.has_more);
      setError(null);
    } catch (err) {
      setError(loadError(err, "audit log"));
    } finally {
      setLoadingOlder(false);
    }
  };

  return (
    <section aria-labelledby="admin-audit-heading" className="sa-card">
      <div className="sa-card-head">
        <h2 id="admin-audit-heading">Audit log</h2>
        <button type="button" onClick={() => setReads((n) => n + 1)}>
          Refresh
        </button>
      </div>
      <p className="field-hint">Every role change, deactivation, reactivation and room deletion, newest first.</p>
      {error && (
        <p className="field-error" role="alert">
          {error}
        </p>
      )}
      {entries && entries.length === 0 && <p className="muted">No admin has changed anything yet.</p>}
      {entries && entries.length > 0 && (
        <ol className="audit-list" aria-label="Admin actions">
          {entries.map((entry) => {
            const { actor, text } = describeAuditAction(entry);
            return (
              <li key={entry.id} className="audit-entry">
                <span className="audit-what">
                  <strong>{actor}</strong> {text}
                </span>
                <TimeAgo iso={entry.created_at} />
              </li>
            );
          })}
        </ol>
      )}
      {!entries && !error && <p className="muted">Loading…</p>}
      {hasMore && entries && (
        <button type="button" className="sa-more" onClick={() => void loadOlder()} disabled={loadingOlder}>
          Load older entries
        </button>
      )}
    </section>
  );
}
