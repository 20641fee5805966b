import { describe, expect, it } from "vitest";

import { messageListReducer, type MessageListAction } from "../lib/message-list";
import { alice, bob, ids, message, reduceList as run } from "./support";

const window_ = (messageIds: number[], hasOlder: boolean, hasNewer: boolean): MessageListAction => ({
  type: "windowLoaded",
  messages: messageIds.map((id) => message(id)),
  hasOlder,
  hasNewer,
});

const newer = (messageIds: number[], hasMore: boolean): MessageListAction => ({
  type: "pageLoaded",
  messages: messageIds.map((id) => message(id)),
  hasMore,
  position: "newer",
});

describe("a window around an older message (a search jump)", () => {
  it("replaces the list and says what lies on either side", () => {
    const state = run([
      { type: "pageLoaded", messages: [message(90), message(91)], hasMore: true, position: "latest" },
      window_([10, 11, 12], true, true),
    ]);
    expect(ids(state.messages)).toEqual([10, 11, 12]);
    expect(state).toMatchObject({ loaded: true, hasMore: true, hasNewer: true });
  });

  it("holds live messages aside until paging forward reaches the newest, then lets them in", () => {
    const state = run([
      window_([10, 11], false, true),
      { type: "received", message: message(50) },
      { type: "received", message: message(51) },
      { type: "received", message: message(50) },
    ]);
    expect(ids(state.messages)).toEqual([10, 11]);
    expect(ids(state.buffer)).toEqual([50, 51]);

    const paged = run([{ type: "newerRequested" }, newer([12, 13], true)], state);
    expect(ids(paged.messages)).toEqual([10, 11, 12, 13]);
    expect(paged).toMatchObject({ hasNewer: true, loadingNewer: false });

    // The last page overlaps what was held: everything once, in order, and attached again.
    const attached = run([newer([14, 50], false)], paged);
    expect(ids(attached.messages)).toEqual([10, 11, 12, 13, 14, 50, 51]);
    expect(attached).toMatchObject({ hasNewer: false, buffer: [] });
    const live = messageListReducer(attached, { type: "received", message: message(52) });
    expect(ids(live.messages).at(-1)).toBe(52);
  });

  it("a window that reaches the newest is attached at once", () => {
    const state = run([{ type: "received", message: message(30) }, window_([28, 29], true, false)]);
    expect(state.hasNewer).toBe(false);
    expect(ids(state.messages)).toEqual([28, 29]);
    expect(ids(run([{ type: "received", message: message(31) }], state).messages)).toEqual([28, 29, 31]);
  });

  it("confirms an own send whose echo arrives while away, and edits reach held messages", () => {
    const state = run([
      window_([10], false, true),
      { type: "sendStarted", clientId: "c-1", body: "hi", createdAt: "2026-01-01T12:00:00Z" },
      { type: "received", message: message(60, { client_id: "c-1", body: "hi" }) },
      { type: "updated", message: message(60, { body: "hi!", edited_at: "2026-01-01T12:01:00Z" }) },
      { type: "deleted", messageId: 10 },
    ]);
    expect(state.outbox).toEqual([]);
    expect(state.buffer[0]?.body).toBe("hi!");
    expect(state.messages[0]).toMatchObject({ deleted: true, body: "" });
  });

  it("a gap while away only drops the held live messages", () => {
    const state = run([window_([10], true, true), { type: "received", message: message(60) }, { type: "gap" }]);
    expect(ids(state.messages)).toEqual([10]);
    expect(state.buffer).toEqual([]);
  });
});

describe("reactions in the list", () => {
  const held = (reactions = [{ emoji: "👍", count: 1, me: true }]) =>
    run([{ type: "pageLoaded", messages: [message(1, { reactions })], hasMore: false, position: "latest" }]);

  it("takes counts from a frame and keeps its own flags when someone else reacted", () => {
    const state = messageListReducer(held(), {
      type: "reaction",
      message: message(1, { reactions: [{ emoji: "👍", count: 2, me: false }, { emoji: "🎉", count: 1, me: false }] }),
      user: bob,
      emoji: "🎉",
      added: true,
      myId: alice.id,
    });
    expect(state.messages[0]?.reactions).toEqual([
      { emoji: "👍", count: 2, me: true },
      { emoji: "🎉", count: 1, me: false },
    ]);
  });

  it("changes its own flag when the frame says it was this person", () => {
    const removed = messageListReducer(held([{ emoji: "👍", count: 2, me: true }]), {
      type: "reaction",
      message: message(1, { reactions: [{ emoji: "👍", count: 1, me: false }] }),
      user: alice,
      emoji: "👍",
      added: false,
      myId: alice.id,
    });
    expect(removed.messages[0]?.reactions).toEqual([{ emoji: "👍", count: 1, me: false }]);
  });

  it("a REST answer sets the exact reactions, and the same state comes back when nothing changed", () => {
    const exact = [{ emoji: "😂", count: 3, me: true }];
    const state = messageListReducer(held(), { type: "reactionsSet", message: message(1, { reactions: exact }) });
    expect(state.messages[0]?.reactions).toEqual(exact);
    expect(messageListReducer(state, { type: "reactionsSet", message: message(1, { reactions: exact }) })).toBe(state);
    expect(messageListReducer(state, { type: "reactionsSet", message: message(7, { reactions: [] }) })).toBe(state);
  });

  it("an edit frame keeps the person's own flags (broadcasts carry nobody's)", () => {
    const state = messageListReducer(held(), {
      type: "updated",
      message: message(1, { body: "edited", edited_at: "2026-01-01T13:00:00Z", reactions: [{ emoji: "👍", count: 1, me: false }] }),
    });
    expect(state.messages[0]).toMatchObject({ body: "edited", reactions: [{ emoji: "👍", count: 1, me: true }] });
  });

  it("a deleted message shows no reactions and takes no more", () => {
    const state = run(
      [
        { type: "deleted", messageId: 1 },
        {
          type: "reaction",
          message: message(1, { reactions: [{ emoji: "👍", count: 2, me: false }] }),
          user: bob,
          emoji: "👍",
          added: true,
          myId: alice.id,
        },
      ],
      held(),
    );
    expect(state.messages[0]?.reactions).toEqual([]);
  });
});
