// The app's connection (AppConnectionProvider) over the fake backend and fake sockets, with the
// server's side of the socket at hand; and useRoomChannel rendered inside it.

import { act, renderHook } from "@testing-library/react";
import { createElement, type ReactNode } from "react";

import type { Message, Room, RoomMember, ServerFrame, UserPublic } from "../../lib/api-types";
import { AppConnectionProvider, useAppConnection } from "../../lib/app-connection";
import { useRoomChannel, type UseRoomChannelOptions } from "../../lib/use-room-channel";
import { fakeBackend } from "./fake-backend";
import { alice, hello as helloFrame, message, room as roomOf } from "./factories";
import { fakeSocketFactory } from "./fake-websocket";
import { flush } from "./timers";

export interface ConnectionSetup {
  /** What the server holds in `room` (default: messages 1 to 3). */
  stored?: Message[];
  room?: Room;
  /** Every room `GET /rooms` lists (default: just `room`). */
  rooms?: Room[];
  members?: RoomMember[];
  /** What the server says first on each socket (default: hello with `room`). */
  hello?: ServerFrame;
  user?: UserPublic;
}

function connectionHarness({ stored, room = roomOf(1), rooms, members, hello, user = alice }: ConnectionSetup) {
  const backend = fakeBackend(stored ?? [message(1), message(2), message(3)], { room, rooms, members });
  const sockets = fakeSocketFactory();
  const wrapper = ({ children }: { children: ReactNode }) =>
    createElement(AppConnectionProvider, { user, api: backend.api, createSocket: sockets.create, origin: "ws://chat.test", children });
  const greeting = hello ?? helloFrame({ rooms: rooms ?? [room] });
  /** The server side of the current socket, once the page has asked: accept and say hello. */
  const connect = async (frame: ServerFrame = greeting) => {
    await flush();
    act(() => {
      sockets.last.accept();
      sockets.last.receive(frame);
    });
    await flush();
  };
  const receive = (frame: ServerFrame) => act(() => sockets.last.receive(frame));
  return { ...backend, sockets, wrapper, connect, receive };
}

/** Any hook inside a connection, with the connection as the page sees it. */
export function renderWithConnection<T>(useHook: () => T, setup: ConnectionSetup = {}) {
  const harness = connectionHarness(setup);
  const hook = renderHook(() => ({ value: useHook(), connection: useAppConnection() }), { wrapper: harness.wrapper });
  return { ...harness, hook, value: () => hook.result.current.value, state: () => hook.result.current.connection.state };
}

/** The connection alone: its state, as the chat page sees it. */
export function renderConnection(setup: ConnectionSetup = {}) {
  const harness = connectionHarness(setup);
  const hook = renderHook(() => useAppConnection(), { wrapper: harness.wrapper });
  return { ...harness, hook, connection: () => hook.result.current, state: () => hook.result.current.state };
}

export interface RoomHookSetup extends ConnectionSetup, Pick<UseRoomChannelOptions, "focusMessageId" | "onRead" | "onActive"> {}

/** The open room's hook, inside a connection. */
export function renderRoomChannel({ focusMessageId, onRead, onActive, ...setup }: RoomHookSetup = {}) {
  const harness = connectionHarness(setup);
  const roomId = (setup.room ?? roomOf(1)).id;
  const hook = renderHook(
    () => ({ view: useRoomChannel(roomId, { focusMessageId, onRead, onActive }), connection: useAppConnection() }),
    { wrapper: harness.wrapper },
  );
  return {
    ...harness,
    hook,
    view: () => hook.result.current.view,
    state: () => hook.result.current.connection.state,
    /** Frames the page sent on the socket, but pings. */
    sent: () => harness.sockets.last.sent.filter((f) => f.type !== "ping"),
  };
}
