// The room hook's newer parts: opening at a message (a search jump), paging back to the newest,
// reactions (frames and REST answers), read frames; and the read-marker hook.

import { act, renderHook } from "@testing-library/react";
import { describe, expect, it } from "vitest";

import { useReadMarker } from "../lib/use-read-marker";
import {
  advance,
  alice,
  bob,
  fakeBackend,
  fakeTimersInEachTest,
  flush,
  hello,
  ids,
  message,
  messages,
  renderRoomChannel,
  room as roomOf,
  type RoomHookSetup,
} from "./support";

const room = roomOf(1, { last_read_id: 40, unread_count: 60 });
const stored = messages(100, { sender: bob });

fakeTimersInEachTest();

describe("useRoomChannel, opened at a message", () => {
  const setup = (options: RoomHookSetup = {}) =>
    renderRoomChannel({ stored, room, hello: hello({ rooms: [room], last_message_id: 100 }), ...options });

  it("loads the messages around it", async () => {
    const t = setup({ focusMessageId: 30 });
    await t.connect();
    expect(t.requests.filter((r) => r.includes("/chat/history")).sort()).toEqual([
      "GET /api/v1/chat/history?room_id=1&after=30&limit=25",
      "GET /api/v1/chat/history?room_id=1&before=31&limit=25",
    ]);
    expect(ids(t.view().list.messages)).toEqual(Array.from({ length: 50 }, (_, i) => i + 6));
    expect(t.view().list).toMatchObject({ hasMore: true, hasNewer: true });
  });

  it("holds live messages until paging reaches the newest, then shows everything once", async () => {
    const t = setup({ focusMessageId: 30 });
    await t.connect();
    t.receive({ type: "message", message: message(101, { sender: bob }) });
    expect(ids(t.view().list.messages).at(-1)).toBe(55);

    act(() => t.view().loadNewer());
    await flush();
    expect(t.requests.at(-1)).toBe("GET /api/v1/chat/history?room_id=1&after=55&limit=50");
    expect(ids(t.view().list.messages)).toEqual(Array.from({ length: 96 }, (_, i) => i + 6));
    expect(t.view().list.hasNewer).toBe(false);

    // A reconnect of the app's socket resumes after the newest message seen anywhere.
    act(() => t.sockets.last.serverClose(1006));
    await advance(1_000);
    expect(t.sockets.last.since).toBe("101");
  });

  it("goes straight back to the newest, and so does sending from far back", async () => {
    const t = setup({ focusMessageId: 10 });
    await t.connect();
    act(() => t.view().send("back to the present"));
    await flush();
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

  it("after a gap while far back, only drops the held live messages: paging forward fetches the rest", async () => {
    const t = setup({ focusMessageId: 30 });
    await t.connect();
    t.receive({ type: "message", message: message(101, { sender: bob }) });
    t.receive({ type: "gap", room_id: 1 });
    await flush();
    expect(t.view().list).toMatchObject({ hasNewer: true, buffer: [] });
    expect(ids(t.view().list.messages).at(0)).toBe(6);
    expect(t.requests.filter((r) => r.includes("/chat/history"))).toHaveLength(2);
  });
});

describe("useReadMarker", () => {
  it("reads the marker the room opened with, then sends what was seen, forward only", async () => {
    const backend = fakeBackend(stored, { room });
    const hook = renderHook(() => useReadMarker(room.id, backend.api));
    await flush();
    expect(hook.result.current.opened).toEqual({ known: true, lastReadId: 40, unreadCount: 60 });

    act(() => {
      hook.result.current.seen(39);
      hook.result.current.seen(55);
      hook.result.current.seen(50);
    });
    await advance(1_000);
    expect(backend.requests.filter((r) => r.includes("/read"))).toEqual(["POST /api/v1/rooms/1/read"]);

    act(() => hook.result.current.noteServer(80)); // another tab read further
    act(() => hook.result.current.seen(70));
    await advance(1_000);
    expect(backend.requests.filter((r) => r.includes("/read"))).toHaveLength(1);
  });

  it("sends what is still pending when the room is left", async () => {
    const backend = fakeBackend(stored, { room });
    const hook = renderHook(() => useReadMarker(room.id, backend.api));
    await flush();
    act(() => hook.result.current.seen(60));
    hook.unmount();
    await flush();
    expect(backend.requests.filter((r) => r.includes("/read"))).toEqual(["POST /api/v1/rooms/1/read"]);
  });
});
