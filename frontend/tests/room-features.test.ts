// The room hook's newer parts: opening at a message (a search jump), paging back to the newest,
// reactions (frames and REST answers), read frames; and the read-marker hook.

import { act, renderHook } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

import { ApiClient } from "../lib/api-client";
import type { Message, Room, ServerFrame } from "../lib/api-types";
import { chatApi } from "../lib/chat-api";
import { memoryTokenStorage } from "../lib/token-storage";
import { useReadMarker } from "../lib/use-read-marker";
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
  last_read_id: 40,
  unread_count: 60,
  is_direct: false,
};

/** A fake backend over HTTP: history (before/after/limit), reactions, read markers, rooms. */
function fakeBackend(stored: Message[]) {
  const requests: string[] = [];
  const fetch = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = new URL(String(input), "http://test");
    const method = init?.method ?? "GET";
    requests.push(`${method} ${url.pathname}${url.search}`);
    const reply = (body: unknown, status = 200) =>
      new Response(status === 204 ? null : JSON.stringify(body), { status });
    if (url.pathname === "/api/v1/token/refresh") {
      return reply({ access_token: "access", refresh_token: "refresh-2", token_type: "bearer", expires_in: 900 });
    }
    if (url.pathname === "/api/v1/chat/history") {
      const limit = Number(url.searchParams.get("limit") ?? 50);
      const after = url.searchParams.get("after");
      if (after !== null) {
        const newer = stored.filter((m) => m.id > Number(after));
        return reply({ messages: newer.slice(0, limit), has_more: newer.length > limit });
      }
      const before = Number(url.searchParams.get("before") ?? Infinity);
      const older = stored.filter((m) => m.id < before);
      return reply({ messages: older.slice(-limit), has_more: older.length > limit });
    }
    const reacted = url.pathname.match(/^\/api\/v1\/messages\/(\d+)\/reactions/);
    if (reacted) {
      const on = method === "POST";
      return reply(message(Number(reacted[1]), { reactions: on ? [{ emoji: "👍", count: 2, me: true }] : [] }));
    }
    if (url.pathname === "/api/v1/rooms/1/read") return reply(null, 204);
    if (url.pathname === "/api/v1/rooms/1") return reply(room);
    return reply({ detail: "Not found" }, 404);
  });
  const client = new ApiClient({
    fetch: fetch as unknown as typeof globalThis.fetch,
    storage: memoryTokenStorage("refresh-1"),
    lock: (_name, task) => task(),
  });
  return { api: chatApi(client), requests };
}

const hello: ServerFrame = { type: "hello", room, user: alice, online: [alice, bob], last_message_id: 100 };
const stored = Array.from({ length: 100 }, (_, i) => message(i + 1, { sender: bob }));

beforeEach(() => {
  vi.useFakeTimers();
});

afterEach(() => {
  vi.useRealTimers();
});

async function flush() {
  await act(async () => {
    await vi.advanceTimersByTimeAsync(0);
  });
}

describe("useRoomSocket, opened at a message", () => {
  function setup(options: { focusMessageId?: number | null; onRead?: (roomId: number, messageId: number) => void } = {}) {
    const backend = fakeBackend(stored);
    const sockets = fakeSocketFactory();
    const hook = renderHook(() => useRoomSocket(room.id, { api: backend.api, createSocket: sockets.create, ...options }));
    const connect = async () => {
      await flush();
      act(() => {
        sockets.last.accept();
        sockets.last.receive(hello);
      });
    };
    const receive = (frame: ServerFrame) => act(() => sockets.last.receive(frame));
    return { ...backend, sockets, hook, connect, receive, view: () => hook.result.current };
  }

  it("loads the messages around it and connects without replaying from there", async () => {
    const t = setup({ focusMessageId: 30 });
    await t.connect();
    expect(t.requests.filter((r) => r.includes("/chat/history")).sort()).toEqual([
      "GET /api/v1/chat/history?room_id=1&after=30&limit=25",
      "GET /api/v1/chat/history?room_id=1&before=31&limit=25",
    ]);
    expect(ids(t.view().list.messages)).toEqual(Array.from({ length: 50 }, (_, i) => i + 6));
    expect(t.view().list).toMatchObject({ hasMore: true, hasNewer: true });
    expect(t.sockets.last.since).toBeNull();
  });

  it("holds live messages until paging reaches the newest, then shows everything once", async () => {
    const t = setup({ focusMessageId: 30 });
    await t.connect();
    t.receive({ type: "message", message: message(101, { sender: bob }) });
    expect(ids(t.view().list.messages).at(-1)).toBe(55);

    await act(async () => {
      t.view().loadNewer();
      await vi.advanceTimersByTimeAsync(0);
    });
    expect(t.requests.at(-1)).toBe("GET /api/v1/chat/history?room_id=1&after=55&limit=50");
    expect(ids(t.view().list.messages)).toEqual(Array.from({ length: 96 }, (_, i) => i + 6));
    expect(t.view().list.hasNewer).toBe(false);

    // A reconnect resumes from what it has, not from the jump.
    act(() => t.sockets.last.serverClose(1006));
    await act(async () => {
      await vi.advanceTimersByTimeAsync(1_000);
    });
    expect(t.sockets.last.since).toBe("101");
  });

  it("goes straight back to the newest, and so does sending from far back", async () => {
    const t = setup({ focusMessageId: 10 });
    await t.connect();
    await act(async () => {
      t.view().send("back to the present");
      await vi.advanceTimersByTimeAsync(0);
    });
    expect(t.view().list.hasNewer).toBe(false);
    expect(ids(t.view().list.messages).at(-1)).toBe(100);
    expect(t.view().list.outbox).toHaveLength(1);
  });

  it("applies reaction frames with this person's flags, and REST answers as they are", async () => {
    const t = setup();
    await t.connect();
    t.receive({
      type: "reaction",
      message: message(100, { sender: bob, reactions: [{ emoji: "👍", count: 1, me: false }] }),
      user: alice,
      emoji: "👍",
      added: true,
    });
    expect(t.view().list.messages.at(-1)?.reactions).toEqual([{ emoji: "👍", count: 1, me: true }]);

    await act(async () => {
      await t.view().react(100, "👍", false);
    });
    expect(t.requests.at(-1)).toBe("DELETE /api/v1/messages/100/reactions/%F0%9F%91%8D");
    expect(t.view().list.messages.at(-1)?.reactions).toEqual([]);
  });

  it("passes read frames on, whatever room they are about", async () => {
    const onRead = vi.fn();
    const t = setup({ onRead });
    await t.connect();
    t.receive({ type: "read", room_id: 7, message_id: 70 });
    expect(onRead).toHaveBeenCalledWith(7, 70);
  });
});

describe("useReadMarker", () => {
  it("reads the marker the room opened with, then sends what was seen, forward only", async () => {
    const backend = fakeBackend(stored);
    const hook = renderHook(() => useReadMarker(room.id, backend.api));
    await flush();
    expect(hook.result.current.opened).toEqual({ known: true, lastReadId: 40 });

    act(() => {
      hook.result.current.seen(39);
      hook.result.current.seen(55);
      hook.result.current.seen(50);
    });
    await act(async () => {
      await vi.advanceTimersByTimeAsync(1_000);
    });
    expect(backend.requests.filter((r) => r.includes("/read"))).toEqual(["POST /api/v1/rooms/1/read"]);

    act(() => hook.result.current.noteServer(80)); // another tab read further
    act(() => hook.result.current.seen(70));
    await act(async () => {
      await vi.advanceTimersByTimeAsync(1_000);
    });
    expect(backend.requests.filter((r) => r.includes("/read"))).toHaveLength(1);
  });

  it("sends what is still pending when the room is left", async () => {
    const backend = fakeBackend(stored);
    const hook = renderHook(() => useReadMarker(room.id, backend.api));
    await flush();
    act(() => hook.result.current.seen(60));
    hook.unmount();
    await flush();
    expect(backend.requests.filter((r) => r.includes("/read"))).toEqual(["POST /api/v1/rooms/1/read"]);
  });
});
