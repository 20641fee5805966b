import { describe, expect, it } from "vitest";

import { initialMessageListState, messageListReducer, type MessageListAction } from "../lib/message-list";
import { ids, message, reduceList as run } from "./support";

const latest = (messageIds: number[], hasMore = false): MessageListAction => ({
  type: "pageLoaded",
  messages: messageIds.map((id) => message(id)),
  hasMore,
  position: "latest",
});

describe("messageListReducer", () => {
  it("loads the newest page and remembers whether older ones exist", () => {
    const state = run([latest([8, 9, 10], true)]);
    expect(ids(state.messages)).toEqual([8, 9, 10]);
    expect(state).toMatchObject({ loaded: true, hasMore: true });
  });

  it("prepends older pages and stops when the server has no more", () => {
    const state = run([
      latest([8, 9, 10], true),
      { type: "olderRequested" },
      { type: "pageLoaded", messages: [message(5), message(6), message(7)], hasMore: false, position: "older" },
    ]);
    expect(ids(state.messages)).toEqual([5, 6, 7, 8, 9, 10]);
    expect(state).toMatchObject({ hasMore: false, loadingOlder: false });
  });

  it("keeps ascending id order whatever order messages arrive in", () => {
    const state = run([
      latest([2, 4]),
      { type: "received", message: message(7) },
      { type: "received", message: message(5) },
      { type: "received", message: message(1) },
      { type: "received", message: message(6) },
    ]);
    expect(ids(state.messages)).toEqual([1, 2, 4, 5, 6, 7]);
  });

  it("never holds a message twice (replays, history overlapping live frames)", () => {
    const before = run([latest([1, 2, 3]), { type: "received", message: message(4) }]);
    const after = run(
      [
        { type: "received", message: message(3) },
        { type: "received", message: message(4) },
        latest([2, 3, 4]),
      ],
      before,
    );
    expect(ids(after.messages)).toEqual([1, 2, 3, 4]);
    // Nothing changed, so the state object is kept (no needless re-render).
    expect(messageListReducer(after, { type: "received", message: message(4) })).toBe(after);
  });

  it("does not let a stale replayed copy undo an edit or a delete", () => {
    const edited = message(3, { body: "fixed typo", edited_at: "2026-01-01T12:05:00Z" });
    const state = run([
      latest([1, 2, 3]),
      { type: "updated", message: edited },
      { type: "deleted", messageId: 2 },
      { type: "received", message: message(3) },
      { type: "received", message: message(2) },
    ]);
    expect(state.messages[2]?.body).toBe("fixed typo");
    expect(state.messages[1]).toMatchObject({ deleted: true, body: "" });
  });

  it("applies live edits and deletes to messages it holds and ignores others", () => {
    const state = run([
      latest([1, 2]),
      { type: "updated", message: message(2, { body: "edited", edited_at: "2026-01-01T13:00:00Z" }) },
      { type: "updated", message: message(99, { body: "not loaded" }) },
      { type: "deleted", messageId: 1 },
      { type: "deleted", messageId: 98 },
    ]);
    expect(ids(state.messages)).toEqual([1, 2]);
    expect(state.messages[0]).toMatchObject({ deleted: true, body: "" });
    expect(state.messages[1]).toMatchObject({ body: "edited" });
  });

  it("shows an own message at once as pending and confirms it by its echo's client_id", () => {
    const pending = run([
      latest([1]),
      { type: "sendStarted", clientId: "c-1", body: "hello", createdAt: "2026-01-01T12:00:00Z" },
    ]);
    expect(pending.outbox).toEqual([
      { clientId: "c-1", body: "hello", createdAt: "2026-01-01T12:00:00Z", replyTo: null, attachments: [], status: "pending", error: null },
    ]);

    const confirmed = messageListReducer(pending, {
      type: "received",
      message: message(2, { body: "hello", client_id: "c-1" }),
    });
    expect(confirmed.outbox).toEqual([]);
    expect(ids(confirmed.messages)).toEqual([1, 2]);
  });

  it("marks a send failed, then pending again on retry, and drops it when discarded", () => {
    const sent = run([{ type: "sendStarted", clientId: "c-1", body: "hi", createdAt: "2026-01-01T12:00:00Z" }]);
    const failed = messageListReducer(sent, { type: "sendFailed", clientId: "c-1", error: "Rate limited" });
    expect(failed.outbox[0]).toMatchObject({ status: "failed", error: "Rate limited" });

    const retried = messageListReducer(failed, { type: "retryStarted", clientId: "c-1" });
    expect(retried.outbox[0]).toMatchObject({ status: "pending", error: null });

    expect(messageListReducer(failed, { type: "discarded", clientId: "c-1" }).outbox).toEqual([]);
  });

  it("shows a send that will be tried again with its time, which goes once it is on its way again", () => {
    const sent = run([
      { type: "sendStarted", clientId: "c-1", body: "hi", createdAt: "2026-01-01T12:00:00Z" },
      { type: "sendStarted", clientId: "c-2", body: "there", createdAt: "2026-01-01T12:00:01Z" },
    ]);
    const waiting = messageListReducer(sent, { type: "sendRetrying", clientId: "c-1", error: "Too many messages at once.", retryAt: 5_000 });
    expect(waiting.outbox.map((item) => [item.status, item.error, item.retryAt])).toEqual([
      ["retrying", "Too many messages at once.", 5_000],
      ["pending", null, undefined],
    ]);
    const again = messageListReducer(waiting, { type: "retryStarted", clientId: "c-1" });
    expect(again.outbox[0]).toEqual(sent.outbox[0]);
    // About a message no longer there (its echo came first): nothing changes.
    expect(messageListReducer(sent, { type: "sendRetrying", clientId: "gone", error: "x", retryAt: 1 })).toBe(sent);
  });

  it("confirms a pending message found in a history page (echo lost with a dropped connection)", () => {
    const state = run([
      { type: "sendStarted", clientId: "c-9", body: "hi", createdAt: "2026-01-01T12:00:00Z" },
      { type: "pageLoaded", messages: [message(5, { client_id: "c-9" })], hasMore: false, position: "latest" },
    ]);
    expect(state.outbox).toEqual([]);
    expect(ids(state.messages)).toEqual([5]);
  });

  it("on a gap drops what it held and lets older pages load again, keeping pending sends", () => {
    const state = run([
      latest([1, 2, 3]),
      { type: "sendStarted", clientId: "c-1", body: "hi", createdAt: "2026-01-01T12:00:00Z" },
      { type: "gap" },
      { type: "received", message: message(2000) },
    ]);
    expect(ids(state.messages)).toEqual([2000]);
    expect(state.hasMore).toBe(true);
    expect(state.outbox).toHaveLength(1);
  });

  it("a later newest page does not forget that older pages exist", () => {
    const state = run([latest([5, 6], true), latest([6, 7], false)]);
    expect(state.hasMore).toBe(true);
    expect(ids(state.messages)).toEqual([5, 6, 7]);
  });

  it("resets to the initial state", () => {
    expect(run([latest([1]), { type: "reset" }])).toEqual(initialMessageListState);
  });
});
