// The app's one live connection, for every page of a signed-in person: an AppSocket on `/ws`,
// the state it keeps (app-state.ts: rooms, unread counts, presence), and the frames of each room
// passed on to whoever shows that room (use-room-channel.ts). No polling: the room list is read
// over HTTP once (for the public rooms one could join), then follows the socket; a room's count
// is read again only when a frame leaves it unknown (a gap, a read part of the way).

import { createContext, useCallback, useContext, useEffect, useMemo, useReducer, useRef, useState, type ReactNode } from "react";

import { api as defaultApi } from "./api";
import { describeError } from "./api-error";
import { AppSocket, type ConnectionStatus, type WebSocketFactory } from "./app-socket";
import type { ClientFrame, FrameOf, ServerFrame, UserPublic } from "./api-types";
import { appReducer, frameRoomId, initialAppState, refreshFor, type AppAction, type AppState } from "./app-state";
import type { ChatApi } from "./chat-api";
import { signOutReasonOfClose } from "./sign-out-reason";

/** Frames about one room (and those about every room: hello, a gap or error naming none). */
export type RoomListener = (frame: ServerFrame) => void;

/** Every frame, with the state as it was before the frame was applied. */
export type FrameListener = (frame: ServerFrame, before: AppState) => void;

export interface AppConnection {
  api: ChatApi;
  status: ConnectionStatus;
  state: AppState;
  /** Sends a frame; false when the socket is not connected (the caller may use HTTP). */
  send(frame: ClientFrame): boolean;
  /** Listens to one room's frames; returns the way to stop. */
  subscribe(roomId: number, listener: RoomListener): () => void;
  /** Listens to presence frames (someone came online or went offline); returns the way to stop. */
  subscribePresence(listener: (frame: FrameOf<"presence">) => void): () => void;
  /** Listens to every frame (notifications); returns the way to stop. */
  subscribeAll(listener: FrameListener): () => void;
  /** Applies what an HTTP answer said (joined, left, renamed). */
  dispatch(action: AppAction): void;
  /** Why the room list could not be read, if it could not. */
  error: string | null;
}

const AppConnectionContext = createContext<AppConnection | null>(null);

export interface AppConnectionProviderProps {
  /** The signed-in person; null: no connection. */
  user: UserPublic | null;
  api?: ChatApi;
  createSocket?: WebSocketFactory;
  /** ws://host; defaults to the page's own. */
  origin?: string;
  children: ReactNode;
}

/** Mount it with key={user.id}: another person starts from nothing. */
export function AppConnectionProvider({ user, api = defaultApi, createSocket, origin, children }: AppConnectionProviderProps) {
  const [state, dispatch] = useReducer(appReducer, user, initialAppState);
  const [status, setStatus] = useState<ConnectionStatus>("connecting");
  const [error, setError] = useState<string | null>(null);
  const socketRef = useRef<AppSocket | null>(null);
  const stateRef = useRef(state);
  const listeners = useRef(new Map<number, Set<RoomListener>>());
  const presenceListeners = useRef(new Set<(frame: FrameOf<"presence">) => void>());
  const frameListeners = useRef(new Set<FrameListener>());
  const userId = user?.id ?? null;

  useEffect(() => {
    stateRef.current = state;
  });

  const refreshRoom = useCallback(
    (roomId: number) => {
      api.rooms.get(roomId).then(
        (room) => dispatch({ type: "roomFetched", room }),
        () => undefined, // gone or no longer ours: its room_removed says so
      );
    },
    [api],
  );

  useEffect(() => {
    if (userId === null) return;
    let cancelled = false;

    const deliver = (frame: ServerFrame) => {
      if (frame.type === "presence") {
        for (const listener of [...presenceListeners.current]) listener(frame);
        return;
      }
      const roomId = frameRoomId(frame);
      if (roomId === undefined) return;
      const targets =
        roomId === null ? [...listeners.current.values()].flatMap((set) => [...set]) : [...(listeners.current.get(roomId) ?? [])];
      for (const listener of targets) listener(frame);
    };

    const reloadAll = async () => {
      try {
        const rooms = await api.rooms.list();
        if (cancelled) return;
        dispatch({ type: "roomsListed", rooms });
        for (const room of rooms) if (room.joined) dispatch({ type: "roomFetched", room });
      } catch {
        // The counts stay as they were; the next frame or reconnect brings news.
      }
    };

    const onFrame = (frame: ServerFrame) => {
      // Decided on the state before the frame; the reducer then applies it.
      const before = stateRef.current;
      const stale = refreshFor(before, frame);
      if (stale === "all") void reloadAll();
      else for (const roomId of stale) refreshRoom(roomId);
      dispatch({ type: "frame", frame });
      // Until the render, stateRef holds the state before the frame: the next frame of the same
      // task must see this one applied (a copy of a message is then not counted twice).
      stateRef.current = appReducer(before, { type: "frame", frame });
      deliver(frame);
      for (const listener of [...frameListeners.current]) listener(frame, before);
    };

    // The public rooms to join, and the person's rooms until the socket's hello says them. No
    // frame announces a new public room, so they are read again when the page gets the focus
    // back (not on a timer: the person's own rooms and counts come from the socket).
    const listRooms = () =>
      api.rooms.list().then(
        (rooms) => {
          if (cancelled) return;
          dispatch({ type: "roomsListed", rooms });
          setError(null);
        },
        (err: unknown) => {
          if (!cancelled) setError(describeError(err));
        },
      );
    void listRooms();
    const onFocus = () => {
      if (document.visibilityState === "visible") void listRooms();
    };
    window.addEventListener("focus", onFocus);

    const socket = new AppSocket({
      createSocket,
      origin,
      getToken: () => api.client.getAccessToken(),
      renewToken: () => api.client.refresh(),
      onFrame,
      onStatus: setStatus,
      onClosedForGood: (code, reason) => {
        // Refused for a reason that ends the session (4403 "account is deactivated"): the
        // login page says why.
        const signOut = signOutReasonOfClose(code, reason);
        if (signOut) {
          api.client.forget(signOut);
          return;
        }
        // The server closes a deactivated account's sockets with a bare 4403 and revokes all
        // its devices (a device signed out elsewhere gets 4401), so a refresh refused as "not
        // valid" right after this close means the account was deactivated.
        api.client.refresh({ revokedReason: "deactivated" }).catch(() => undefined);
      },
    });
    socketRef.current = socket;
    socket.start();
    const unsubscribe = api.client.onTokenChange((token) => {
      if (token) socket.sendAuth(token);
    });
    return () => {
      cancelled = true;
      window.removeEventListener("focus", onFocus);
      unsubscribe();
      socket.stop();
      socketRef.current = null;
    };
  }, [api, userId, createSocket, origin, refreshRoom]);

  const send = useCallback((frame: ClientFrame) => socketRef.current?.send(frame) ?? false, []);

  const subscribe = useCallback((roomId: number, listener: RoomListener) => {
    const map = listeners.current;
    let set = map.get(roomId);
    if (!set) {
      set = new Set();
      map.set(roomId, set);
    }
    set.add(listener);
    return () => {
      const current = map.get(roomId);
      current?.delete(listener);
      if (current?.size === 0) map.delete(roomId);
    };
  }, []);

  const subscribePresence = useCallback((listener: (frame: FrameOf<"presence">) => void) => {
    presenceListeners.current.add(listener);
    return () => {
      presenceListeners.current.delete(listener);
    };
  }, []);

  const subscribeAll = useCallback((listener: FrameListener) => {
    frameListeners.current.add(listener);
    return () => {
      frameListeners.current.delete(listener);
    };
  }, []);

  const value = useMemo<AppConnection>(
    () => ({ api, status, state, send, subscribe, subscribePresence, subscribeAll, dispatch, error }),
    [api, status, state, send, subscribe, subscribePresence, subscribeAll, error],
  );
  return <AppConnectionContext.Provider value={value}>{children}</AppConnectionContext.Provider>;
}

export function useAppConnection(): AppConnection {
  const value = useContext(AppConnectionContext);
  if (!value) throw new Error("useAppConnection must be used inside <AppConnectionProvider>");
  return value;
}
