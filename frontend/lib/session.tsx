// Who is signed in, for every page. The tokens themselves live in the API client; this
// only turns them into a user (or none) and follows logins, logouts and other tabs.

import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from "react";

import { api } from "./api";
import { ApiError, describeError } from "./api-error";
import type { User } from "./api-types";
import {
  clearSignOutReason,
  peekSignOutReason,
  rememberSignOutReason,
  type SignOutReason,
} from "./sign-out-reason";
import { REFRESH_TOKEN_KEY } from "./token-storage";

export type SessionState =
  | { status: "loading" }
  /** `reason`: why the server ended the session, for the login page to say (null: no message). */
  | { status: "anonymous"; reason: SignOutReason | null }
  | { status: "authenticated"; user: User }
  | { status: "unreachable"; detail: string };

export interface SessionContextValue {
  session: SessionState;
  login(username: string, password: string): Promise<void>;
  signup(username: string, password: string): Promise<void>;
  logout(): Promise<void>;
  /** Tries again to restore the session, after the server was unreachable. */
  reload(): void;
  /** The signed-in account as the server returned it after a change (settings). */
  updateUser(user: User): void;
}

const SessionContext = createContext<SessionContextValue | null>(null);

export function SessionProvider({ children }: { children: ReactNode }) {
  const [session, setSession] = useState<SessionState>({ status: "loading" });
  const [attempt, setAttempt] = useState(0);

  // Restore from the refresh token kept across reloads.
  useEffect(() => {
    let cancelled = false;
    const restore = async (): Promise<SessionState> => {
      // A reason kept from before a reload is shown too; one from a refused refresh just now
      // was stored by the token listener below before `api.me()` failed.
      if (!api.client.hasSession()) return { status: "anonymous", reason: peekSignOutReason() };
      try {
        return { status: "authenticated", user: await api.me() };
      } catch (error) {
        if (error instanceof ApiError && (error.status === 401 || error.status === 403)) {
          return { status: "anonymous", reason: peekSignOutReason() };
        }
        return { status: "unreachable", detail: describeError(error) };
      }
    };
    void restore().then((next) => {
      if (!cancelled) setSession(next);
    });
    return () => {
      cancelled = true;
    };
  }, [attempt]);

  // The session ends when the client drops its tokens (refused refresh, logout) or when
  // another tab logs out (it removes the shared refresh token).
  useEffect(() => {
    const unsubscribe = api.client.onTokenChange((token, reason) => {
      if (token !== null) return;
      // Kept in sessionStorage as well, so that it survives a reload before the login page shows.
      if (reason) rememberSignOutReason(reason);
      setSession({ status: "anonymous", reason });
    });
    const onStorage = (event: StorageEvent) => {
      if (event.key === REFRESH_TOKEN_KEY && event.newValue === null) api.client.forget();
    };
    window.addEventListener("storage", onStorage);
    return () => {
      unsubscribe();
      window.removeEventListener("storage", onStorage);
    };
  }, []);

  const login = useCallback(async (username: string, password: string) => {
    await api.login(username, password);
    clearSignOutReason();
    setSession({ status: "authenticated", user: await api.me() });
  }, []);

  const signup = useCallback(
    async (username: string, password: string) => {
      await api.signup(username, password);
      await login(username, password);
    },
    [login],
  );

  const logout = useCallback(async () => {
    // Signing out on purpose needs no explanation on the login page.
    clearSignOutReason();
    try {
      await api.logout();
    } catch {
      // The tokens are forgotten locally either way; the server's copy expires on its own.
    }
    setSession({ status: "anonymous", reason: null });
  }, []);

  const reload = useCallback(() => {
    setSession({ status: "loading" });
    setAttempt((n) => n + 1);
  }, []);

  const updateUser = useCallback((user: User) => {
    setSession((current) => (current.status === "authenticated" ? { status: "authenticated", user } : current));
  }, []);

  const value = useMemo(
    () => ({ session, login, signup, logout, reload, updateUser }),
    [session, login, signup, logout, reload, updateUser],
  );
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): SessionContextValue {
  const value = useContext(SessionContext);
  if (!value) throw new Error("useSession must be used inside <SessionProvider>");
  return value;
}
