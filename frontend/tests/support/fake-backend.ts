// A fake backend over HTTP for the room hooks: history pages (before/after/limit) from a list
// of stored messages, REST sends echoed back, reactions, read markers, the room itself, and
// token refreshes (which a test may make the server refuse).

import type { Message, Room } from "../../lib/api-types";
import { chatApi } from "../../lib/chat-api";
import { message, room as roomOf } from "./factories";
import { json, testClient, tokenPair } from "./http";

/** The id the server gives a message sent over HTTP. */
export const SENT_OVER_HTTP_ID = 500;

export function fakeBackend(stored: readonly Message[], options: { room?: Room } = {}) {
  const room = options.room ?? roomOf(1);
  const requests: string[] = [];
  /** Set: refreshes are refused (401) with this detail. */
  let refreshRefusal: string | null = null;

  const fetch = async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = new URL(String(input), "http://test");
    const method = init?.method ?? "GET";
    requests.push(`${method} ${url.pathname}${url.search}`);
    if (url.pathname === "/api/v1/token/refresh") {
      if (refreshRefusal !== null) return json(401, { detail: refreshRefusal });
      return json(200, tokenPair(2));
    }
    if (url.pathname === "/api/v1/chat/history") {
      const limit = Number(url.searchParams.get("limit") ?? 50);
      const after = url.searchParams.get("after");
      if (after !== null) {
        const newer = stored.filter((m) => m.id > Number(after));
        return json(200, { messages: newer.slice(0, limit), has_more: newer.length > limit });
      }
      const before = Number(url.searchParams.get("before") ?? Infinity);
      const older = stored.filter((m) => m.id < before);
      return json(200, { messages: older.slice(-limit), has_more: older.length > limit });
    }
    if (url.pathname === `/api/v1/rooms/${room.id}/messages` && method === "POST") {
      const body = JSON.parse(String(init?.body)) as { body: string; client_id: string };
      return json(201, message(SENT_OVER_HTTP_ID, { body: body.body, client_id: body.client_id }));
    }
    const reacted = url.pathname.match(/^\/api\/v1\/messages\/(\d+)\/reactions/);
    if (reacted) {
      const on = method === "POST";
      return json(200, message(Number(reacted[1]), { reactions: on ? [{ emoji: "👍", count: 2, me: true }] : [] }));
    }
    const edited = url.pathname.match(/^\/api\/v1\/messages\/(\d+)$/);
    if (edited && method === "PATCH") {
      const body = JSON.parse(String(init?.body)) as { body: string };
      return json(200, message(Number(edited[1]), { body: body.body, edited_at: "2026-01-02T00:00:00Z" }));
    }
    if (edited && method === "DELETE") return json(204, null);
    if (url.pathname === `/api/v1/rooms/${room.id}/read`) return json(204, null);
    if (url.pathname === `/api/v1/rooms/${room.id}`) return json(200, room);
    return json(404, { detail: "Not found" });
  };

  const client = testClient(fetch as typeof globalThis.fetch);
  const refuseRefresh = (detail: string) => {
    refreshRefusal = detail;
  };
  return { api: chatApi(client), client, requests, refuseRefresh };
}
