import { useEffect, useState } from "react";

import { api } from "../lib/api";
import type { AdminStats } from "../lib/api-types";
import { loadError } from "../lib/friendly-errors";

const FIGURES: { key: keyof AdminStats; label: string; hint: string }[] = [
  { key: "users", label: "Users", hint: "accounts, deactivated ones too" },
  { key: "active_users_24h", label: "Active today", hint: "signed in during the last 24 hours" },
  { key: "online_users", label: "Online now", hint: "connected right now" },
  { key: "rooms", label: "Rooms", hint: "public, private and direct" },
  { key: "messages", label: "Messages", hint: "stored, deleted ones too" },
  { key: "messages_24h", label: "Messages today", hint: "sent in the last 24 hours" },
  { key: "connections", label: "Connections", hint: "open on this server process" },
];

const number = new Intl.NumberFormat();

/** The figures at a glance, read again each time the tab is shown. */
export function AdminOverview({ active }: { active: boolean }) {
  const [stats, setStats] = useState<AdminStats | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [reads, setReads] = useState(0); // "Refresh" reads them again

  useEffect(() => {
    if (!active) return;
    let current = true;
    api.admin.stats().then(
      (next) => {
        if (!current) return;
        setStats(next);
        setError(null);
      },
      (err: unknown) => {
        if (current) setError(loadError(err, "figures"));
      },
    );
    return () => {
      current = false;
    };
  }, [active, reads]);

  return (
    <section aria-labelledby="admin-overview-heading" className="sa-card">
      <div className="sa-card-head">
        <h2 id="admin-overview-heading">Overview</h2>
        <button type="button" onClick={() => setReads((n) => n + 1)}>
          Refresh
        </button>
      </div>
      {error && (
        <p className="field-error" role="alert">
          {error}
        </p>
      )}
      {!stats && !error && <p className="muted">Loading…</p>}
      {stats && (
        <dl className="stat-grid">
          {FIGURES.map(({ key, label, hint }) => (
            <div key={key} className="stat">
              <dt>{label}</dt>
              <dd>
                <span className="stat-value">{number.format(stats[key])}</span>
                <span className="stat-hint">{hint}</span>
              </dd>
            </div>
          ))}
        </dl>
      )}
    </section>
  );
}
