import Head from "next/head";
import { useCallback, useEffect, useState } from "react";

import { AdminAudit } from "../components/admin-audit";
import { AdminOverview } from "../components/admin-overview";
import { AdminRooms } from "../components/admin-rooms";
import { AdminTabs } from "../components/admin-tabs";
import { AdminUsers } from "../components/admin-users";
import { AppHeader } from "../components/app-header";
import { PageStatus } from "../components/page-status";
import { useAuthGuard } from "../lib/use-auth-guard";

const TAB_IDS = ["overview", "users", "rooms", "audit"] as const;
type TabId = (typeof TAB_IDS)[number];

function tabFromHash(): TabId {
  const wanted = typeof window === "undefined" ? "" : window.location.hash.slice(1);
  return (TAB_IDS as readonly string[]).includes(wanted) ? (wanted as TabId) : "overview";
}

/** Admins only: everyone else is sent back to the chat by the guard. The tab is kept in the
 *  address (#users, #rooms, #audit), so a reload or a shared link opens the same one. */
export default function AdminPage() {
  const admin = useAuthGuard("admin");
  const [tab, setTab] = useState<TabId>("overview");

  useEffect(() => {
    const follow = () => setTab(tabFromHash());
    follow();
    window.addEventListener("hashchange", follow);
    return () => window.removeEventListener("hashchange", follow);
  }, []);

  const select = useCallback((id: string) => {
    setTab(id as TabId);
    window.history.replaceState(null, "", `#${id}`);
  }, []);

  if (!admin) return <PageStatus />;
  return (
    <div className="admin-page sa-page">
      <Head>
        <title>Admin · Chat</title>
      </Head>
      <AppHeader user={admin} />
      <main className="sa-main" id="main">
        <div className="sa-title">
          <h1>Administration</h1>
          <p className="muted">Accounts, rooms and what admins did with them.</p>
        </div>
        <AdminTabs
          label="Administration"
          selected={tab}
          onSelect={select}
          tabs={[
            { id: "overview", label: "Overview", panel: <AdminOverview active={tab === "overview"} /> },
            { id: "users", label: "Users", panel: <AdminUsers me={admin} /> },
            { id: "rooms", label: "Rooms", panel: <AdminRooms /> },
            { id: "audit", label: "Audit log", panel: <AdminAudit active={tab === "audit"} /> },
          ]}
        />
      </main>
    </div>
  );
}
