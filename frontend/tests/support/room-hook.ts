// useRoomSocket rendered over the fake backend and fake sockets, with the server's side of
// the socket at hand.

import { act, renderHook } from "@testing-library/react";

import type { Message, Room, ServerFrame } from "../../lib/api-types";
import { useRoomSocket, type UseRoomSocketOptions } from "../../lib/use-room-socket";
import { fakeBackend } from "./fake-backend";
import { hello as helloFrame, message, room as roomOf } from "./factories";
import { fakeSocketFactory } from "./fake-websocket";
import { flush } from "./timers";

export interface RoomHookSetup extends Pick<UseRoomSocketOptions, "focusMessageId" | "onRead" | "onRoomClosed"> {
  /** What the server holds (default: messages 1 to 3). */
  stored?: Message[];
  room?: Room;
  /** What the server says first on each socket. */
  hello?: ServerFrame;
}

export function renderRoomSocket({ stored, room = roomOf(1), hello = helloFrame(), ...options }: RoomHookSetup = {}) {
  const backend = fakeBackend(stored ?? [message(1), message(2), message(3)], { room });
  const sockets = fakeSocketFactory();
  const hook = renderHook(() => useRoomSocket(room.id, { api: backend.api, createSocket: sockets.create, ...options }));
  /** The server side of the current socket, once history has loaded: accept and say hello. */
  const connect = async () => {
    await flush();
    act(() => {
      sockets.last.accept();
      sockets.last.receive(hello);
    });
  };
  const receive = (frame: ServerFrame) => act(() => sockets.last.receive(frame));
  return { ...backend, sockets, hook, connect, receive, view: () => hook.result.current };
}
