import { describe, expect, it, vi } from "vitest";

import { ApiError } from "../lib/api-error";
import type { ServerFrame } from "../lib/api-types";
import { AppSocket, type AppSocketOptions, type ConnectionStatus } from "../lib/app-socket";
import { alice, fakeSocketFactory, fakeTimersInEachTest, hello as helloFrame, message } from "./support";

const hello = (lastId: number | null = null) => helloFrame({ last_message_id: lastId });

/** Lets the async token fetch inside connect() settle. */
const flush = () => vi.advanceTimersByTimeAsync(0);

function setup(overrides: Partial<AppSocketOptions> = {}) {
  const factory = fakeSocketFactory();
  const frames: ServerFrame[] = [];
  const statuses: ConnectionStatus[] = [];
  let token = "token-1";
  const getToken = vi.fn(async () => token);
  const renewToken = vi.fn(async () => {
    token = `token-${Number(token.split("-")[1]) + 1}`;
    return token;
  });
  const onClosedForGood = vi.fn();
  const socket = new AppSocket({
    origin: "ws://chat.test",
    createSocket: factory.create,
    getToken,
    renewToken,
    onFrame: (frame) => frames.push(frame),
    onStatus: (status) => statuses.push(status),
    onClosedForGood,
    // No jitter in tests: random() = 1 gives the full exponential delay.
    backoff: { initialMs: 100, maxMs: 1_000, random: () => 1 },
    pingIntervalMs: 1_000,
    pongTimeoutMs: 500,
    ...overrides,
  });
  const messageIds = () => frames.flatMap((f) => (f.type === "message" ? [f.message.id] : []));
  return { socket, factory, frames, statuses, getToken, renewToken, onClosedForGood, messageIds };
}

fakeTimersInEachTest();

describe("AppSocket", () => {
  it("authenticates with the bearer subprotocol, never a token in the URL, and resumes from `since`", async () => {
    const { socket, factory, statuses } = setup({ since: 41 });
    socket.start();
    await flush();

    expect(factory.last.url).toBe("ws://chat.test/ws?since=41");
    expect(factory.last.protocols).toEqual(["bearer", "token-1"]);
    expect(statuses).toEqual(["connecting"]);

    factory.last.accept();
    factory.last.receive(hello(41));
    expect(statuses).toEqual(["connecting", "connected"]);
    socket.stop();
  });

  it("omits `since` when it has nothing to resume from", async () => {
    const { socket, factory } = setup();
    socket.start();
    await flush();
    expect(factory.last.url).toBe("ws://chat.test/ws");
    socket.stop();
  });

  it("reconnects with exponential backoff and resumes after the last message it saw", async () => {
    const { socket, factory, statuses } = setup({ since: 10 });
    socket.start();
    await flush();
    factory.last.accept();
    factory.last.receive(hello(10));
    factory.last.receive({ type: "message", message: message(11) });
    factory.last.receive({ type: "message", message: message(12) });

    factory.last.serverClose(1012, "server restart");
    expect(statuses.at(-1)).toBe("reconnecting");
    expect(factory.sockets).toHaveLength(1);

    await vi.advanceTimersByTimeAsync(99);
    expect(factory.sockets).toHaveLength(1); // first retry after 100 ms
    await vi.advanceTimersByTimeAsync(1);
    expect(factory.sockets).toHaveLength(2);
    expect(factory.last.since).toBe("12");

    // The server is still down: the next delays double (200, 400 ms) up to the cap.
    factory.last.serverClose(1006);
    await vi.advanceTimersByTimeAsync(199);
    expect(factory.sockets).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(factory.sockets).toHaveLength(3);
    factory.last.serverClose(1006);
    await vi.advanceTimersByTimeAsync(400);
    expect(factory.sockets).toHaveLength(4);

    // Back up: connected again, and the backoff starts over.
    factory.last.accept();
    factory.last.receive(hello(12));
    expect(statuses.at(-1)).toBe("connected");
    factory.last.serverClose(1006);
    await vi.advanceTimersByTimeAsync(100);
    expect(factory.sockets).toHaveLength(5);
    socket.stop();
  });

  it("applies jitter so that clients do not all reconnect at the same instant", async () => {
    const { socket, factory } = setup({ backoff: { initialMs: 1_000, maxMs: 10_000, random: () => 0 } });
    socket.start();
    await flush();
    factory.last.serverClose(1006);
    await vi.advanceTimersByTimeAsync(499);
    expect(factory.sockets).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1); // random() = 0 gives half the delay
    expect(factory.sockets).toHaveLength(2);
    socket.stop();
  });

  it("drops messages replayed after a reconnect that it already delivered", async () => {
    const { socket, factory, messageIds } = setup({ since: 0 });
    socket.start();
    await flush();
    factory.last.accept();
    factory.last.receive(hello());
    for (const id of [1, 2, 3]) factory.last.receive({ type: "message", message: message(id) });

    factory.last.serverClose(1006);
    await vi.advanceTimersByTimeAsync(100);
    factory.last.accept();
    factory.last.receive(hello(4));
    // An overlapping replay (e.g. another instance answered): 2 and 3 again, then 4.
    for (const id of [2, 3, 4]) factory.last.receive({ type: "message", message: message(id) });
    factory.last.receive({ type: "message", message: message(4) });

    expect(messageIds()).toEqual([1, 2, 3, 4]);
    expect(socket.lastMessageId).toBe(4);
    socket.stop();
  });

  it("passes frames on in the order received and ignores frames that are not JSON", async () => {
    const { socket, factory, frames } = setup();
    socket.start();
    await flush();
    factory.last.accept();
    factory.last.receive(hello());
    factory.last.receiveRaw("not json");
    factory.last.receive({ type: "typing", room_id: 7, user: alice });
    factory.last.receive({ type: "message", message: message(5) });
    factory.last.receive({ type: "message_deleted", message_id: 5, room_id: 7 });
    expect(frames.map((f) => f.type)).toEqual(["hello", "typing", "message", "message_deleted"]);
    socket.stop();
  });

  it("resumes from an id noted before connecting", async () => {
    const { socket, factory } = setup({ since: 3 });
    socket.noteMessageId(20);
    socket.noteMessageId(15);
    socket.start();
    await flush();
    expect(factory.last.since).toBe("20");
    socket.stop();
  });

  it("starts from hello's newest message on a first connection, then resumes after the newest seen in any room", async () => {
    const { socket, factory } = setup();
    socket.start();
    await flush();
    factory.last.accept();
    factory.last.receive(hello(40));
    expect(socket.lastMessageId).toBe(40);
    // Message ids are global: whatever the room, the newest one is where to resume.
    factory.last.receive({ type: "message", message: message(41, { room_id: 3 }) });
    factory.last.receive({ type: "message", message: message(44, { room_id: 1 }) });
    factory.last.receive({ type: "message", message: message(43, { room_id: 2 }) });

    factory.last.serverClose(1006);
    await vi.advanceTimersByTimeAsync(100);
    expect(factory.last.since).toBe("44");
    socket.stop();
  });

  it("does not take a resumed connection's hello as read: a drop during its replay resumes from what arrived", async () => {
    const { socket, factory } = setup({ since: 10 });
    socket.start();
    await flush();
    factory.last.accept();
    factory.last.receive(hello(20)); // 11 to 20 are to be replayed
    factory.last.receive({ type: "message", message: message(11) });
    factory.last.receive({ type: "message", message: message(12) });
    factory.last.serverClose(1006);
    await vi.advanceTimersByTimeAsync(100);
    expect(factory.last.since).toBe("12");
    socket.stop();
  });

  it("after gaps (too much missed, nothing replayed) resumes from that connection's newest", async () => {
    const { socket, factory, frames } = setup({ since: 10 });
    socket.start();
    await flush();
    factory.last.accept();
    factory.last.receive(hello(5000));
    factory.last.receive({ type: "gap", room_id: 1 });
    factory.last.receive({ type: "gap", room_id: 2 });
    expect(frames.filter((f) => f.type === "gap")).toEqual([
      { type: "gap", room_id: 1 },
      { type: "gap", room_id: 2 },
    ]);
    factory.last.serverClose(1006);
    await vi.advanceTimersByTimeAsync(100);
    expect(factory.last.since).toBe("5000");
    socket.stop();
  });

  it("after a 4401 close renews the token before reconnecting", async () => {
    const { socket, factory, renewToken } = setup();
    socket.start();
    await flush();
    factory.last.accept();
    factory.last.receive(hello());
    factory.last.serverClose(4401, "token expired");
    await vi.advanceTimersByTimeAsync(100);

    expect(renewToken).toHaveBeenCalledTimes(1);
    expect(factory.last.protocols).toEqual(["bearer", "token-2"]);
    socket.stop();
  });

  it("sends an auth frame to renew an open socket's token", async () => {
    const { socket, factory } = setup();
    socket.start();
    await flush();
    factory.last.accept();
    factory.last.receive(hello());
    socket.sendAuth("token-9");
    expect(factory.last.sent).toContainEqual({ type: "auth", token: "token-9" });
    socket.stop();
  });

  it.each([
    [4403, "not allowed"],
  ])("stops for good on close code %i (%s)", async (code) => {
    const { socket, factory, statuses, onClosedForGood } = setup();
    socket.start();
    await flush();
    factory.last.serverClose(code, "nope");
    await vi.advanceTimersByTimeAsync(10_000);
    expect(factory.sockets).toHaveLength(1);
    expect(statuses.at(-1)).toBe("offline");
    expect(onClosedForGood).toHaveBeenCalledWith(code, "nope");
  });

  it("stops when the session is over (the token cannot be refreshed)", async () => {
    const { socket, factory, onClosedForGood } = setup({
      getToken: () => Promise.reject(new ApiError(401, "Not signed in.")),
    });
    socket.start();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(factory.sockets).toHaveLength(0);
    expect(onClosedForGood).toHaveBeenCalledWith(4401, "Not signed in.");
  });

  it("keeps retrying while the server cannot be reached for a token", async () => {
    let calls = 0;
    const { socket, factory } = setup({
      getToken: async () => {
        calls += 1;
        if (calls < 3) throw new ApiError(0, "Cannot reach the server.");
        return "token-1";
      },
    });
    socket.start();
    await vi.advanceTimersByTimeAsync(300);
    expect(calls).toBe(3);
    expect(factory.sockets).toHaveLength(1);
    socket.stop();
  });

  it("pings periodically and reconnects when nothing answers", async () => {
    const { socket, factory, statuses } = setup();
    socket.start();
    await flush();
    const first = factory.last;
    first.accept();
    first.receive(hello());

    await vi.advanceTimersByTimeAsync(1_000);
    expect(first.sent).toEqual([{ type: "ping" }]);
    first.receive({ type: "pong" });
    await vi.advanceTimersByTimeAsync(1_000);
    expect(first.sent).toEqual([{ type: "ping" }, { type: "ping" }]);

    // No pong this time: after the timeout the connection counts as dead.
    await vi.advanceTimersByTimeAsync(500);
    expect(first.closedByClient?.code).toBe(4000);
    expect(statuses.at(-1)).toBe("reconnecting");
    await vi.advanceTimersByTimeAsync(100);
    expect(factory.sockets).toHaveLength(2);
    socket.stop();
  });

  it("does not send while not connected, and stop() closes without reconnecting", async () => {
    const { socket, factory } = setup();
    socket.start();
    await flush();
    expect(socket.send({ type: "typing", room_id: 7 })).toBe(false); // no hello yet
    factory.last.accept();
    factory.last.receive(hello());
    expect(socket.send({ type: "typing", room_id: 7 })).toBe(true);

    socket.stop();
    expect(factory.last.closedByClient?.code).toBe(1000);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(factory.sockets).toHaveLength(1);
  });
});
