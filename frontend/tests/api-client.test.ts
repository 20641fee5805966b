import { afterEach, describe, expect, it, vi } from "vitest";

import { ApiClient } from "../lib/api-client";
import { ApiError } from "../lib/api-error";
import { memoryTokenStorage, type TokenStorage } from "../lib/token-storage";
import { json, recordingFetch, testClient, tokenPair as pair, type Handler } from "./support";

/**
 * A server that rotates refresh tokens like docs/api.md: each refresh spends the presented token
 * and issues generation n+1. `revokeAccess` makes the access tokens issued so far fail with 401.
 */
function rotatingServer(options: { refreshDelayMs?: number } = {}) {
  let generation = 1;
  const validAccess = new Set<string>();
  const refreshes: string[] = [];
  const handler: Handler = async (call) => {
    if (call.path === "/api/v1/token/refresh") {
      const presented = (JSON.parse(call.body ?? "{}") as { refresh_token: string }).refresh_token;
      refreshes.push(presented);
      if (presented !== `refresh-${generation}`) return json(401, { detail: "Refresh token reused" });
      if (options.refreshDelayMs) await new Promise((r) => setTimeout(r, options.refreshDelayMs));
      generation += 1;
      validAccess.add(`access-${generation}`);
      return json(200, pair(generation));
    }
    if (!call.auth || !validAccess.has(call.auth.replace("Bearer ", ""))) {
      return json(401, { detail: "Not authenticated" }, { "WWW-Authenticate": "Bearer" });
    }
    return json(200, { ok: true, path: call.path });
  };
  return { handler, refreshes, revokeAccess: () => validAccess.clear() };
}

function clientWith(handler: Handler, storage: TokenStorage = memoryTokenStorage("refresh-1"), now = () => 0) {
  const { fetch, calls } = recordingFetch(handler);
  return { client: testClient(fetch, { storage, now }), calls, storage };
}

afterEach(() => {
  vi.useRealTimers();
});

describe("ApiClient", () => {
  it("logs in with a form post, keeps the refresh token in storage and the access token in memory only", async () => {
    const storage = memoryTokenStorage();
    const { client, calls } = clientWith((call) => {
      if (call.path === "/api/v1/token") return json(200, pair(1));
      return json(200, { auth: call.auth });
    }, storage);

    await client.login("alice", "s3cret-pass");
    expect(calls[0]).toMatchObject({ method: "POST", path: "/api/v1/token", auth: null });
    expect(calls[0]?.body).toBe("username=alice&password=s3cret-pass");
    expect(storage.get()).toBe("refresh-1");

    const me = await client.get<{ auth: string }>("/users/me");
    expect(me.auth).toBe("Bearer access-1");
  });

  it("restores a session from the stored refresh token before the first call", async () => {
    const server = rotatingServer();
    const { client, calls } = clientWith(server.handler);

    await client.get("/users/me");
    expect(calls.map((c) => c.path)).toEqual(["/api/v1/token/refresh", "/api/v1/users/me"]);
    expect(calls[1]?.auth).toBe("Bearer access-2");
  });

  it("refreshes once on a 401 and retries the call with the new token", async () => {
    const server = rotatingServer();
    const { client, calls } = clientWith(server.handler);
    await client.refresh(); // holds access-2, valid for 15 minutes
    server.revokeAccess(); // yet the server now refuses it

    const result = await client.get<{ path: string }>("/rooms");
    expect(result.path).toBe("/api/v1/rooms");
    expect(calls.slice(1).map((c) => `${c.method} ${c.path} ${c.auth ?? "-"}`)).toEqual([
      "GET /api/v1/rooms Bearer access-2",
      "POST /api/v1/token/refresh -",
      "GET /api/v1/rooms Bearer access-3",
    ]);
  });

  it("does not retry a second time when the retried call is refused too", async () => {
    let refreshes = 0;
    const { client, calls } = clientWith((call) => {
      if (call.path === "/api/v1/token/refresh") {
        refreshes += 1;
        return json(200, pair(refreshes + 1));
      }
      return json(401, { detail: "Not authenticated" });
    });

    await expect(client.get("/users/me")).rejects.toMatchObject({ status: 401, detail: "Not authenticated" });
    expect(refreshes).toBe(2); // one to get a token at all, one after the 401; never a loop
    expect(calls.filter((c) => c.path === "/api/v1/users/me")).toHaveLength(2);
  });

  it("makes concurrent calls that get 401 share a single refresh", async () => {
    const server = rotatingServer({ refreshDelayMs: 20 });
    const { client } = clientWith(server.handler);
    await client.refresh();
    server.revokeAccess();

    const results = await Promise.all([client.get("/a"), client.get("/b"), client.get("/c"), client.get("/d")]);
    expect(results).toHaveLength(4);
    expect(server.refreshes).toEqual(["refresh-1", "refresh-2"]); // the initial one, then one for all four
  });

  it("makes concurrent first calls share a single refresh", async () => {
    const server = rotatingServer({ refreshDelayMs: 20 });
    const { client } = clientWith(server.handler);
    await Promise.all([client.get("/a"), client.get("/b"), client.get("/c")]);
    expect(server.refreshes).toEqual(["refresh-1"]);
  });

  it("refreshes ahead of expiry instead of sending a token about to expire", async () => {
    let time = 0;
    const server = rotatingServer();
    const { client, calls } = clientWith(server.handler, memoryTokenStorage("refresh-1"), () => time);
    await client.refresh(); // access-2, valid 900 s
    time = 850_000; // 50 s left, inside the 60 s margin

    await client.get("/rooms");
    expect(calls.map((c) => c.path)).toEqual(["/api/v1/token/refresh", "/api/v1/token/refresh", "/api/v1/rooms"]);
    expect(calls[2]?.auth).toBe("Bearer access-3");
  });

  it("refreshes on a timer before expiry and tells listeners (open sockets) the new token", async () => {
    vi.useFakeTimers();
    const server = rotatingServer();
    const { client } = clientWith(server.handler);
    const seen: (string | null)[] = [];
    client.onTokenChange((token) => seen.push(token));

    await client.refresh();
    expect(seen).toEqual(["access-2"]);
    await vi.advanceTimersByTimeAsync(900_000 - 60_000);
    expect(seen).toEqual(["access-2", "access-3"]);
  });

  it("ends the session when the refresh token is refused", async () => {
    const storage = memoryTokenStorage("refresh-revoked");
    const { client } = clientWith(() => json(401, { detail: "Invalid refresh token" }), storage);
    const seen: (string | null)[] = [];
    client.onTokenChange((token) => seen.push(token));

    await expect(client.get("/users/me")).rejects.toMatchObject({ status: 401 });
    expect(storage.get()).toBeNull();
    expect(client.hasSession()).toBe(false);
    expect(seen).toEqual([null]);
  });

  it("tells listeners why the server ended the session", async () => {
    const refusal = (detail: string) => {
      const { client } = clientWith(() => json(401, { detail }), memoryTokenStorage("refresh-1"));
      const seen: [string | null, string | null][] = [];
      client.onTokenChange((token, reason) => seen.push([token, reason]));
      return { client, seen };
    };

    const reused = refusal("refresh token was already used; this device is signed out");
    await expect(reused.client.refresh()).rejects.toMatchObject({ status: 401 });
    expect(reused.seen).toEqual([[null, "reused"]]);

    const revoked = refusal("refresh token is not valid");
    await expect(revoked.client.get("/users/me")).rejects.toMatchObject({ status: 401 });
    expect(revoked.seen).toEqual([[null, "signed-out-elsewhere"]]);

    // Words this client does not know still end the session, with a general reason.
    const other = refusal("Invalid refresh token");
    await expect(other.client.refresh()).rejects.toMatchObject({ status: 401 });
    expect(other.seen).toEqual([[null, "ended"]]);
  });

  it("gives the caller's reason for a login refused as not valid, and only for that refusal", async () => {
    const refused = async (detail: string) => {
      const { client } = clientWith(() => json(401, { detail }), memoryTokenStorage("refresh-1"));
      const seen: (string | null)[] = [];
      client.onTokenChange((_token, reason) => seen.push(reason));
      await expect(client.refresh({ revokedReason: "deactivated" })).rejects.toMatchObject({ status: 401 });
      return seen;
    };
    expect(await refused("refresh token is not valid")).toEqual(["deactivated"]);
    expect(await refused("refresh token has expired")).toEqual(["expired"]);

    // Callers joining the same in-flight refresh: any one's reason counts, then it is forgotten.
    const answers: ((res: Response) => void)[] = [];
    const { client, storage } = clientWith(() => new Promise<Response>((resolve) => answers.push(resolve)));
    const seen: (string | null)[] = [];
    client.onTokenChange((_token, reason) => seen.push(reason));
    const plain = client.refresh();
    expect(client.refresh({ revokedReason: "deactivated" })).toBe(plain);
    await vi.waitFor(() => expect(answers).toHaveLength(1));
    answers[0]?.(json(401, { detail: "refresh token is not valid" }));
    await expect(plain).rejects.toMatchObject({ status: 401 });
    expect(seen).toEqual(["deactivated"]);

    storage.set("refresh-9"); // signed in again
    const later = client.refresh();
    await vi.waitFor(() => expect(answers).toHaveLength(2));
    answers[1]?.(json(401, { detail: "refresh token is not valid" }));
    await expect(later).rejects.toMatchObject({ status: 401 });
    expect(seen).toEqual(["deactivated", "signed-out-elsewhere"]);
  });

  it("ends the session when a call says the account is deactivated, but not on other 403s", async () => {
    const server = rotatingServer();
    let deactivated = false;
    const { client, storage } = clientWith((call) => {
      if (call.path === "/api/v1/rooms/7/messages") return json(403, { detail: "not a member of this room" });
      if (deactivated && call.path === "/api/v1/users/me") return json(403, { detail: "account is deactivated" });
      return server.handler(call);
    });
    const seen: [string | null, string | null][] = [];
    client.onTokenChange((token, reason) => seen.push([token, reason]));
    await client.refresh();

    await expect(client.get("/rooms/7/messages")).rejects.toMatchObject({ status: 403 });
    expect(client.hasSession()).toBe(true);

    deactivated = true;
    await expect(client.get("/users/me")).rejects.toMatchObject({ status: 403, detail: "account is deactivated" });
    expect(storage.get()).toBeNull();
    expect(seen).toEqual([
      ["access-2", null],
      [null, "deactivated"],
    ]);
  });

  it("gives no reason when the person logs out", async () => {
    const server = rotatingServer();
    const { client } = clientWith((call) => (call.path === "/api/v1/logout" ? json(204, null) : server.handler(call)));
    await client.refresh();
    const seen: [string | null, string | null][] = [];
    client.onTokenChange((token, reason) => seen.push([token, reason]));

    await client.logout();
    expect(seen).toEqual([[null, null]]);
  });

  it("stores the new refresh token before it releases the cross-tab lock", async () => {
    const server = rotatingServer();
    const storage = memoryTokenStorage("refresh-1");
    const { fetch } = recordingFetch(server.handler);
    // What the next holder of the lock (another tab) would read the moment this one lets go.
    const readAtRelease: (string | null)[] = [];
    const lock = <T,>(_name: string, task: () => Promise<T>) =>
      task().finally(() => {
        readAtRelease.push(storage.get());
      });
    const client = new ApiClient({ fetch, storage, lock });

    await client.refresh();
    expect(readAtRelease).toEqual(["refresh-2"]);
  });

  it("keeps the session when the server cannot be reached during a refresh", async () => {
    const storage = memoryTokenStorage("refresh-1");
    const { client } = clientWith(() => {
      throw new TypeError("Failed to fetch");
    }, storage);

    const error = await client.get("/users/me").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 0, isNetworkError: true });
    expect(storage.get()).toBe("refresh-1");
  });

  it("normalises errors into {status, detail}, with per-field messages for 422", async () => {
    const { client } = clientWith((call) => {
      if (call.path === "/api/v1/signup") {
        return json(422, {
          detail: [
            { loc: ["body", "username"], msg: "String should have at least 3 characters", type: "string_too_short" },
            { loc: ["body", "password"], msg: "Password too long", type: "value_error" },
          ],
        });
      }
      if (call.path === "/api/v1/token") return json(429, { detail: "Too many attempts" }, { "Retry-After": "30" });
      return new Response("<html>Bad gateway</html>", { status: 502, statusText: "Bad Gateway" });
    });

    const validation = (await client
      .request("POST", "/signup", { json: { username: "a", password: "x" }, auth: false })
      .catch((e: unknown) => e)) as ApiError;
    expect(validation.status).toBe(422);
    expect(validation.fields).toEqual({ username: "String should have at least 3 characters", password: "Password too long" });
    expect(validation.detail).toContain("at least 3 characters");

    const limited = (await client.login("alice", "password1").catch((e: unknown) => e)) as ApiError;
    expect(limited).toMatchObject({ status: 429, detail: "Too many attempts", retryAfter: 30 });

    const gateway = (await client.request("GET", "/healthz", { auth: false }).catch((e: unknown) => e)) as ApiError;
    expect(gateway).toMatchObject({ status: 502, detail: "Bad Gateway" });
  });

  it("logs out by revoking the refresh token on the server, then forgets both tokens", async () => {
    const server = rotatingServer();
    const { client, calls, storage } = clientWith((call) =>
      call.path === "/api/v1/logout" ? json(204, null) : server.handler(call),
    );
    await client.refresh();

    await client.logout();
    const logout = calls.at(-1);
    expect(logout).toMatchObject({ method: "POST", path: "/api/v1/logout" });
    expect(JSON.parse(logout?.body ?? "{}")).toEqual({ refresh_token: "refresh-2" });
    expect(storage.get()).toBeNull();
    await expect(client.getAccessToken()).rejects.toMatchObject({ status: 401 });
  });

  it("reads the refresh token inside the cross-tab lock, so a second tab uses the rotated one", async () => {
    const server = rotatingServer();
    const storage = memoryTokenStorage("refresh-1");
    const { fetch } = recordingFetch(server.handler);
    let chain = Promise.resolve();
    // Both "tabs" share storage and one lock, as two tabs share localStorage and navigator.locks.
    const lock = <T,>(_name: string, task: () => Promise<T>) => {
      const run = chain.then(task);
      chain = run.then(
        () => undefined,
        () => undefined,
      );
      return run;
    };
    const tabA = new ApiClient({ fetch, storage, lock });
    const tabB = new ApiClient({ fetch, storage, lock });

    const [a, b] = await Promise.all([tabA.refresh(), tabB.refresh()]);
    expect([a, b]).toEqual(["access-2", "access-3"]);
    expect(server.refreshes).toEqual(["refresh-1", "refresh-2"]);
    expect(storage.get()).toBe("refresh-3");
  });
});
