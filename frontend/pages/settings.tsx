import Head from "next/head";
import Link from "next/link";
import { useState } from "react";

import { AppHeader } from "../components/app-header";
import { DeviceList } from "../components/device-list";
import { PageStatus } from "../components/page-status";
import { SettingsNotifications } from "../components/settings-notifications";
import { SettingsPassword } from "../components/settings-password";
import { SettingsProfile } from "../components/settings-profile";
import { ThemeSettings } from "../components/theme-settings";
import { useSession } from "../lib/session";
import { useAuthGuard } from "../lib/use-auth-guard";

const SECTIONS = [
  ["profile", "Profile"],
  ["password", "Password"],
  ["appearance", "Appearance"],
  ["notifications", "Notifications"],
  ["devices", "Devices"],
] as const;

/** The person's own settings: profile, password, theme, notifications, signed-in devices. */
export default function SettingsPage() {
  const user = useAuthGuard("user");
  const { updateUser } = useSession();
  const [devicesVersion, setDevicesVersion] = useState(0);
  if (!user) return <PageStatus />;
  return (
    <div className="admin-page sa-page">
      <Head>
        <title>Settings · Chat</title>
      </Head>
      <AppHeader user={user} />
      <main className="sa-main sa-main-with-nav" id="main">
        <div className="sa-title">
          <h1>Settings</h1>
          <p>
            <Link href="/chat/">← Back to the chat</Link>
          </p>
        </div>
        <nav aria-label="Settings sections" className="sa-nav">
          <ul>
            {SECTIONS.map(([id, label]) => (
              <li key={id}>
                <a href={`#${id}`}>{label}</a>
              </li>
            ))}
          </ul>
        </nav>
        <div className="sa-sections">
          <SettingsProfile account={user} onSaved={updateUser} />
          <SettingsPassword onDevicesChanged={() => setDevicesVersion((n) => n + 1)} />
          <ThemeSettings />
          <SettingsNotifications account={user} onSaved={updateUser} />
          <DeviceList version={devicesVersion} />
        </div>
      </main>
    </div>
  );
}
