import Head from "next/head";

import { AdminRooms } from "../components/admin-rooms";
import { AdminUsers } from "../components/admin-users";
import { AppHeader } from "../components/app-header";
import { PageStatus } from "../components/page-status";
import { useAuthGuard } from "../lib/use-auth-guard";

/** Admins only: everyone else is sent back to the chat by the guard. */
export default function AdminPage() {
  const admin = useAuthGuard("admin");
  if (!admin) return <PageStatus />;
  return (
    <div className="admin-page">
      <Head>
        <title>Admin · Chat</title>
      </Head>
      <AppHeader user={admin} />
      <main className="admin-main">
        <h1>Administration</h1>
        <AdminUsers me={admin} />
        <AdminRooms />
      </main>
    </div>
  );
}
