import Head from "next/head";
import Link from "next/link";

import { AppHeader } from "../components/app-header";
import { DeviceList } from "../components/device-list";
import { PageStatus } from "../components/page-status";
import { ThemeSettings } from "../components/theme-settings";
import { useAuthGuard } from "../lib/use-auth-guard";

/** The person's own settings: the theme, and the devices signed in to their account. */
export default function SettingsPage() {
  const user = useAuthGuard("user");
  if (!user) return <PageStatus />;
  return (
    <div className="admin-page">
      <Head>
        <title>Settings · Chat</title>
      </Head>
      <AppHeader user={user} />
      <main className="admin-main">
        <h1>Settings</h1>
        <p>
          <Link href="/chat/">← Back to the chat</Link>
        </p>
        <ThemeSettings />
        <DeviceList />
      </main>
    </div>
  );
}
