// useRoomSocket as the room view uses it: history, socket and outbox wired together.

import { act } from "@testing-library/react";
import { describe, expect, it } from "vitest";

import type { Message } from "../lib/api-types";
import { advance, bob, fakeTimersInEachTest, flush, hello, ids, message, messages, renderRoomSocket } from "./support";

fakeTimersInEachTest();

const setup = (stored?: Message[]) => renderRoomSocket({ stored });

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

    await advance(1_000);
    expect(t.sockets.sockets).toHaveLength(2);
    expect(t.sockets.last.since).toBe("5");
    act(() => {
      t.sockets.last.accept();
      t.sockets.last.receive(hello());
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

  it("sends what is still pending again, under the same client_id, on the next connection", async () => {
    const t = setup();
    await t.connect();
    act(() => t.view().send("lost with the connection"));
    const [first] = t.sockets.last.sent.filter((f) => f.type === "message");
    act(() => t.sockets.last.serverClose(1006));

    await advance(1_000);
    act(() => {
      t.sockets.last.accept();
      t.sockets.last.receive(hello());
    });
    expect(t.sockets.last.sent.filter((f) => f.type === "message")).toEqual([first]);
    // The new connection's echo confirms it; no timer of the old one fails it.
    t.receive({ type: "message", message: message(4, { body: "lost with the connection", client_id: t.view().list.outbox[0]?.clientId ?? null }) });
    await advance(10_000);
    expect(t.view().list.outbox).toEqual([]);
    expect(ids(t.view().list.messages)).toEqual([1, 2, 3, 4]);
  });

  it("shows a server error frame that is not about a send as a notice", async () => {
    const t = setup();
    await t.connect();
    t.receive({ type: "error", code: "rate_limited", detail: "Slow down" });
    expect(t.view().notice).toBe("Slow down");
    expect(t.view().list.outbox).toEqual([]);
  });

  it("marks a message failed when no echo comes back in time", async () => {
    const t = setup();
    await t.connect();
    act(() => t.view().send("into the void"));
    await advance(10_000);
    expect(t.view().list.outbox[0]?.status).toBe("failed");
  });

  it("sends over HTTP while the socket is down", async () => {
    const t = setup();
    await flush();
    // Socket opened but not yet greeted: not connected.
    act(() => t.view().send("via rest"));
    await flush();
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

    await advance(6_000);
    expect(t.view().presence.typing).toEqual([]);
  });

  it("after a gap, keeps only the replayed messages and loads older ones from history", async () => {
    const t = setup(messages(60));
    await t.connect();
    expect(t.view().list.messages).toHaveLength(50);

    t.receive({ type: "gap" });
    t.receive({ type: "message", message: message(2000) });
    expect(ids(t.view().list.messages)).toEqual([2000]);
    expect(t.view().list.hasMore).toBe(true);

    act(() => t.view().loadOlder());
    await flush();
    expect(t.requests.at(-1)).toBe("GET /api/v1/chat/history?room_id=1&before=2000&limit=50");
    expect(ids(t.view().list.messages).slice(-3)).toEqual([59, 60, 2000]);
  });

  it("reports a deleted room and stops", async () => {
    const t = setup();
    await t.connect();
    t.receive({ type: "room_deleted", room_id: 1 });
    expect(t.view().closedReason).toBe("This room was deleted.");
  });

  it("ends the session as deactivated when a bare 4403 is followed by a refused refresh", async () => {
    const t = setup();
    await t.connect();
    const reasons: (string | null)[] = [];
    t.client.onTokenChange((token, reason) => {
      if (token === null) reasons.push(reason);
    });
    // What deactivation does: every device revoked, every socket closed with 4403.
    t.refuseRefresh("refresh token is not valid");
    act(() => t.sockets.last.serverClose(4403));
    await flush();
    expect(t.view().closedReason).toBe("You no longer have access to this room.");
    expect(reasons).toEqual(["deactivated"]);
  });

  it("ends the session at once when the socket is refused because the account is deactivated", async () => {
    const t = setup();
    await t.connect();
    const reasons: (string | null)[] = [];
    t.client.onTokenChange((token, reason) => {
      if (token === null) reasons.push(reason);
    });
    act(() => t.sockets.last.serverClose(4403, "account is deactivated"));
    expect(reasons).toEqual(["deactivated"]);
    expect(t.requests.filter((r) => r.includes("/token/refresh"))).toHaveLength(1); // only the first one
  });

  it("keeps the session when a 4403 only took this room away", async () => {
    const t = setup();
    await t.connect();
    const reasons: (string | null)[] = [];
    t.client.onTokenChange((token, reason) => {
      if (token === null) reasons.push(reason);
    });
    act(() => t.sockets.last.serverClose(4403));
    await flush();
    expect(t.view().closedReason).toBe("You no longer have access to this room.");
    expect(reasons).toEqual([]);
    expect(t.client.hasSession()).toBe(true);
  });

  it("closes the socket when unmounted", async () => {
    const t = setup();
    await t.connect();
    t.hook.unmount();
    expect(t.sockets.last.closedByClient?.code).toBe(1000);
  });
});
