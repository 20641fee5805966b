// useOutbox on its own, over a message list (useRoomHistory) and a socket that is up or down,
// inside the app's connection (whose socket delivers the server's error frames).

import { act } from "@testing-library/react";
import { describe, expect, it, vi } from "vitest";

import { ApiError, networkError } from "../lib/api-error";
import type { ClientFrame, ServerFrame } from "../lib/api-types";
import { useAppConnection } from "../lib/app-connection";
import { SEND_TIMEOUT_MS, useOutbox } from "../lib/use-outbox";
import { useRoomHistory } from "../lib/use-room-history";
import { advance, fakeTimersInEachTest, flush, ids, message, renderWithConnection, SENT_OVER_HTTP_ID } from "./support";

fakeTimersInEachTest();

async function setup({ connected = true } = {}) {
  const frames: ClientFrame[] = [];
  const socket = { connected };
  const sendFrame = (frame: ClientFrame) => {
    if (!socket.connected) return false;
    frames.push(frame);
    return true;
  };
  const t = renderWithConnection(
    () => {
      const { api } = useAppConnection();
      const history = useRoomHistory(1, api);
      const outbox = useOutbox(1, { api, dispatch: history.dispatch, current: history.current, sendFrame });
      return { list: history.list, dispatch: history.dispatch, outbox };
    },
    { stored: [] },
  );
  await t.connect(); // the app's socket: what delivers the server's error frames
  const outbox = () => t.value().outbox;
  const items = () => t.value().list.outbox;
  const clientIds = () => items().map((item) => item.clientId);
  const bodies = () => frames.map((frame) => (frame.type === "message" ? frame.body : frame.type));
  /** The server's echo of a message sent on the socket, passed on as use-room-channel does. */
  const echo = (clientId: string, id: number) =>
    act(() => {
      t.value().outbox.confirmed(clientId);
      t.value().dispatch({ type: "received", message: message(id, { client_id: clientId }) });
    });
  /** An error frame naming a send, as the server sends it. */
  const refuse = (clientId: string, frame: Partial<Extract<ServerFrame, { type: "error" }>> = {}) =>
    t.receive({ type: "error", code: "rate_limited", detail: "too many messages, retry in 3.0 s", retry_after: 3, room_id: 1, client_id: clientId, ...frame });
  return { ...t, frames, socket, outbox, items, clientIds, bodies, echo, refuse };
}

const sentIds = (frames: ClientFrame[]) => frames.map((frame) => (frame.type === "message" ? frame.client_id : null));

describe("useOutbox", () => {
  it("sends over the socket and waits, pending, for the echo", async () => {
    const t = await setup();
    act(() => t.outbox().send("hello"));
    const [item] = t.items();
    expect(item).toMatchObject({ body: "hello", status: "pending", error: null });
    expect(t.frames).toEqual([{ type: "message", room_id: 1, body: "hello", client_id: item?.clientId }]);

    t.echo(item?.clientId ?? "", 1);
    await advance(SEND_TIMEOUT_MS);
    expect(t.frames).toHaveLength(1); // confirmed: no timeout, nothing sent again
  });

  it("sends one message at a time, each once the one before it is stored", async () => {
    const t = await setup();
    act(() => t.outbox().send("one"));
    act(() => t.outbox().send("two"));
    act(() => t.outbox().send("three"));
    expect(t.bodies()).toEqual(["one"]);
    const [one, two] = t.clientIds();
    t.echo(one ?? "", 1);
    expect(t.bodies()).toEqual(["one", "two"]);
    t.echo(two ?? "", 2);
    expect(t.bodies()).toEqual(["one", "two", "three"]);
  });

  it("waits out a rate limit with a countdown, the later ones behind it, then sends them in order", async () => {
    const t = await setup();
    for (const body of ["one", "two", "three"]) act(() => t.outbox().send(body));
    const [one, two, three] = t.clientIds();
    t.echo(one ?? "", 1);
    const refusedAt = Date.now();
    t.refuse(two ?? "", { retry_after: 2.5 });
    expect(t.items().map((item) => [item.body, item.status])).toEqual([
      ["two", "retrying"],
      ["three", "pending"],
    ]);
    expect(t.items()[0]).toMatchObject({ error: "Too many messages at once.", retryAt: refusedAt + 2500 });

    await advance(2499);
    expect(t.bodies()).toEqual(["one", "two"]); // "three" never overtakes "two"
    await advance(1);
    expect(t.bodies()).toEqual(["one", "two", "two"]);
    expect(sentIds(t.frames)[2]).toBe(two); // the same client_id: stored at most once
    expect(t.items()[0]).toMatchObject({ status: "pending", error: null });
    expect(t.items()[0]?.retryAt).toBeUndefined();

    t.echo(two ?? "", 2);
    expect(t.bodies()).toEqual(["one", "two", "two", "three"]);
    expect(sentIds(t.frames)[3]).toBe(three);
  });

  it("takes a refusal once whether use-room-channel's bare word or the frame's reason comes first", async () => {
    const t = await setup();
    act(() => t.outbox().send("one"));
    act(() => t.outbox().send("two"));
    const [one] = t.clientIds();
    // use-room-channel's handler first: it knows only the detail (the send waits for the person)…
    let known = false;
    act(() => {
      known = t.outbox().refused(one ?? "", "too many messages, retry in 3.0 s");
    });
    expect(known).toBe(true);
    expect(t.items()[0]?.status).toBe("failed");
    // …then the outbox's own reading of the same frame: a rate limit passes.
    act(() => {
      known = t.outbox().refused(one ?? "", "too many messages, retry in 3.0 s", { code: "rate_limited", retryAfter: 3 });
    });
    expect(known).toBe(true);
    expect(t.items()[0]?.status).toBe("retrying");
    await advance(3000);
    expect(t.bodies()).toEqual(["one", "one"]);

    // The other way round: the bare word changes nothing.
    t.refuse(one ?? "");
    act(() => {
      known = t.outbox().refused(one ?? "", "too many messages");
    });
    expect(known).toBe(true);
    expect(t.items()[0]?.status).toBe("retrying");
    expect(t.bodies()).toEqual(["one", "one"]);
  });

  it("keeps a message refused for good, holds the later ones behind it, and lets the person retry or delete it", async () => {
    const t = await setup();
    act(() => t.outbox().send("way too long"));
    act(() => t.outbox().send("after it"));
    const [first, second] = t.clientIds();
    t.refuse(first ?? "", { code: "invalid_message", detail: "body: at most 4000 characters", retry_after: undefined });
    expect(t.items()[0]).toMatchObject({ status: "failed", error: "body: at most 4000 characters" });
    await advance(60_000);
    expect(t.bodies()).toEqual(["way too long"]); // nothing goes by itself, and nothing after it

    act(() => t.outbox().retry(first ?? ""));
    expect(t.items()[0]?.status).toBe("pending");
    expect(sentIds(t.frames)).toEqual([first, first]);
    t.refuse(first ?? "", { code: "invalid_message", detail: "body: at most 4000 characters", retry_after: undefined });

    act(() => t.outbox().discard(first ?? ""));
    expect(t.items().map((item) => item.body)).toEqual(["after it"]);
    expect(sentIds(t.frames)).toEqual([first, first, second]);
  });

  it("tries again a message whose echo did not come in time, sooner when the connection comes back", async () => {
    const t = await setup();
    act(() => t.outbox().send("into the void"));
    await advance(SEND_TIMEOUT_MS - 1);
    expect(t.items()[0]?.status).toBe("pending");
    await advance(1);
    expect(t.items()[0]).toMatchObject({ status: "retrying", error: "Not confirmed by the server yet.", retryAt: Date.now() + 2000 });
    await advance(2000);
    expect(t.bodies()).toEqual(["into the void", "into the void"]);

    // No echo again: the pause grows (4 s), but a new connection sends it at once.
    await advance(SEND_TIMEOUT_MS);
    expect(t.items()[0]).toMatchObject({ status: "retrying", retryAt: Date.now() + 4000 });
    act(() => t.outbox().resendPending());
    expect(t.bodies()).toHaveLength(3);
    expect(new Set(sentIds(t.frames)).size).toBe(1);
  });

  it("keeps a rate limit's countdown across a new connection (the server still counts)", async () => {
    const t = await setup();
    act(() => t.outbox().send("one"));
    const [one] = t.clientIds();
    t.refuse(one ?? "", { retry_after: 5 });
    act(() => t.outbox().resendPending());
    expect(t.bodies()).toEqual(["one"]);
    expect(t.items()[0]?.status).toBe("retrying");
    await advance(5000);
    expect(t.bodies()).toEqual(["one", "one"]);
  });

  it("on a new connection sends again what was on its way on the old one", async () => {
    const t = await setup();
    act(() => t.outbox().send("one"));
    act(() => t.outbox().send("two"));
    act(() => t.outbox().resendPending());
    expect(t.bodies()).toEqual(["one", "one"]); // "two" still waits for "one"
    t.echo(t.clientIds()[0] ?? "", 1);
    expect(t.bodies()).toEqual(["one", "one", "two"]);
  });

  it("sends over HTTP while the socket is down", async () => {
    const t = await setup({ connected: false });
    act(() => t.outbox().send("via rest"));
    await flush();
    expect(t.requests).toContain("POST /api/v1/rooms/1/messages");
    expect(t.items()).toEqual([]);
    expect(ids(t.value().list.messages)).toEqual([SENT_OVER_HTTP_ID]);
  });

  it("stores messages in the order written: while one is on its way over HTTP, the next ones wait for it", async () => {
    const t = await setup({ connected: false });
    const release = t.hold("POST /api/v1/rooms/1/messages");
    act(() => t.outbox().send("one"));
    t.socket.connected = true;
    act(() => t.outbox().send("two"));
    act(() => t.outbox().send("three"));
    expect(t.frames).toEqual([]);

    release();
    await flush();
    expect(t.bodies()).toEqual(["two"]);
    expect(t.items().map((item) => item.body)).toEqual(["two", "three"]);
  });

  it("waits out an HTTP 429's Retry-After, and tries again at once when a refused send found no connection", async () => {
    const t = await setup({ connected: false });
    const send = vi.spyOn(t.api.messages, "send");
    send.mockRejectedValueOnce(new ApiError(429, "Too many messages", {}, 4));
    act(() => t.outbox().send("too fast"));
    await flush();
    expect(t.items()[0]).toMatchObject({ status: "retrying", error: "Too many messages at once.", retryAt: Date.now() + 4000 });
    send.mockRejectedValueOnce(networkError(new TypeError("Failed to fetch")));
    await advance(4000);
    expect(send).toHaveBeenCalledTimes(2);
    expect(t.items()[0]).toMatchObject({ status: "retrying", error: "No connection." });

    act(() => t.outbox().resendPending()); // the app's socket is back
    await flush();
    expect(send).toHaveBeenCalledTimes(3);
    expect(new Set(send.mock.calls.map((call) => call[2])).size).toBe(1); // one client_id throughout
    expect(t.items()).toEqual([]);
  });

  it("keeps a send the server refused for good over HTTP for the person", async () => {
    const t = await setup({ connected: false });
    vi.spyOn(t.api.messages, "send").mockRejectedValueOnce(new ApiError(403, "You are not a member of this room"));
    act(() => t.outbox().send("hello?"));
    await flush();
    expect(t.items()[0]).toMatchObject({ status: "failed", error: "You are not a member of this room" });
    await advance(60_000);
    expect(t.items()[0]?.status).toBe("failed");
  });

  it("fails the message on its way on the socket when a refusal names no client_id", async () => {
    const t = await setup();
    act(() => t.outbox().send("first"));
    act(() => t.outbox().send("second"));
    let refused = false;
    act(() => {
      refused = t.outbox().refuseOldest("Slow down");
    });
    expect(refused).toBe(true);
    expect(t.items().map((item) => [item.body, item.status, item.error])).toEqual([
      ["first", "failed", "Slow down"],
      ["second", "pending", null],
    ]);
    act(() => {
      refused = t.outbox().refuseOldest("Slow down");
    });
    expect(refused).toBe(false); // nothing is on its way
    act(() => {
      refused = t.outbox().refused("unknown", "Too long");
    });
    expect(refused).toBe(false);
  });

  it("deletes a message waiting out its countdown, and the next one goes", async () => {
    const t = await setup();
    act(() => t.outbox().send("one"));
    act(() => t.outbox().send("two"));
    const [one, two] = t.clientIds();
    t.refuse(one ?? "");
    act(() => t.outbox().discard(one ?? ""));
    expect(sentIds(t.frames)).toEqual([one, two]);
    await advance(3000);
    expect(sentIds(t.frames)).toEqual([one, two]); // its timer went with it
    act(() => t.outbox().retry("unknown"));
    expect(t.frames).toHaveLength(2);
  });

  it("stops its timers when the room closes", async () => {
    const t = await setup();
    act(() => t.outbox().send("waiting"));
    act(() => t.outbox().stop());
    await advance(SEND_TIMEOUT_MS);
    expect(t.items()[0]?.status).toBe("pending");
    expect(t.frames).toHaveLength(1);
  });

  it("an echo that comes after its timeout still confirms it, and the next one goes", async () => {
    const t = await setup();
    act(() => t.outbox().send("slow"));
    act(() => t.outbox().send("next"));
    await advance(SEND_TIMEOUT_MS);
    expect(t.items()[0]?.status).toBe("retrying");
    t.echo(t.clientIds()[0] ?? "", 1);
    expect(t.bodies()).toEqual(["slow", "next"]);
    await advance(2000);
    expect(t.bodies()).toEqual(["slow", "next"]); // no retry of the stored one
  });
});
