// The app's one connection as the pages use it: one socket for everything, the room list and
// counts following its frames with no polling, counts read again only when a frame leaves them
// unknown, room frames passed to whoever listens to that room, resume after the newest message
// of any room, and the session ended when the server refuses the socket for good.

import { act } from "@testing-library/react";
import { describe, expect, it, vi } from "vitest";

import type { ServerFrame } from "../lib/api-types";
import { advance, bob, carol, fakeTimersInEachTest, flush, hello, message, renderConnection, room } from "./support";

fakeTimersInEachTest();

const general = room(1, { name: "general", last_message_id: 10, last_read_id: 10 });
const news = room(2, { name: "news", last_message_id: 20, last_read_id: 15, unread_count: 3 });
const lobby = room(3, { name: "lobby", joined: false });
const setup = () => renderConnection({ rooms: [general, news, lobby], hello: hello({ rooms: [general, news], last_message_id: 20 }) });
const names = (t: ReturnType<typeof setup>) => t.state().rooms?.map((r) => r.name);

describe("the app's connection", () => {
  it("opens one socket on /ws for the whole app, and reads the room list once", async () => {
    const t = setup();
    await t.connect();
    expect(t.sockets.sockets).toHaveLength(1);
    expect(t.sockets.last.url).toBe("ws://chat.test/ws");
    expect(t.sockets.last.protocols).toEqual(["bearer", "access-2"]);
    expect(t.connection().status).toBe("connected");
    expect(names(t)).toEqual(["general", "news"]);
    expect(t.state().joinable.map((r) => r.name)).toEqual(["lobby"]);

    // Time passes: nothing is polled.
    await advance(60_000);
    expect(t.requests.filter((r) => r.startsWith("GET /api/v1/rooms"))).toEqual(["GET /api/v1/rooms"]);
  });

  it("keeps the list, the counts and who is online live from frames", async () => {
    const t = setup();
    await t.connect();
    const dm = room(9, { name: "carol", is_direct: true, is_private: true, last_message_id: 30 });
    t.receive({ type: "room_added", room: dm });
    t.receive({ type: "message", message: message(31, { room_id: 9, sender: carol }) });
    t.receive({ type: "message", message: message(32, { room_id: 2, sender: bob }) });
    t.receive({ type: "presence", event: "join", online: true, user: carol });
    expect(names(t)).toEqual(["general", "news", "carol"]);
    expect(t.state().rooms?.map((r) => r.unread_count)).toEqual([0, 4, 1]);
    expect(t.state().online[carol.id]).toBe(true);

    t.receive({ type: "room_removed", room_id: 9, reason: "removed" });
    expect(names(t)).toEqual(["general", "news"]);
  });

  it("reads a room's count again when a frame leaves it unknown, and every room's on a gap naming none", async () => {
    const t = setup();
    await t.connect();
    t.rooms[1] = { ...news, last_read_id: 18, unread_count: 2 };
    t.receive({ type: "read", room_id: 2, message_id: 18 }); // part of the way
    await flush();
    expect(t.requests.at(-1)).toBe("GET /api/v1/rooms/2");
    expect(t.state().rooms?.find((r) => r.id === 2)?.unread_count).toBe(2);

    t.rooms[0] = { ...general, unread_count: 6 };
    t.receive({ type: "gap", room_id: null });
    await flush();
    expect(t.state().rooms?.map((r) => r.unread_count)).toEqual([6, 2]);
  });

  it("passes each room's frames to that room's listeners only, and frames for every room to all", async () => {
    const t = setup();
    await t.connect();
    const inNews: ServerFrame[] = [];
    const inGeneral: ServerFrame[] = [];
    let stop: () => void = () => undefined;
    act(() => {
      stop = t.connection().subscribe(2, (f) => inNews.push(f));
      t.connection().subscribe(1, (f) => inGeneral.push(f));
    });
    t.receive({ type: "message", message: message(21, { room_id: 2, sender: bob }) });
    t.receive({ type: "typing", room_id: 1, user: bob });
    t.receive({ type: "error", code: "bad_request", detail: "what?" });
    t.receive({ type: "presence", event: "join", online: true, user: carol });
    stop();
    t.receive({ type: "message", message: message(22, { room_id: 2, sender: bob }) });
    expect(inNews.map((f) => f.type)).toEqual(["message", "error"]);
    expect(inGeneral.map((f) => f.type)).toEqual(["typing", "error"]);
  });

  it("reconnects after a drop resuming after the newest message of any room, with no duplicates", async () => {
    const t = setup();
    await t.connect();
    t.receive({ type: "message", message: message(25, { room_id: 1, sender: bob }) });
    t.receive({ type: "message", message: message(24, { room_id: 2, sender: bob }) });
    act(() => t.sockets.last.serverClose(1012, "restart"));
    expect(t.connection().status).toBe("reconnecting");
    await advance(1_000);
    expect(t.sockets.sockets).toHaveLength(2);
    expect(t.sockets.last.since).toBe("25");

    const counts = hello({ rooms: [{ ...general, last_message_id: 25, unread_count: 1 }, { ...news, last_message_id: 26, unread_count: 5 }] });
    await t.connect(counts);
    // The replay: 25 was seen on the old connection; 26 is new, and hello counted it already.
    t.receive({ type: "message", message: message(25, { room_id: 1, sender: bob }) });
    t.receive({ type: "message", message: message(26, { room_id: 2, sender: bob }) });
    expect(t.state().rooms?.map((r) => r.unread_count)).toEqual([1, 5]);
  });

  it("sends frames only while connected", async () => {
    const t = setup();
    await flush();
    expect(t.connection().send({ type: "typing", room_id: 1 })).toBe(false);
    await t.connect();
    expect(t.connection().send({ type: "typing", room_id: 1 })).toBe(true);
    expect(t.sockets.last.sent).toContainEqual({ type: "typing", room_id: 1 });
  });

  it("renews the socket's token in place when the client refreshes it", async () => {
    const t = setup();
    await t.connect();
    await act(async () => {
      await t.client.refresh();
    });
    expect(t.sockets.last.sent).toContainEqual({ type: "auth", token: "access-2" });
  });

  it("ends the session as deactivated when the socket is refused so", async () => {
    const t = setup();
    await t.connect();
    const reasons: (string | null)[] = [];
    t.client.onTokenChange((token, reason) => {
      if (token === null) reasons.push(reason);
    });
    act(() => t.sockets.last.serverClose(4403, "account is deactivated"));
    expect(reasons).toEqual(["deactivated"]);
  });

  it("ends the session as deactivated when a bare 4403 is followed by a refused refresh", async () => {
    const t = setup();
    await t.connect();
    const reasons: (string | null)[] = [];
    t.client.onTokenChange((token, reason) => {
      if (token === null) reasons.push(reason);
    });
    t.refuseRefresh("refresh token is not valid");
    act(() => t.sockets.last.serverClose(4403));
    await flush();
    expect(reasons).toEqual(["deactivated"]);
    await advance(30_000);
    expect(t.sockets.sockets).toHaveLength(1); // no reconnecting
  });

  it("closes the socket when unmounted (signed out)", async () => {
    const t = setup();
    await t.connect();
    const close = vi.spyOn(t.sockets.last, "close");
    t.hook.unmount();
    expect(close).toHaveBeenCalledWith(1000, "leaving");
  });

  it("shows the rooms from the REST list until the socket's hello comes", async () => {
    const t = setup();
    await flush(); // socket asked for, not answered
    expect(names(t)).toEqual(["general", "news"]);
    expect(t.state().synced).toBe(false);
  });
});
