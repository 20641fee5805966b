import { beforeEach, describe, expect, it, vi } from "vitest";

import { countUnread, firstUnreadId, newMessagesLabel, ReadMarker, unreadBadge, unreadDivider } from "../lib/read-state";
import { groupRooms, replaceRoom, totalUnread } from "../lib/room-list";
import { alice, bob, fakeTimersInEachTest, message, room } from "./support";

describe("firstUnreadId", () => {
  const list = [
    message(1, { sender: bob }),
    message(2, { sender: alice }),
    message(3, { sender: bob, deleted: true }),
    message(4, { sender: bob }),
    message(5, { sender: bob }),
  ];

  it("is the first message after the marker that is someone else's and not deleted", () => {
    expect(firstUnreadId(list, 1, alice.id, 5)).toBe(4);
    expect(firstUnreadId(list, null, alice.id, 5)).toBe(1);
    expect(firstUnreadId(list, 5, alice.id, 5)).toBeNull();
  });

  it("ignores messages newer than the room's newest at opening, and waits for that to be known", () => {
    expect(firstUnreadId(list, 3, alice.id, 3)).toBeNull();
    expect(firstUnreadId(list, 1, alice.id, null)).toBeNull();
  });
});

describe("the unread divider", () => {
  const fromBob = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => message(from + i, { sender: bob }));

  it("counts what was unread at opening: others' messages after the marker, not deleted, up to the newest then", () => {
    const list = [...fromBob(1, 3), message(4, { sender: alice }), message(5, { sender: bob, deleted: true }), ...fromBob(6, 8)];
    expect(countUnread(list, 2, alice.id, 7)).toBe(3); // 3, 6, 7
    expect(countUnread(list, null, alice.id, 8)).toBe(6);
  });

  it("sits above the first unread message with the count of those below it, once it is loaded", () => {
    const opened = { lastReadId: 10, unreadCount: 5 };
    // Everything after the marker is loaded (so is the marker's own message).
    expect(unreadDivider({ messages: fromBob(10, 15), hasMore: true }, opened, alice.id, 15)).toEqual({ messageId: 11, count: 5 });
    // The whole room is loaded.
    expect(unreadDivider({ messages: fromBob(11, 15), hasMore: false }, opened, alice.id, 15)).toEqual({ messageId: 11, count: 5 });
  });

  it("while the first unread one is in older pages, has no place yet and says the server's count", () => {
    // 160 unread, the newest 50 loaded: the first unread (11) is three pages back.
    const opened = { lastReadId: 10, unreadCount: 160 };
    expect(unreadDivider({ messages: fromBob(121, 170), hasMore: true }, opened, alice.id, 170)).toEqual({ messageId: null, count: 160 });
    // Loaded up to it: the divider has its place.
    expect(unreadDivider({ messages: fromBob(1, 170), hasMore: false }, opened, alice.id, 170)).toEqual({ messageId: 11, count: 160 });
  });

  it("is nothing when nothing was unread, and nothing until the newest at opening is known", () => {
    expect(unreadDivider({ messages: fromBob(1, 5), hasMore: true }, { lastReadId: 5, unreadCount: 0 }, alice.id, 5)).toBeNull();
    expect(unreadDivider({ messages: fromBob(1, 5), hasMore: false }, { lastReadId: 2, unreadCount: 3 }, alice.id, null)).toBeNull();
    expect(unreadDivider({ messages: [], hasMore: true }, { lastReadId: 2, unreadCount: 0 }, alice.id, 5)).toBeNull();
  });

  it("says how many in words", () => {
    expect(newMessagesLabel(1)).toBe("1 new message");
    expect(newMessagesLabel(160)).toBe("160 new messages");
  });
});

describe("unreadBadge", () => {
  it("caps what it shows", () => {
    expect(unreadBadge(7)).toBe("7");
    expect(unreadBadge(100)).toBe("99+");
  });
});

describe("ReadMarker", () => {
  let sent: number[];
  let visible: boolean;
  let send: (id: number) => Promise<void>;
  const marker = (delayMs = 300) => new ReadMarker({ send, isVisible: () => visible, delayMs });

  fakeTimersInEachTest();
  beforeEach(() => {
    sent = [];
    visible = true;
    send = vi.fn(async (id: number) => {
      sent.push(id);
    });
  });

  it("sends the highest message seen once the sightings pause, forward only", async () => {
    const m = marker();
    m.start(3);
    for (const id of [2, 4, 6, 5]) m.seen(id);
    expect(sent).toEqual([]);
    await vi.advanceTimersByTimeAsync(300);
    expect(sent).toEqual([6]);
    m.seen(6);
    m.seen(4);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(sent).toEqual([6]);
    expect(m.current).toBe(6);
  });

  it("counts nothing while the page is hidden, then what was on screen once it is back", async () => {
    const m = marker();
    m.start(null);
    visible = false;
    m.seen(9);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(sent).toEqual([]);
    visible = true;
    m.visible();
    await vi.advanceTimersByTimeAsync(300);
    expect(sent).toEqual([9]);
  });

  it("waits for the server's marker before sending anything", async () => {
    const m = marker();
    m.seen(5);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(sent).toEqual([]);
    m.start(7); // already further than what was seen: nothing to send
    await vi.advanceTimersByTimeAsync(1_000);
    expect(sent).toEqual([]);
    m.seen(8);
    await vi.advanceTimersByTimeAsync(300);
    expect(sent).toEqual([8]);
  });

  it("does not send what another tab already marked", async () => {
    const m = marker();
    m.start(1);
    m.seen(4);
    m.noteServer(10);
    await vi.advanceTimersByTimeAsync(300);
    expect(sent).toEqual([]);
    expect(m.current).toBe(10);
  });

  it("tries again on a later sighting when the server did not take it", async () => {
    send = vi.fn(async (id: number) => {
      sent.push(id);
      if (sent.length === 1) throw new Error("offline");
    });
    const m = marker();
    m.start(0);
    m.seen(3);
    await vi.advanceTimersByTimeAsync(300);
    expect(m.current).toBe(0);
    m.seen(3);
    await vi.advanceTimersByTimeAsync(300);
    expect(sent).toEqual([3, 3]);
    expect(m.current).toBe(3);
  });

  it("sends nothing after it is disposed", async () => {
    const m = marker();
    m.start(0);
    m.seen(3);
    m.dispose();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(sent).toEqual([]);
  });
});

describe("room list", () => {
  it("groups rooms, direct rooms and rooms to join, each by name", () => {
    const groups = groupRooms([
      room(1, { name: "zeta" }),
      room(2, { name: "bob", is_direct: true, is_private: true }),
      room(3, { name: "alpha" }),
      room(4, { name: "lobby", joined: false }),
    ]);
    expect(groups.rooms.map((r) => r.name)).toEqual(["alpha", "zeta"]);
    expect(groups.direct.map((r) => r.name)).toEqual(["bob"]);
    expect(groups.joinable.map((r) => r.name)).toEqual(["lobby"]);
  });

  it("replaces one room with a fresher copy and adds a new one", () => {
    const rooms = [room(1), room(2)];
    expect(replaceRoom(rooms, room(2, { unread_count: 4 }))[1]?.unread_count).toBe(4);
    expect(replaceRoom(rooms, room(3)).map((r) => r.id)).toEqual([1, 2, 3]);
  });

  it("adds up the unread messages of the rooms one is in", () => {
    expect(totalUnread([room(1, { unread_count: 2 }), room(2, { unread_count: 5, joined: false }), room(3, { unread_count: 1 })])).toBe(3);
  });
});
