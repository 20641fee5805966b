// Fake HTTP: JSON answers, token pairs, a fetch that records its calls, and an ApiClient on it.

import { vi } from "vitest";

import { ApiClient } from "../../lib/api-client";
import { memoryTokenStorage, type TokenStorage } from "../../lib/token-storage";

export const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(status === 204 ? null : JSON.stringify(body), {
    status,
    headers: { "Content-Type": "application/json", ...headers },
  });

/** The n-th token pair a server issues (access-n, refresh-n). */
export const tokenPair = (n: number, expiresIn = 900) => ({
  access_token: `access-${n}`,
  refresh_token: `refresh-${n}`,
  token_type: "bearer",
  expires_in: expiresIn,
});

export interface Call {
  method: string;
  /** Path and query string. */
  path: string;
  auth: string | null;
  body: string | null;
}

export type Handler = (call: Call) => Response | Promise<Response>;

/** A fake server: records every call and answers through `handler`. */
export function recordingFetch(handler: Handler) {
  const calls: Call[] = [];
  const fetch = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = new URL(String(input), "http://test");
    const headers = (init?.headers ?? {}) as Record<string, string>;
    const call = {
      method: init?.method ?? "GET",
      path: url.pathname + url.search,
      auth: headers.Authorization ?? null,
      body: typeof init?.body === "string" ? init.body : null,
    };
    calls.push(call);
    return handler(call);
  });
  return { fetch: fetch as unknown as typeof globalThis.fetch, calls };
}

/** An ApiClient over `fetch`, signed in with refresh-1 unless told otherwise, with a
 *  cross-tab lock that just runs the task. */
export function testClient(
  fetch: typeof globalThis.fetch,
  options: { storage?: TokenStorage; now?: () => number } = {},
): ApiClient {
  return new ApiClient({
    fetch,
    storage: options.storage ?? memoryTokenStorage("refresh-1"),
    now: options.now,
    lock: (_name, task) => task(),
  });
}
