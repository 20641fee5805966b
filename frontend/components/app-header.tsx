import Link from "next/link";
import type { ReactNode } from "react";

import type { User } from "../lib/api-types";
import { useSession } from "../lib/session";

interface AppHeaderProps {
  user: User;
  /** Extra controls for the page (the chat page's room toggle and connection badge). */
  children?: ReactNode;
}

export function AppHeader({ user, children }: AppHeaderProps) {
  const { logout } = useSession();
  return (
    <header className="app-header">
      <Link href="/chat" className="app-title">
        Chat
      </Link>
      <div className="app-header-extra">{children}</div>
      <nav aria-label="Account" className="app-header-account">
        {user.role === "admin" && <Link href="/admin">Admin</Link>}
        <Link href="/settings" className="settings-link">
          <span aria-hidden="true" className="phone-icon">
            ⚙
          </span>
          <span className="phone-label">Settings</span>
        </Link>
        <span className="muted" title={`Signed in as ${user.username}`}>
          {user.display_name ?? user.username}
        </span>
        <button type="button" onClick={() => void logout()}>
          Log out
        </button>
      </nav>
    </header>
  );
}
