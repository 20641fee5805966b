// useRoomChannel as the room view uses it: history, the app's socket and the outbox wired
// together for one room.

import { act } from "@testing-library/react";
import { describe, expect, it } from "vitest";

import type { ClientFrame, Message } from "../lib/api-types";
import { advance, bob, fakeTimersInEachTest, flush, hello, ids, message, messages, renderRoomChannel, room } from "./support";

fakeTimersInEachTest();

const setup = (stored?: Message[]) => renderRoomChannel({ stored });
const bodies = (frames: ClientFrame[]) => frames.flatMap((f) => (f.type === "message" ? [f.body] : []));

describe("useRoomChannel", () => {
  it("loads the newest page and follows the room's frames on the app's socket", async () => {
    const t = setup();
    await t.connect();
    expect(ids(t.view().list.messages)).toEqual([1, 2, 3]);
    expect(t.view().status).toBe("connected");
    t.receive({ type: "message", message: message(5) });
    t.receive({ type: "message", message: message(4) });
    t.receive({ type: "message", message: message(6, { room_id: 2 }) }); // another room's
    expect(ids(t.view().list.messages)).toEqual([1, 2, 3, 4, 5]);
  });

  it("keeps messages that arrive while the first page loads", async () => {
    const t = renderRoomChannel({ stored: messages(3) });
    const release = t.hold("GET /api/v1/chat/history");
    await t.connect();
    t.receive({ type: "message", message: message(4) });
    release();
    await flush();
    expect(ids(t.view().list.messages)).toEqual([1, 2, 3, 4]);
  });

  it("shows live messages in id order without duplicates across a reconnect", async () => {
    const t = setup();
    await t.connect();
    t.receive({ type: "message", message: message(5) });
    act(() => t.sockets.last.serverClose(1006));
    expect(t.view().status).toBe("reconnecting");

    await advance(1_000);
    expect(t.sockets.last.since).toBe("5");
    await t.connect();
    t.receive({ type: "message", message: message(5) });
    t.receive({ type: "message", message: message(6) });
    expect(ids(t.view().list.messages)).toEqual([1, 2, 3, 5, 6]);
  });

  it("sends naming the room, and shows the message as pending until its echo confirms it", async () => {
    const t = setup();
    await t.connect();
    act(() => t.view().send("hello room"));

    const [pending] = t.view().list.outbox;
    expect(pending).toMatchObject({ body: "hello room", status: "pending" });
    expect(t.sent()).toEqual([{ type: "message", room_id: 1, body: "hello room", client_id: pending?.clientId }]);

    t.receive({ type: "message", message: message(4, { body: "hello room", client_id: pending?.clientId ?? null }) });
    expect(t.view().list.outbox).toEqual([]);
    expect(ids(t.view().list.messages)).toEqual([1, 2, 3, 4]);
  });

  it("sends one at a time; a rate-limited one waits out its countdown, the next behind it, and goes again the same", async () => {
    const t = setup();
    await t.connect();
    act(() => t.view().send("first"));
    act(() => t.view().send("second"));
    act(() => t.view().send("third"));
    const [first, second] = t.view().list.outbox;
    expect(bodies(t.sent())).toEqual(["first"]);
    t.receive({ type: "message", message: message(4, { body: "first", client_id: first?.clientId ?? null }) });
    expect(bodies(t.sent())).toEqual(["first", "second"]);

    t.receive({ type: "error", code: "rate_limited", detail: "Slow down", retry_after: 2, room_id: 1, client_id: second?.clientId });
    expect(t.view().list.outbox.map((o) => [o.body, o.status, o.error])).toEqual([
      ["second", "retrying", "Too many messages at once."],
      ["third", "pending", null],
    ]);
    expect(t.view().notice).toBeNull(); // said on the message, not in a banner
    await advance(2_000);
    const sends = t.sent().filter((f) => f.type === "message");
    expect(bodies(sends)).toEqual(["first", "second", "second"]);
    expect(sends[2]).toEqual(sends[1]);
  });

  it("keeps a send refused for good for the person, who retries it with the same client_id", async () => {
    const t = setup();
    await t.connect();
    act(() => t.view().send("first"));
    const [first] = t.view().list.outbox;
    t.receive({ type: "error", code: "invalid_message", detail: "Too long", room_id: 1, client_id: first?.clientId });
    expect(t.view().list.outbox.map((o) => [o.body, o.status, o.error])).toEqual([["first", "failed", "Too long"]]);
    act(() => t.view().retry(first?.clientId ?? ""));
    expect(t.view().list.outbox[0]?.status).toBe("pending");
    const sends = t.sent().filter((f) => f.type === "message");
    expect(sends).toHaveLength(2);
    expect(sends[1]).toEqual(sends[0]);
  });

  it("sends what is still pending again, in order and under the same client_ids, on the next connection", async () => {
    const t = setup();
    await t.connect();
    act(() => t.view().send("one"));
    act(() => t.view().send("two"));
    const before = t.sent();
    act(() => t.sockets.last.serverClose(1006));

    await advance(1_000);
    await t.connect();
    expect(t.sent()).toEqual(before);
    expect(bodies(t.sent())).toEqual(["one"]); // "two" waits for "one" to be stored
    // The new connection's echoes confirm them, one after the other; no timer of the old one
    // sends anything again.
    const [one, two] = t.view().list.outbox;
    t.receive({ type: "message", message: message(4, { body: "one", client_id: one?.clientId ?? null }) });
    expect(bodies(t.sent())).toEqual(["one", "two"]);
    t.receive({ type: "message", message: message(5, { body: "two", client_id: two?.clientId ?? null }) });
    await advance(10_000);
    expect(bodies(t.sent())).toEqual(["one", "two"]);
    expect(t.view().list.outbox).toEqual([]);
    expect(ids(t.view().list.messages)).toEqual([1, 2, 3, 4, 5]);
  });

  it("keeps the order of sends when the first goes over HTTP and the next would go over the socket", async () => {
    const t = setup();
    await flush(); // not connected yet: the first send goes over HTTP
    const release = t.hold("POST /api/v1/rooms/1/messages");
    act(() => t.view().send("written first"));
    await flush();
    await t.connect();
    act(() => t.view().send("written second"));
    // The socket is up, but the second waits for the first's answer.
    expect(bodies(t.sent())).toEqual([]);
    release();
    await flush();
    expect(bodies(t.sent())).toEqual(["written second"]);
    expect(t.requests.filter((r) => r.includes("/messages"))).toEqual(["POST /api/v1/rooms/1/messages"]);
    expect(t.view().list.outbox.map((o) => o.body)).toEqual(["written second"]);
  });

  it("shows an error frame that is not about a send as a notice", async () => {
    const t = setup();
    await t.connect();
    t.receive({ type: "error", code: "forbidden", detail: "Not a member", room_id: 1 });
    expect(t.view().notice).toBe("Not a member");
    expect(t.view().list.outbox).toEqual([]);
  });

  it("tries a message again when no echo comes back in time", async () => {
    const t = setup();
    await t.connect();
    act(() => t.view().send("into the void"));
    await advance(10_000);
    expect(t.view().list.outbox[0]?.status).toBe("retrying");
    await advance(2_000);
    expect(bodies(t.sent())).toEqual(["into the void", "into the void"]);
  });

  it("sends over HTTP while the socket is down", async () => {
    const t = setup();
    await flush();
    act(() => t.view().send("via rest"));
    await flush();
    expect(t.requests).toContain("POST /api/v1/rooms/1/messages");
    expect(t.view().list.outbox).toEqual([]);
    expect(t.view().list.messages.at(-1)).toMatchObject({ id: 500, body: "via rest" });
  });

  it("applies live edits and deletions, shows who is typing, and sends typing naming the room", async () => {
    const t = setup();
    await t.connect();
    t.receive({ type: "message_updated", message: message(2, { body: "edited", edited_at: "2026-01-02T00:00:00Z" }) });
    t.receive({ type: "message_deleted", message_id: 3, room_id: 1 });
    t.receive({ type: "typing", room_id: 1, user: bob });
    t.receive({ type: "typing", room_id: 2, user: { id: 3, username: "carol" } }); // elsewhere
    expect(t.view().list.messages[1]?.body).toBe("edited");
    expect(t.view().list.messages[2]?.deleted).toBe(true);
    expect(t.view().typing.map((x) => x.user.username)).toEqual(["bob"]);

    act(() => t.view().notifyTyping());
    act(() => t.view().notifyTyping()); // throttled
    expect(t.sent()).toEqual([{ type: "typing", room_id: 1 }]);

    await advance(6_000);
    expect(t.view().typing).toEqual([]);
  });

  it("after a gap for this room, reloads its newest page", async () => {
    const stored = messages(60);
    const t = renderRoomChannel({ stored });
    await t.connect();
    expect(t.view().list.messages).toHaveLength(50);
    stored.push(message(61), message(62));

    t.receive({ type: "gap", room_id: 1 });
    await flush();
    expect(ids(t.view().list.messages)).toEqual(Array.from({ length: 50 }, (_, i) => i + 13));
    expect(t.view().list.hasMore).toBe(true);
    t.receive({ type: "gap", room_id: 2 }); // another room's: nothing to do here
    await flush();
    expect(t.requests.filter((r) => r.startsWith("GET /api/v1/chat/history"))).toHaveLength(2);
  });

  it.each([
    ["removed", "You were removed from this room."],
    ["left", "You left this room."],
    ["deleted", "This room was deleted."],
  ] as const)("closes when the person's membership ends (%s)", async (reason, text) => {
    const t = setup();
    await t.connect();
    t.receive({ type: "room_removed", room_id: 1, reason });
    expect(t.view().closedReason).toBe(text);
    t.receive({ type: "message", message: message(9) });
    expect(ids(t.view().list.messages)).toEqual([1, 2, 3]);
  });

  it("tells who wrote or typed in the room", async () => {
    const active: string[] = [];
    const t = renderRoomChannel({ onActive: (user) => active.push(user.username) });
    await t.connect();
    t.receive({ type: "typing", room_id: 1, user: bob });
    t.receive({ type: "message", message: message(4, { sender: bob }) });
    t.receive({ type: "typing", room_id: 2, user: bob }); // elsewhere
    expect(active).toEqual(["bob", "bob"]);
  });

  it("passes this room's read frames on", async () => {
    const marks: number[] = [];
    const t = renderRoomChannel({ onRead: (id) => marks.push(id), hello: hello({ rooms: [room(1), room(7)] }) });
    await t.connect();
    t.receive({ type: "read", room_id: 7, message_id: 70 });
    t.receive({ type: "read", room_id: 1, message_id: 3 });
    expect(marks).toEqual([3]);
  });

  it("stops listening when unmounted, leaving the app's socket open", async () => {
    const t = setup();
    await t.connect();
    t.hook.unmount();
    // The provider unmounts with the hook here; what matters is that the room let go first.
    expect(t.sockets.sockets).toHaveLength(1);
  });
});
