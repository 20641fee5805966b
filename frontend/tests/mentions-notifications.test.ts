// Mentions and notifications as pure logic: the composer's @ autocomplete, the sidebar's mention
// counts (the app-state reducer), and which messages notify, with what words.

import { describe, expect, it } from "vitest";

import type { FrameOf, Message, ServerFrame } from "../lib/api-types";
import { appReducer, frameRoomId, initialAppState, refreshFor, type AppAction, type AppState } from "../lib/app-state";
import { insertMention, mentionQueryAt, mentionsMe, mentionSuggestions, moveActive, MAX_SUGGESTIONS } from "../lib/mentions";
import { messageHref, notificationContent, notifyLevel, plainPreview, shouldNotify } from "../lib/notifications";
import { alice, bob, carol, hello, message, room } from "./support";

const frame = (f: ServerFrame): AppAction => ({ type: "frame", frame: f });
const run = (actions: AppAction[], from: AppState = initialAppState(alice)) => actions.reduce(appReducer, from);
const incoming = (id: number, overrides: Partial<Message> = {}): FrameOf<"message"> => ({
  type: "message",
  message: message(id, { sender: bob, ...overrides }),
});

describe("the @ being typed", () => {
  it("is found at the caret: after a space, a bracket or at the start, not inside an address", () => {
    expect(mentionQueryAt("@", 1)).toEqual({ start: 0, query: "" });
    expect(mentionQueryAt("hi @bo", 6)).toEqual({ start: 3, query: "bo" });
    expect(mentionQueryAt("(@car", 5)).toEqual({ start: 1, query: "car" });
    expect(mentionQueryAt("hi @bob and more", 7)).toEqual({ start: 3, query: "bob" });
    expect(mentionQueryAt("mail me@host", 12)).toBeNull();
    expect(mentionQueryAt("@@bob", 5)).toBeNull();
    expect(mentionQueryAt("hi @bob ", 8)).toBeNull(); // a space ends it
    expect(mentionQueryAt("hi bob", 6)).toBeNull();
    expect(mentionQueryAt(`@${"a".repeat(33)}`, 34)).toBeNull(); // longer than any username
    // The caret in the middle of a name: what is before the caret is the query.
    expect(mentionQueryAt("@bobby", 3)).toEqual({ start: 0, query: "bo" });
  });

  it("suggests members by the start of their name, ignoring case, not the writer, at most eight", () => {
    const members = [alice, bob, carol, { id: 4, username: "Bobcat" }, { id: 5, username: "barbara" }];
    expect(mentionSuggestions(members, "bo", alice.id).map((u) => u.username)).toEqual(["bob", "Bobcat"]);
    expect(mentionSuggestions(members, "B", alice.id).map((u) => u.username)).toEqual(["barbara", "bob", "Bobcat"]);
    expect(mentionSuggestions(members, "al", alice.id)).toEqual([]);
    expect(mentionSuggestions(members, "", alice.id).map((u) => u.username)).toEqual(["barbara", "bob", "Bobcat", "carol"]);
    const many = Array.from({ length: 20 }, (_, i) => ({ id: 100 + i, username: `user${String(i).padStart(2, "0")}` }));
    expect(mentionSuggestions(many, "user")).toHaveLength(MAX_SUGGESTIONS);
  });

  it("is replaced by the chosen name and a space, the caret after them", () => {
    expect(insertMention("hi @bo", { start: 3, query: "bo" }, 6, "bob")).toEqual({ text: "hi @bob ", caret: 8 });
    // Text after the caret stays; a space already there is not doubled.
    expect(insertMention("@ca and you", { start: 0, query: "ca" }, 3, "carol")).toEqual({ text: "@carol and you", caret: 7 });
    expect(insertMention("@cax!", { start: 0, query: "c" }, 2, "carol")).toEqual({ text: "@carol !", caret: 7 });
  });

  it("moves the active suggestion around, wrapping at both ends", () => {
    expect(moveActive(0, 1, 3)).toBe(1);
    expect(moveActive(2, 1, 3)).toBe(0);
    expect(moveActive(0, -1, 3)).toBe(2);
    expect(moveActive(0, 1, 0)).toBe(0);
  });
});

describe("whether a message mentions the reader", () => {
  it("by name or by @room/@here, never one's own", () => {
    expect(mentionsMe(message(1, { sender: bob, mentions: [alice.id] }), alice.id)).toBe(true);
    expect(mentionsMe(message(1, { sender: bob, mentions: [carol.id] }), alice.id)).toBe(false);
    expect(mentionsMe(message(1, { sender: bob, mentions_everyone: true }), alice.id)).toBe(true);
    expect(mentionsMe(message(1, { sender: alice, mentions: [alice.id], mentions_everyone: true }), alice.id)).toBe(false);
    expect(mentionsMe(message(1, { sender: bob, mentions: [alice.id] }), null)).toBe(false);
  });
});

describe("mention counts in the room list", () => {
  const greeted = (overrides = {}) =>
    run([frame(hello({ rooms: [room(1, { last_message_id: 10, last_read_id: 10, ...overrides }), room(2)], last_message_id: 10 }))]);
  const count = (state: AppState, id = 1) => state.rooms?.find((r) => r.id === id)?.mention_count;

  it("counts a new message by someone else that names the reader or reaches everyone", () => {
    let state = run([frame(incoming(11, { mentions: [alice.id] }))], greeted());
    expect(count(state)).toBe(1);
    state = run([frame(incoming(12, { mentions_everyone: true }))], state);
    expect(count(state)).toBe(2);
    expect(state.rooms?.[0]?.unread_count).toBe(2);
  });

  it("does not count one's own, one naming others, a copy already counted, or one before the marker", () => {
    let state = run([frame(incoming(11, { sender: alice, mentions: [alice.id], mentions_everyone: true }))], greeted());
    state = run([frame(incoming(12, { mentions: [carol.id] }))], state);
    expect(count(state)).toBe(0);
    state = run([frame(incoming(13, { mentions: [alice.id] })), frame(incoming(13, { mentions: [alice.id] }))], state);
    expect(count(state)).toBe(1); // the replayed copy is not counted again
    const read = run([frame(incoming(14, { mentions: [alice.id] }))], greeted({ last_read_id: 20, last_message_id: 10 }));
    expect(count(read)).toBe(0); // read on another device already
  });

  it("is zero once read up to the newest; read part of the way, the room is read again", () => {
    const state = run([frame(incoming(11, { mentions: [alice.id] })), frame(incoming(12, { mentions: [alice.id] }))], greeted());
    const partial: ServerFrame = { type: "read", room_id: 1, message_id: 11 };
    expect(refreshFor(state, partial)).toEqual([1]);
    expect(count(run([frame(partial)], state))).toBe(2); // until the server's count arrives
    const all: ServerFrame = { type: "read", room_id: 1, message_id: 12 };
    expect(refreshFor(state, all)).toEqual([]);
    expect(count(run([frame(all)], state))).toBe(0);
    // The server's word (GET /rooms/{id} after a partial read, a gap) replaces the count.
    const fetched = run([{ type: "roomFetched", room: room(1, { mention_count: 1, last_message_id: 12, last_read_id: 11 }) }], state);
    expect(count(fetched)).toBe(1);
  });

  it("is read again after a gap (what was missed is unknown)", () => {
    expect(refreshFor(greeted(), { type: "gap", room_id: 1 })).toEqual([1]);
    expect(refreshFor(greeted(), { type: "gap", room_id: null })).toBe("all");
  });
});

describe("notification settings in the room list", () => {
  it("follow notify frames from the person's other devices and their own changes", () => {
    const state = run([frame(hello({ rooms: [room(1), room(2, { is_direct: true, notify: "all" })] }))]);
    const notify: ServerFrame = { type: "notify", room_id: 1, level: "muted" };
    expect(frameRoomId(notify)).toBe(1);
    const muted = run([frame(notify)], state);
    expect(muted.rooms?.[0]?.notify).toBe("muted");
    const changed = run([{ type: "notifySet", roomId: 1, level: "all" }], muted);
    expect(changed.rooms?.[0]?.notify).toBe("all");
    expect(run([{ type: "notifySet", roomId: 1, level: "all" }], changed)).toBe(changed); // unchanged: same state
  });

  it("default to every message in a direct room and to mentions elsewhere", () => {
    expect(notifyLevel({ notify: null, is_direct: true })).toBe("all");
    expect(notifyLevel({ notify: null, is_direct: false })).toBe("mentions");
    expect(notifyLevel({ notify: "muted", is_direct: true })).toBe("muted");
  });
});

describe("shouldNotify(frame, room, me, hidden)", () => {
  const at = (notify: "all" | "mentions" | "muted", overrides = {}) => room(1, { notify, last_message_id: 10, last_read_id: 10, ...overrides });
  const plain = incoming(11);
  const named = incoming(12, { mentions: [alice.id] });
  const everyone = incoming(13, { mentions_everyone: true });

  it("'all': every message by someone else, while the page is hidden", () => {
    expect(shouldNotify(plain, at("all"), alice, true)).toBe(true);
    expect(shouldNotify(named, at("all"), alice, true)).toBe(true);
    expect(shouldNotify(plain, at("all"), alice, false)).toBe(false); // the page is in view
  });

  it("'mentions': only messages naming the person or reaching everyone", () => {
    expect(shouldNotify(plain, at("mentions"), alice, true)).toBe(false);
    expect(shouldNotify(named, at("mentions"), alice, true)).toBe(true);
    expect(shouldNotify(everyone, at("mentions"), alice, true)).toBe(true);
    expect(shouldNotify(incoming(14, { mentions: [carol.id] }), at("mentions"), alice, true)).toBe(false);
  });

  it("'muted': nothing, not even a mention", () => {
    expect(shouldNotify(named, at("muted"), alice, true)).toBe(false);
    expect(shouldNotify(everyone, at("muted"), alice, true)).toBe(false);
  });

  it("never for one's own message, a deleted one, a copy already seen, one already read, or other frames", () => {
    expect(shouldNotify(incoming(11, { sender: alice }), at("all"), alice, true)).toBe(false);
    expect(shouldNotify(incoming(11, { deleted: true }), at("all"), alice, true)).toBe(false);
    expect(shouldNotify(incoming(10), at("all"), alice, true)).toBe(false); // the room's newest already
    expect(shouldNotify(incoming(11), at("all", { last_read_id: 11 }), alice, true)).toBe(false);
    expect(shouldNotify(plain, undefined, alice, true)).toBe(false); // not one of the person's rooms
    expect(shouldNotify(plain, room(2, { notify: "all" }), alice, true)).toBe(false); // another room's
    expect(shouldNotify({ type: "read", room_id: 1, message_id: 11 }, at("all"), alice, true)).toBe(false);
    expect(shouldNotify(plain, at("all"), null, true)).toBe(false);
  });

  it("a direct room without a setting notifies of everything", () => {
    expect(shouldNotify(plain, at("all", { notify: null, is_direct: true }), alice, true)).toBe(true);
    expect(shouldNotify(plain, at("all", { notify: null }), alice, true)).toBe(false);
  });
});

describe("what a notification says", () => {
  it("the sender, the room and the text without its Markdown, cut at 120 characters", () => {
    const m = message(42, { sender: bob, body: "## Hi\n**Look** at `this` and [the doc](https://x.example)\n> quoted\n- item" });
    expect(notificationContent(m, room(1, { name: "general" }))).toEqual({
      title: "bob in #general",
      body: "Hi Look at this and the doc quoted item",
      tag: "chat-message-42",
    });
    expect(notificationContent(m, room(1, { name: "bob", is_direct: true })).title).toBe("bob (direct message)");
    const long = plainPreview("word ".repeat(60));
    expect([...long].length).toBeLessThanOrEqual(120);
    expect(long.endsWith("…")).toBe(true);
    expect(plainPreview("snake_case_name and 2*3*4 stay")).toBe("snake_case_name and 2*3*4 stay");
    expect(plainPreview("_soft_ and ~~gone~~")).toBe("soft and gone");
    expect(plainPreview("```\ncode()\n```")).toBe("code()");
  });

  it("a message of files alone says how many", () => {
    const attachment = { id: 1, name: "a.png", size: 10, content_type: "image/png", width: 1, height: 1, url: "u", thumbnail_url: "t" };
    const m = message(5, { sender: bob, body: "", attachments: [attachment, { ...attachment, id: 2 }] });
    expect(notificationContent(m, room(1)).body).toBe("2 files");
  });

  it("opens the room at the message", () => {
    expect(messageHref(message(7, { room_id: 3 }))).toBe("/chat/?room=3&message=7");
  });
});
