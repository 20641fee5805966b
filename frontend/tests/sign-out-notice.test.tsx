// The login page says why the server ended a session: SessionProvider + GuestPage over the
// app's real API client, with a fake fetch standing in for the server.

import { act, render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

import { GuestPage } from "../components/guest-page";
import { api } from "../lib/api";
import { SessionProvider, useSession } from "../lib/session";
import { SIGN_OUT_REASON_KEY } from "../lib/sign-out-reason";
import { REFRESH_TOKEN_KEY } from "../lib/token-storage";
import { alice, json, tokenPair } from "./support";

const router = { replace: vi.fn(async () => true) };
vi.mock("next/router", () => ({ useRouter: () => router }));

/** Answers the refresh with `refresh`, and everything else as a healthy server would. */
function server(refresh: () => Response) {
  const fetch = vi.fn(async (input: RequestInfo | URL) => {
    const path = new URL(String(input), "http://test").pathname;
    if (path === "/api/v1/token/refresh") return refresh();
    if (path === "/api/v1/users/me") return json(200, alice);
    if (path === "/api/v1/logout") return json(204, null);
    return json(404, { detail: "Not Found" });
  });
  vi.stubGlobal("fetch", fetch);
}

const pair = tokenPair(2);

/** The login page once signed out; a "Log out" button while signed in. */
function App() {
  const { session, logout } = useSession();
  if (session.status === "authenticated") {
    return (
      <button type="button" onClick={() => void logout()}>
        Log out
      </button>
    );
  }
  return <GuestPage mode="login" />;
}

beforeEach(() => {
  localStorage.setItem(REFRESH_TOKEN_KEY, "refresh-1");
});

afterEach(() => {
  api.client.forget(); // the client is the app's singleton: leave no token to the next test
  sessionStorage.clear();
  vi.unstubAllGlobals();
});

describe("the login page after the server ended the session", () => {
  it("says the device was signed out elsewhere when the refresh on load is refused", async () => {
    server(() => json(401, { detail: "refresh token is not valid" }));
    render(
      <SessionProvider>
        <App />
      </SessionProvider>,
    );

    expect(await screen.findByRole("status")).toHaveTextContent(
      "You were signed out because this device was signed out from another device.",
    );
    expect(screen.getByRole("button", { name: "Log in" })).toBeVisible();
    // Said once: a later visit to the login page shows no stale reason. (Forgotten by an effect
    // of the page, which may run just after the notice is on screen.)
    await waitFor(() => expect(sessionStorage.getItem(SIGN_OUT_REASON_KEY)).toBeNull());
  });

  it("says the account was deactivated when that ends an open session", async () => {
    server(() => json(200, pair));
    render(
      <SessionProvider>
        <App />
      </SessionProvider>,
    );
    await screen.findByRole("button", { name: "Log out" });

    // As a socket refused with 4403 "account is deactivated" does (use-room-socket).
    act(() => api.client.forget("deactivated"));
    expect(await screen.findByRole("status")).toHaveTextContent("Your account has been deactivated.");
  });

  it("shows a reason kept from before a reload, and none after logging out on purpose", async () => {
    sessionStorage.setItem(SIGN_OUT_REASON_KEY, "expired");
    localStorage.removeItem(REFRESH_TOKEN_KEY);
    server(() => json(200, pair));
    const { unmount } = render(
      <SessionProvider>
        <App />
      </SessionProvider>,
    );
    expect(await screen.findByRole("status")).toHaveTextContent("Your session expired. Please sign in again.");
    unmount();

    localStorage.setItem(REFRESH_TOKEN_KEY, "refresh-1");
    render(
      <SessionProvider>
        <App />
      </SessionProvider>,
    );
    await userEvent.click(await screen.findByRole("button", { name: "Log out" }));
    expect(await screen.findByRole("button", { name: "Log in" })).toBeVisible();
    expect(screen.queryByRole("status")).toBeNull();
  });
});
