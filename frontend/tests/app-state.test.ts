// The app-wide state fed by the one socket's frames: the room list, unread counts, membership,
// presence; which rooms a frame leaves with an unknown count; where each frame goes.

import { describe, expect, it } from "vitest";

import type { ServerFrame } from "../lib/api-types";
import { appReducer, frameRoomId, initialAppState, isOnline, refreshFor, type AppAction, type AppState } from "../lib/app-state";
import { totalUnread } from "../lib/room-list";
import { alice, bob, carol, hello, message, room } from "./support";

const frame = (f: ServerFrame): AppAction => ({ type: "frame", frame: f });
const run = (actions: AppAction[], from: AppState = initialAppState(alice)) => actions.reduce(appReducer, from);
const greeted = (rooms = [room(1, { last_message_id: 10, last_read_id: 10 }), room(2, { last_message_id: 20, last_read_id: 18, unread_count: 2 })]) =>
  run([frame(hello({ rooms, online: [bob], last_message_id: 20 }))]);
const unread = (state: AppState) => Object.fromEntries((state.rooms ?? []).map((r) => [r.id, r.unread_count]));

describe("app state: the room list", () => {
  it("takes the rooms, their counts and who is online from hello", () => {
    const state = greeted();
    expect(state.synced).toBe(true);
    expect(state.rooms?.map((r) => r.id)).toEqual([1, 2]);
    expect(unread(state)).toEqual({ 1: 0, 2: 2 });
    expect(isOnline(state, bob.id)).toBe(true);
    expect(isOnline(state, carol.id)).toBe(false);
    expect(isOnline(state, alice.id)).toBe(true); // oneself
  });

  it("shows the REST list until hello, then keeps hello's rooms and only takes joinable ones from REST", () => {
    const listed = [room(1, { unread_count: 1 }), room(5, { joined: false, name: "open" })];
    const before = run([{ type: "roomsListed", rooms: listed }]);
    expect(before.rooms?.map((r) => r.id)).toEqual([1]);
    expect(before.joinable.map((r) => r.id)).toEqual([5]);

    // A late REST answer does not undo the socket's fresher word.
    const after = run([{ type: "roomsListed", rooms: [room(1, { unread_count: 7 }), room(2, { joined: false })] }], greeted());
    expect(unread(after)).toEqual({ 1: 0, 2: 2 });
    expect(after.joinable).toEqual([]); // room 2 is one of hers, whatever REST said
  });

  it("adds a room on room_added and drops it on room_removed, saying why", () => {
    const dm = room(9, { name: "bob", is_direct: true, is_private: true, unread_count: 0, last_message_id: 30 });
    let state = run([frame({ type: "room_added", room: dm })], greeted());
    expect(state.rooms?.map((r) => r.id)).toEqual([1, 2, 9]);

    state = run([frame({ type: "room_removed", room_id: 9, reason: "removed" })], state);
    expect(state.rooms?.map((r) => r.id)).toEqual([1, 2]);
    expect(state.lastRemoved).toEqual({ roomId: 9, name: "bob", reason: "removed" });
    expect(state.joinable).toEqual([]);
  });

  it("offers a public room one left for joining again, but not a private one", () => {
    const state = run(
      [frame({ type: "room_removed", room_id: 1, reason: "left" }), { type: "roomLeft", roomId: 2 }],
      greeted([room(1, { name: "lobby", member_count: 3 }), room(2, { is_private: true })]),
    );
    expect(state.rooms).toEqual([]);
    expect(state.joinable).toMatchObject([{ id: 1, name: "lobby", joined: false, member_count: 2 }]);
  });

  it("lists a room an HTTP answer joined at once, without letting it overwrite the socket's copy", () => {
    const state = run([
      { type: "roomJoined", room: room(3, { joined: true, unread_count: 0 }) },
      frame({ type: "room_added", room: room(3, { unread_count: 0, last_message_id: 40 }) }),
      frame({ type: "message", message: message(41, { room_id: 3, sender: bob }) }),
      { type: "roomJoined", room: room(3, { unread_count: 0, last_message_id: 40 }) }, // a late answer
    ], greeted());
    expect(unread(state)[3]).toBe(1);
  });

  it("renames a room and sets its topic on room_updated", () => {
    const state = run([frame({ type: "room_updated", room_id: 2, name: "renamed", topic: "all about it" })], greeted());
    expect(state.rooms?.find((r) => r.id === 2)).toMatchObject({ name: "renamed", topic: "all about it" });
  });
});

describe("app state: unread counts", () => {
  it("counts others' new messages once, never one's own, and not the replay of what hello counted", () => {
    const state = run(
      [
        frame({ type: "message", message: message(19, { room_id: 2, sender: bob }) }), // before hello's newest: counted already
        frame({ type: "message", message: message(21, { room_id: 2, sender: bob }) }),
        frame({ type: "message", message: message(21, { room_id: 2, sender: bob }) }), // a copy
        frame({ type: "message", message: message(22, { room_id: 2, sender: alice }) }), // her own
        frame({ type: "message", message: message(23, { room_id: 1, sender: carol }) }),
        frame({ type: "message", message: message(24, { room_id: 77, sender: carol }) }), // not one of hers
      ],
      greeted(),
    );
    expect(unread(state)).toEqual({ 1: 1, 2: 3 });
    expect(state.rooms?.find((r) => r.id === 2)?.last_message_id).toBe(22);
    expect(totalUnread(state.rooms ?? [])).toBe(4);
  });

  it("clears a count when the marker reaches the newest, and asks for it again when it stops short", () => {
    const state = greeted([room(2, { last_message_id: 30, last_read_id: 20, unread_count: 5 })]);
    const short = { type: "read", room_id: 2, message_id: 25 } as const;
    expect(refreshFor(state, short)).toEqual([2]);
    expect(unread(run([frame(short)], state))).toEqual({ 2: 5 });

    const all = { type: "read", room_id: 2, message_id: 30 } as const;
    expect(refreshFor(state, all)).toEqual([]);
    expect(unread(run([frame(all)], state))).toEqual({ 2: 0 });
    // An older marker changes nothing.
    expect(refreshFor(state, { type: "read", room_id: 2, message_id: 10 })).toEqual([]);
  });

  it("takes a count read again over HTTP, keeping a newer message that arrived meanwhile", () => {
    const state = run(
      [
        frame({ type: "message", message: message(21, { room_id: 2, sender: bob }) }),
        { type: "roomFetched", room: room(2, { last_message_id: 20, last_read_id: 19, unread_count: 1 }) },
      ],
      greeted(),
    );
    expect(state.rooms?.find((r) => r.id === 2)).toMatchObject({ unread_count: 1, last_read_id: 19, last_message_id: 21 });
  });

  it("reads again the count of a room with a gap, of every room for a gap naming none, and of one whose unread message went", () => {
    const state = greeted();
    expect(refreshFor(state, { type: "gap", room_id: 2 })).toEqual([2]);
    expect(refreshFor(state, { type: "gap", room_id: 99 })).toEqual([]);
    expect(refreshFor(state, { type: "gap", room_id: null })).toBe("all");
    expect(refreshFor(state, { type: "message_deleted", room_id: 2, message_id: 19 })).toEqual([2]);
    expect(refreshFor(state, { type: "message_deleted", room_id: 2, message_id: 12 })).toEqual([]); // already read
    expect(refreshFor(state, { type: "message_deleted", room_id: 1, message_id: 10 })).toEqual([]); // nothing unread
  });
});

describe("app state: presence", () => {
  it("follows presence frames per person, over what hello said", () => {
    const state = run(
      [
        frame({ type: "presence", event: "leave", online: false, user: bob }),
        frame({ type: "presence", event: "join", online: true, user: carol }),
      ],
      greeted(),
    );
    expect(isOnline(state, bob.id, true)).toBe(false);
    expect(isOnline(state, carol.id)).toBe(true);
    // Someone nothing was said about: what the caller read elsewhere (the member list).
    expect(isOnline(state, 42, true)).toBe(true);
    expect(isOnline(state, 42)).toBe(false);
  });

  it("starts over from each hello", () => {
    const state = run(
      [frame({ type: "presence", event: "join", online: true, user: carol }), frame(hello({ online: [] }))],
      greeted(),
    );
    expect(isOnline(state, carol.id, false)).toBe(false);
    expect(isOnline(state, bob.id, false)).toBe(false);
  });
});

describe("frameRoomId", () => {
  it("names the room each frame is about, none for every room, and undefined for none at all", () => {
    expect(frameRoomId({ type: "message", message: message(1, { room_id: 4 }) })).toBe(4);
    expect(frameRoomId({ type: "typing", room_id: 5, user: bob })).toBe(5);
    expect(frameRoomId({ type: "room_added", room: room(6) })).toBe(6);
    expect(frameRoomId({ type: "error", code: "forbidden", detail: "no", room_id: 7, client_id: "c" })).toBe(7);
    expect(frameRoomId({ type: "error", code: "bad_request", detail: "no" })).toBeNull();
    expect(frameRoomId({ type: "gap", room_id: null })).toBeNull();
    expect(frameRoomId(hello())).toBeNull();
    expect(frameRoomId({ type: "presence", event: "join", online: true, user: bob })).toBeUndefined();
    expect(frameRoomId({ type: "pong" })).toBeUndefined();
  });
});
