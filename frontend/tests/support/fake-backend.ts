// A fake backend over HTTP for the app's hooks: history pages (before/after/limit) from a list
// of stored messages, REST sends echoed back, reactions, read markers, the rooms (a list a test
// may change), members, people, and token refreshes (which a test may make the server refuse).

import type { Message, Room, RoomMember, UserPublic } from "../../lib/api-types";
import { chatApi } from "../../lib/chat-api";
import { alice, bob, message, room as roomOf } from "./factories";
import { json, testClient, tokenPair } from "./http";

/** The id the server gives a message sent over HTTP. */
export const SENT_OVER_HTTP_ID = 500;

export interface FakeBackendOptions {
  /** The room whose messages are `stored` (default: room 1). */
  room?: Room;
  /** Every room `GET /rooms` lists (default: just `room`). */
  rooms?: Room[];
  members?: RoomMember[];
  people?: UserPublic[];
}

export function fakeBackend(stored: readonly Message[], options: FakeBackendOptions = {}) {
  const room = options.room ?? roomOf(1);
  const rooms = options.rooms ?? [room];
  const members: RoomMember[] = options.members ?? [
    { user: alice, online: true },
    { user: bob, online: true },
  ];
  const people = options.people ?? [alice, bob];
  const requests: string[] = [];
  /** Set: refreshes are refused (401) with this detail. */
  let refreshRefusal: string | null = null;
  /** Answers that wait until the test lets them go, by the start of "METHOD path"; each holds
   *  the first such request only. */
  const held = new Map<string, Promise<void>>();

  const answer = async (url: URL, method: string, init?: RequestInit): Promise<Response> => {
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
    const sent = url.pathname.match(/^\/api\/v1\/rooms\/(\d+)\/messages$/);
    if (sent && method === "POST") {
      const body = JSON.parse(String(init?.body)) as { body: string; client_id: string };
      return json(201, message(SENT_OVER_HTTP_ID, { room_id: Number(sent[1]), body: body.body, client_id: body.client_id }));
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
    if (url.pathname === "/api/v1/rooms" && method === "GET") return json(200, rooms);
    if (url.pathname === "/api/v1/users") {
      const q = (url.searchParams.get("q") ?? "").toLowerCase();
      return json(200, { users: people.filter((u) => u.username.toLowerCase().startsWith(q)), has_more: false });
    }
    if (url.pathname === "/api/v1/dm" && method === "POST") {
      const { username } = JSON.parse(String(init?.body)) as { username: string };
      return json(200, roomOf(90, { name: username, is_private: true, is_direct: true }));
    }
    const roomPath = url.pathname.match(/^\/api\/v1\/rooms\/(\d+)(\/.*)?$/);
    const target = roomPath ? rooms.find((r) => r.id === Number(roomPath[1])) : undefined;
    if (roomPath && target) {
      const rest = roomPath[2] ?? "";
      if (rest === "" && method === "GET") return json(200, target);
      if (rest === "" && method === "PATCH") return json(200, { ...target, ...(JSON.parse(String(init?.body)) as object) });
      if (rest === "/read" || rest === "/leave") return json(204, null);
      if (rest === "/join") return json(200, { ...target, joined: true });
      if (rest === "/members" && method === "GET") return json(200, members);
      if (rest === "/members" && method === "POST") {
        const { username } = JSON.parse(String(init?.body)) as { username: string };
        return json(200, { user: { id: 77, username }, online: false });
      }
      if (rest.startsWith("/members/") && method === "DELETE") return json(204, null);
    }
    return json(404, { detail: "Not found" });
  };

  const fetch = async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = new URL(String(input), "http://test");
    const method = init?.method ?? "GET";
    const request = `${method} ${url.pathname}${url.search}`;
    requests.push(request);
    const key = [...held.keys()].find((prefix) => request.startsWith(prefix));
    const released = key === undefined ? undefined : held.get(key);
    if (key !== undefined && released) {
      held.delete(key);
      await released;
    }
    return answer(url, method, init);
  };

  const client = testClient(fetch as typeof globalThis.fetch);
  const refuseRefresh = (detail: string) => {
    refreshRefusal = detail;
  };
  /** Holds the answers to requests starting with `prefix` ("POST /api/v1/rooms/1/messages")
   *  until the returned function is called. */
  const hold = (prefix: string) => {
    let letGo: () => void = () => undefined;
    const release = new Promise<void>((resolve) => (letGo = resolve));
    held.set(prefix, release);
    return letGo;
  };
  return { api: chatApi(client), client, requests, refuseRefresh, rooms, members, hold };
}
