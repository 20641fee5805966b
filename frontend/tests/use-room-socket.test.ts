import { act, renderHook } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

import { ApiClient } from "../lib/api-client";
import type { Message, Room, ServerFrame } from "../lib/api-types";
import { chatApi } from "../lib/chat-api";
import { memoryTokenStorage } from "../lib/token-storage";
import { useRoomSocket } from "../lib/use-room-socket";
import { fakeSocketFactory } from "./support/fake-websocket";
import { alice, bob, ids, message } from "./support/factories";

const room: Room = {
  id: 1,
  name: "general",
  is_private: false,
  owner_id: null,
  created_at: "2026-01-01T00:00:00Z",
  member_count: 2,
  joined: true,
  last_read_id: null,
  unread_count: 0,
  is_direct: false,
};

const hello: ServerFrame = { type: "hello", room, user: alice, online: [alice, bob], last_message_id: null };

/** A fake backend over HTTP: history pages from `stored`, REST sends echoed back. */
function fakeBackend(stored: Message[]) {
  const requests: string[] = [];
  const fetch = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = new URL(String(input), "http://test");
    requests.push(`${init?.method ?? "GET"} ${url.pathname}${url.search}`);
    const reply = (body: unknown, status = 200) => new Response(JSON.stringify(body), { status });
    if (url.pathname === "/api/v1/token/refresh") {
      return reply({ access_token: "access", refresh_token: "refresh-2", token_type: "bearer", expires_in: 900 });
    }
    if (url.pathname === "/api/v1/chat/history") {
      const before = Number(url.searchParams.get("before") ?? Infinity);
      const limit = Number(url.searchParams.get("limit") ?? 50);
      const older = stored.filter((m) => m.id < before);
      return reply({ messages: older.slice(-limit), has_more: older.length > limit });
    }
    if (url.pathname === "/api/v1/rooms/1/messages" && init?.method === "POST") {
      const body = JSON.parse(String(init.body)) as { body: string; client_id: string };
      return reply(message(500, { body: body.body, client_id: body.client_id }), 201);
    }
    return reply({ detail: "Not found" }, 404);
  });
  const client = new ApiClient({
    fetch: fetch as unknown as typeof globalThis.fetch,
    storage: memoryTokenStorage("refresh-1"),
    lock: (_name, task) => task(),
  });
  return { api: chatApi(client), requests };
}

function setup(stored: Message[] = [message(1), message(2), message(3)]) {
  const backend = fakeBackend(stored);
  const sockets = fakeSocketFactory();
  const hook = renderHook(() => useRoomSocket(room.id, { api: backend.api, createSocket: sockets.create }));
  /** The server side of the current socket: accept and say hello. */
  const connect = async () => {
    await act(async () => {
      await vi.advanceTimersByTimeAsync(0);
    });
    act(() => {
      sockets.last.accept();
      sockets.last.receive(hello);
    });
  };
  const receive = (frame: ServerFrame) => act(() => sockets.last.receive(frame));
  return { ...backend, sockets, hook, connect, receive, view: () => hook.result.current };
}

beforeEach(() => {
  vi.useFakeTimers();
});

afterEach(() => {
  vi.useRealTimers();
});

describe("useRoomSocket", () => {
  it("loads the newest page, then connects resuming right after it", async () => {
    const t = setup();
    await t.connect();
    expect(ids(t.view().list.messages)).toEqual([1, 2, 3]);
    expect(t.sockets.last.since).toBe("3");
    expect(t.view().status).toBe("connected");
    expect(t.view().presence.online.map((u) => u.username)).toEqual(["alice", "bob"]);
  });

  it("shows live messages in id order without duplicates across a reconnect", async () => {
    const t = setup();
    await t.connect();
    t.receive({ type: "message", message: message(5) });
    t.receive({ type: "message", message: message(4) });
    act(() => t.sockets.last.serverClose(1006));
    expect(t.view().status).toBe("reconnecting");

    await act(async () => {
      await vi.advanceTimersByTimeAsync(1_000);
    });
    expect(t.sockets.sockets).toHaveLength(2);
    expect(t.sockets.last.since).toBe("5");
    act(() => {
      t.sockets.last.accept();
      t.sockets.last.receive(hello);
    });
    t.receive({ type: "message", message: message(5) });
    t.receive({ type: "message", message: message(6) });
    expect(ids(t.view().list.messages)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it("shows a sent message as pending until its echo confirms it", async () => {
    const t = setup();
    await t.connect();
    act(() => t.view().send("hello room"));

    const [pending] = t.view().list.outbox;
    expect(pending).toMatchObject({ body: "hello room", status: "pending" });
    const frame = t.sockets.last.sent.find((f) => f.type === "message");
    expect(frame).toEqual({ type: "message", body: "hello room", client_id: pending?.clientId });

    t.receive({ type: "message", message: message(4, { body: "hello room", client_id: pending?.clientId ?? null }) });
    expect(t.view().list.outbox).toEqual([]);
    expect(ids(t.view().list.messages)).toEqual([1, 2, 3, 4]);
  });

  it("marks a message refused by the server as failed, and retries it with the same client_id", async () => {
    const t = setup();
    await t.connect();
    act(() => t.view().send("too fast"));
    t.receive({ type: "error", code: "rate_limited", detail: "Slow down", retry_after: 2 });

    const [failed] = t.view().list.outbox;
    expect(failed).toMatchObject({ status: "failed", error: "Slow down" });

    act(() => t.view().retry(failed?.clientId ?? ""));
    expect(t.view().list.outbox[0]?.status).toBe("pending");
    const sends = t.sockets.last.sent.filter((f) => f.type === "message");
    expect(sends).toHaveLength(2);
    expect(sends[1]).toEqual(sends[0]);
  });

  it("marks a message failed when no echo comes back in time", async () => {
    const t = setup();
    await t.connect();
    act(() => t.view().send("into the void"));
    await act(async () => {
      await vi.advanceTimersByTimeAsync(10_000);
    });
    expect(t.view().list.outbox[0]?.status).toBe("failed");
  });

  it("sends over HTTP while the socket is down", async () => {
    const t = setup();
    await act(async () => {
      await vi.advanceTimersByTimeAsync(0);
    });
    // Socket opened but not yet greeted: not connected.
    await act(async () => {
      t.view().send("via rest");
      await vi.advanceTimersByTimeAsync(0);
    });
    expect(t.requests).toContain("POST /api/v1/rooms/1/messages");
    expect(t.view().list.outbox).toEqual([]);
    expect(t.view().list.messages.at(-1)).toMatchObject({ id: 500, body: "via rest" });
  });

  it("applies live edits and deletions, and shows who is typing", async () => {
    const t = setup();
    await t.connect();
    t.receive({ type: "message_updated", message: message(2, { body: "edited", edited_at: "2026-01-02T00:00:00Z" }) });
    t.receive({ type: "message_deleted", message_id: 3, room_id: 1 });
    t.receive({ type: "typing", user: bob });
    expect(t.view().list.messages[1]?.body).toBe("edited");
    expect(t.view().list.messages[2]?.deleted).toBe(true);
    expect(t.view().presence.typing.map((x) => x.user.username)).toEqual(["bob"]);

    await act(async () => {
      await vi.advanceTimersByTimeAsync(6_000);
    });
    expect(t.view().presence.typing).toEqual([]);
  });

  it("after a gap, keeps only the replayed messages and loads older ones from history", async () => {
    const stored = Array.from({ length: 60 }, (_, i) => message(i + 1));
    const t = setup(stored);
    await t.connect();
    expect(t.view().list.messages).toHaveLength(50);

    t.receive({ type: "gap" });
    t.receive({ type: "message", message: message(2000) });
    expect(ids(t.view().list.messages)).toEqual([2000]);
    expect(t.view().list.hasMore).toBe(true);

    await act(async () => {
      t.view().loadOlder();
      await vi.advanceTimersByTimeAsync(0);
    });
    expect(t.requests.at(-1)).toBe("GET /api/v1/chat/history?room_id=1&before=2000&limit=50");
    expect(ids(t.view().list.messages).slice(-3)).toEqual([59, 60, 2000]);
  });

  it("reports a deleted room and stops", async () => {
    const t = setup();
    await t.connect();
    t.receive({ type: "room_deleted", room_id: 1 });
    expect(t.view().closedReason).toBe("This room was deleted.");
  });

  it("closes the socket when unmounted", async () => {
    const t = setup();
    await t.connect();
    t.hook.unmount();
    expect(t.sockets.last.closedByClient?.code).toBe(1000);
  });
});
