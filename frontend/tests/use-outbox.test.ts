// useOutbox on its own, over a message list (useRoomHistory) and a socket that is up or down.

import { act, renderHook } from "@testing-library/react";
import { describe, expect, it, vi } from "vitest";

import { ApiError } from "../lib/api-error";
import type { ClientFrame } from "../lib/api-types";
import { SEND_TIMEOUT_MS, useOutbox } from "../lib/use-outbox";
import { useRoomHistory } from "../lib/use-room-history";
import { advance, fakeBackend, fakeTimersInEachTest, flush, ids, SENT_OVER_HTTP_ID } from "./support";

fakeTimersInEachTest();

function setup({ connected = true } = {}) {
  const backend = fakeBackend([]);
  const frames: ClientFrame[] = [];
  const socket = { connected };
  const sendFrame = (frame: ClientFrame) => {
    if (!socket.connected) return false;
    frames.push(frame);
    return true;
  };
  const hook = renderHook(() => {
    const history = useRoomHistory(1, backend.api);
    const outbox = useOutbox(1, { api: backend.api, dispatch: history.dispatch, current: history.current, sendFrame });
    return { list: history.list, outbox };
  });
  const outbox = () => hook.result.current.outbox;
  const items = () => hook.result.current.list.outbox;
  const clientIds = () => items().map((item) => item.clientId);
  return { ...backend, frames, socket, hook, outbox, items, clientIds };
}

describe("useOutbox", () => {
  it("sends over the socket and waits, pending, for the echo", async () => {
    const t = setup();
    act(() => t.outbox().send("hello"));
    const [item] = t.items();
    expect(item).toMatchObject({ body: "hello", status: "pending", error: null });
    expect(t.frames).toEqual([{ type: "message", room_id: 1, body: "hello", client_id: item?.clientId }]);

    act(() => t.outbox().confirmed(item?.clientId ?? ""));
    await advance(SEND_TIMEOUT_MS);
    expect(t.items()[0]?.status).toBe("pending"); // confirmed: no timeout (the echo itself empties the outbox)
  });

  it("marks a message failed when no echo comes back in time", async () => {
    const t = setup();
    act(() => t.outbox().send("into the void"));
    await advance(SEND_TIMEOUT_MS - 1);
    expect(t.items()[0]?.status).toBe("pending");
    await advance(1);
    expect(t.items()[0]).toMatchObject({ status: "failed", error: "Not confirmed by the server." });
  });

  it("sends over HTTP while the socket is down", async () => {
    const t = setup({ connected: false });
    act(() => t.outbox().send("via rest"));
    await flush();
    expect(t.requests).toContain("POST /api/v1/rooms/1/messages");
    expect(t.items()).toEqual([]);
    expect(ids(t.hook.result.current.list.messages)).toEqual([SENT_OVER_HTTP_ID]);
  });

  it("stores messages in the order written: while one is on its way over HTTP, the next ones wait for it", async () => {
    const t = setup({ connected: false });
    const release = t.hold("POST /api/v1/rooms/1/messages");
    act(() => t.outbox().send("one"));
    t.socket.connected = true;
    act(() => t.outbox().send("two"));
    act(() => t.outbox().send("three"));
    expect(t.frames).toEqual([]);

    release();
    await flush();
    expect(t.frames.map((frame) => (frame.type === "message" ? frame.body : frame.type))).toEqual(["two", "three"]);
    expect(t.items().map((item) => item.body)).toEqual(["two", "three"]);
    // Later sends go straight out again.
    act(() => t.outbox().send("four"));
    expect(t.frames).toHaveLength(3);
  });

  it("does not send a waiting message that was discarded meanwhile", async () => {
    const t = setup({ connected: false });
    const release = t.hold("POST /api/v1/rooms/1/messages");
    act(() => t.outbox().send("one"));
    t.socket.connected = true;
    act(() => t.outbox().send("never mind"));
    act(() => t.outbox().discard(t.clientIds()[1] ?? ""));
    release();
    await flush();
    expect(t.frames).toEqual([]);
  });

  it("fails the message an error frame names", async () => {
    const t = setup();
    act(() => t.outbox().send("first"));
    act(() => t.outbox().send("second"));
    let known = false;
    act(() => {
      known = t.outbox().refused(t.clientIds()[1] ?? "", "Too long");
    });
    expect(known).toBe(true);
    expect(t.items().map((item) => item.status)).toEqual(["pending", "failed"]);
    act(() => {
      known = t.outbox().refused("unknown", "Too long");
    });
    expect(known).toBe(false);
  });

  it("marks a message failed when the HTTP send is refused", async () => {
    const t = setup({ connected: false });
    vi.spyOn(t.api.messages, "send").mockRejectedValueOnce(new ApiError(429, "Too many messages"));
    act(() => t.outbox().send("too fast"));
    await flush();
    expect(t.items()[0]).toMatchObject({ status: "failed", error: "Too many messages" });
  });

  it("fails the oldest message sent on the socket when the server refuses one", async () => {
    const t = setup();
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

    act(() => t.outbox().confirmed(t.clientIds()[1] ?? ""));
    act(() => {
      refused = t.outbox().refuseOldest("Slow down");
    });
    expect(refused).toBe(false); // nothing is waiting for an echo
  });

  it("retries a failed message under the same client_id", async () => {
    const t = setup();
    act(() => t.outbox().send("again"));
    act(() => {
      t.outbox().refuseOldest("Slow down");
    });
    act(() => t.outbox().retry(t.clientIds()[0] ?? ""));
    expect(t.items()[0]?.status).toBe("pending");
    expect(t.frames).toHaveLength(2);
    expect(t.frames[1]).toEqual(t.frames[0]);

    act(() => t.outbox().retry("unknown"));
    expect(t.frames).toHaveLength(2);
  });

  it("discards a message, and its timeout with it", async () => {
    const t = setup();
    act(() => t.outbox().send("never mind"));
    act(() => t.outbox().discard(t.clientIds()[0] ?? ""));
    expect(t.items()).toEqual([]);
    await advance(SEND_TIMEOUT_MS);
    expect(t.items()).toEqual([]);
  });

  it("on a new connection sends the pending messages again, and only those", async () => {
    const t = setup();
    act(() => t.outbox().send("failed"));
    act(() => {
      t.outbox().refuseOldest("Slow down");
    });
    act(() => t.outbox().send("pending 1"));
    act(() => t.outbox().send("pending 2"));
    t.frames.length = 0;

    act(() => t.outbox().resendPending());
    expect(t.frames.map((frame) => (frame.type === "message" ? frame.body : frame.type))).toEqual(["pending 1", "pending 2"]);
    expect(t.frames.map((frame) => (frame.type === "message" ? frame.client_id : null))).toEqual(t.clientIds().slice(1));
    // The echo queue is the new connection's: a refusal now is about "pending 1".
    act(() => {
      t.outbox().refuseOldest("Too long");
    });
    expect(t.items().map((item) => item.status)).toEqual(["failed", "failed", "pending"]);
  });

  it("stops its timeouts when the socket is closed", async () => {
    const t = setup();
    act(() => t.outbox().send("waiting"));
    act(() => t.outbox().stop());
    await advance(SEND_TIMEOUT_MS);
    expect(t.items()[0]?.status).toBe("pending");
  });
});
