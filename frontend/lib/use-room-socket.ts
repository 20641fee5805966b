// React binding of one room: loads the newest history page, opens a RoomSocket resuming
// from it, and turns each server frame into reducer actions through a handler map.
// Mount it under a `key` of the room id, so switching rooms starts from fresh state.

import { useCallback, useEffect, useReducer, useRef, useState } from "react";

import { ApiError, describeError } from "./api-error";
import { CLOSE_CODES, LIMITS, type FrameOf, type ServerFrame, type ServerFrameType } from "./api-types";
import { api as defaultApi } from "./api";
import type { ChatApi } from "./chat-api";
import { newClientId } from "./client-id";
import { initialMessageListState, messageListReducer, type MessageListState } from "./message-list";
import { initialPresenceState, presenceReducer, type PresenceState } from "./presence";
import { RoomSocket, type ConnectionStatus, type WebSocketFactory } from "./room-socket";

/** A sent frame with no echo after this long is marked failed, with a retry button. */
const SEND_TIMEOUT_MS = 10_000;
/** How long "X is typing…" stays without a new typing frame. */
const TYPING_TTL_MS = 5_000;
/** Typing frames are throttled to one per this interval; the TTL above outlives it. */
const TYPING_THROTTLE_MS = 3_000;
/** Messages loaded on each side of a message jumped to. */
const AROUND = 25;

export type FrameHandlers = { [T in ServerFrameType]?: (frame: FrameOf<T>) => void };

export function dispatchFrame(handlers: FrameHandlers, frame: ServerFrame): void {
  const handler = handlers[frame.type] as ((frame: ServerFrame) => void) | undefined;
  handler?.(frame);
}

export interface RoomSocketView {
  status: ConnectionStatus;
  list: MessageListState;
  presence: PresenceState;
  /** Why the room is closed for good (deleted, access removed), or null. */
  closedReason: string | null;
  /** The last problem worth telling the person about (failed load, server error frame). */
  notice: string | null;
  send(body: string): void;
  retry(clientId: string): void;
  discard(clientId: string): void;
  loadOlder(): void;
  /** After a jump: the next page towards the newest message. */
  loadNewer(): void;
  /** After a jump: back to the newest messages. */
  jumpToLatest(): void;
  notifyTyping(): void;
  edit(messageId: number, body: string): Promise<void>;
  remove(messageId: number): Promise<void>;
  /** Adds (`on`) or takes back one of the person's reactions. */
  react(messageId: number, emoji: string, on: boolean): Promise<void>;
}

export interface UseRoomSocketOptions {
  api?: ChatApi;
  createSocket?: WebSocketFactory;
  /** Called when the server says the room is gone or no longer ours. */
  onRoomClosed?: (roomId: number) => void;
  /** Open the room around this message (a search result) instead of at its newest. */
  focusMessageId?: number | null;
  /** The person's read marker moved, in this room or any other (a `read` frame). */
  onRead?: (roomId: number, messageId: number) => void;
}

export function useRoomSocket(roomId: number, options: UseRoomSocketOptions = {}): RoomSocketView {
  const api = options.api ?? defaultApi;
  const { createSocket, onRoomClosed, onRead } = options;
  const focusMessageId = options.focusMessageId ?? null;
  const [list, dispatch] = useReducer(messageListReducer, initialMessageListState);
  const [presence, dispatchPresence] = useReducer(presenceReducer, initialPresenceState);
  const [status, setStatus] = useState<ConnectionStatus>("connecting");
  const [closedReason, setClosedReason] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);

  const socketRef = useRef<RoomSocket | null>(null);
  // The latest state, for callbacks and frame handlers that outlive a render.
  const listRef = useRef(list);
  const onRoomClosedRef = useRef(onRoomClosed);
  const onReadRef = useRef(onRead);
  /** Who this socket belongs to (from `hello`): reaction frames change only their flags. */
  const myIdRef = useRef<number | null>(null);
  /** client_ids sent on the socket and not yet echoed, oldest first: an `error` frame
   *  carries no client_id, but the server answers one socket's frames in order. */
  const awaitingEcho = useRef<string[]>([]);
  const sendTimers = useRef(new Map<string, ReturnType<typeof setTimeout>>());
  const lastTypingSent = useRef(0);

  useEffect(() => {
    listRef.current = list;
    onRoomClosedRef.current = onRoomClosed;
    onReadRef.current = onRead;
  });

  const settle = useCallback((clientId: string) => {
    awaitingEcho.current = awaitingEcho.current.filter((id) => id !== clientId);
    const timer = sendTimers.current.get(clientId);
    if (timer !== undefined) clearTimeout(timer);
    sendTimers.current.delete(clientId);
  }, []);

  const fail = useCallback(
    (clientId: string, error: string) => {
      settle(clientId);
      dispatch({ type: "sendFailed", clientId, error });
    },
    [settle],
  );

  /** Over the socket when it is up; otherwise over HTTP (idempotent by client_id too). */
  const transmit = useCallback(
    (clientId: string, body: string) => {
      const socket = socketRef.current;
      if (socket?.send({ type: "message", body, client_id: clientId })) {
        awaitingEcho.current.push(clientId);
        sendTimers.current.set(
          clientId,
          setTimeout(() => fail(clientId, "Not confirmed by the server."), SEND_TIMEOUT_MS),
        );
        return;
      }
      api.messages.send(roomId, body, clientId).then(
        (message) => dispatch({ type: "received", message }),
        (error: unknown) => fail(clientId, describeError(error)),
      );
    },
    [api, roomId, fail],
  );

  useEffect(() => {
    let cancelled = false;
    let socket: RoomSocket | null = null;
    const timers = sendTimers.current;

    const loadLatest = async (): Promise<number | null> => {
      const page = await api.messages.history(roomId, { limit: LIMITS.historyPage });
      if (!cancelled) dispatch({ type: "pageLoaded", messages: page.messages, hasMore: page.has_more, position: "latest" });
      return page.messages.at(-1)?.id ?? null;
    };

    /** The messages around `focus`; the resume point, or null while newer ones remain to page. */
    const loadAround = async (focus: number): Promise<number | null> => {
      const [upTo, after] = await Promise.all([
        api.messages.history(roomId, { before: focus + 1, limit: AROUND }),
        api.messages.history(roomId, { after: focus, limit: AROUND }),
      ]);
      const messages = [...upTo.messages, ...after.messages];
      if (!cancelled) {
        dispatch({ type: "windowLoaded", messages, hasOlder: upTo.has_more, hasNewer: after.has_more });
      }
      return after.has_more ? null : (messages.at(-1)?.id ?? 0);
    };

    const closeRoom = (reason: string) => {
      setClosedReason(reason);
      onRoomClosedRef.current?.(roomId);
    };

    const handlers: FrameHandlers = {
      hello: (frame) => {
        myIdRef.current = frame.user.id;
        // Opened away from the newest (a jump): resume from the room's newest after a drop;
        // what lies between comes from paging forward.
        if (socket && socket.lastMessageId === null && frame.last_message_id !== null) {
          socket.noteMessageId(frame.last_message_id);
        }
        dispatchPresence({ type: "snapshot", online: frame.online });
        if (!listRef.current.loaded) {
          loadLatest().catch((error: unknown) => setNotice(describeError(error)));
        }
        // Anything still pending may have been lost with the old connection: send it again
        // under the same client_id, so the server stores it at most once. The echo queue
        // belongs to one connection, so it starts empty on each.
        awaitingEcho.current = [];
        for (const item of listRef.current.outbox) {
          if (item.status !== "pending") continue;
          settle(item.clientId);
          transmit(item.clientId, item.body);
        }
      },
      message: ({ message }) => {
        if (message.client_id) settle(message.client_id);
        dispatchPresence({ type: "spoke", userId: message.sender.id });
        dispatch({ type: "received", message });
      },
      message_updated: ({ message }) => dispatch({ type: "updated", message }),
      message_deleted: ({ message_id }) => dispatch({ type: "deleted", messageId: message_id }),
      presence: ({ event, user }) => dispatchPresence({ type: event === "join" ? "joined" : "left", user }),
      typing: ({ user }) => dispatchPresence({ type: "typing", user, until: Date.now() + TYPING_TTL_MS }),
      error: ({ code, detail }) => {
        const head = awaitingEcho.current[0];
        if ((code === "invalid_message" || code === "rate_limited") && head !== undefined) {
          fail(head, detail);
        } else {
          setNotice(detail);
        }
      },
      reaction: ({ message, user, emoji, added }) => {
        if (myIdRef.current !== null) dispatch({ type: "reaction", message, user, emoji, added, myId: myIdRef.current });
      },
      read: ({ room_id, message_id }) => onReadRef.current?.(room_id, message_id),
      room_deleted: () => {
        socket?.stop();
        closeRoom("This room was deleted.");
      },
      gap: () => dispatch({ type: "gap" }),
    };

    const open = (since: number | null) => {
      if (cancelled) return;
      socket = new RoomSocket({
        roomId,
        since,
        createSocket,
        getToken: () => api.client.getAccessToken(),
        renewToken: () => api.client.refresh(),
        onFrame: (frame) => dispatchFrame(handlers, frame),
        onStatus: setStatus,
        onClosedForGood: (code) => {
          if (code === CLOSE_CODES.noSuchRoom) closeRoom("This room no longer exists.");
          else if (code === CLOSE_CODES.forbidden) {
            closeRoom("You no longer have access to this room.");
            // A deactivated account is also refused here: a refresh that fails ends the session.
            api.client.refresh().catch(() => undefined);
          }
        },
      });
      socketRef.current = socket;
      socket.start();
    };

    // History first, then the socket resuming right after it: nothing between the two is
    // missed. If history fails (server down), the socket's hello retries it.
    const first = focusMessageId !== null ? loadAround(focusMessageId) : loadLatest().then((id) => id ?? 0);
    first.then(
      (lastId) => open(lastId),
      (error: unknown) => {
        if (cancelled) return;
        if (error instanceof ApiError && error.status === 404) closeRoom("This room no longer exists.");
        else open(null);
      },
    );

    const unsubscribe = api.client.onTokenChange((token) => {
      if (token) socket?.sendAuth(token);
    });

    return () => {
      cancelled = true;
      unsubscribe();
      socket?.stop();
      socketRef.current = null;
      for (const timer of timers.values()) clearTimeout(timer);
      timers.clear();
    };
  }, [api, roomId, createSocket, settle, transmit, fail, focusMessageId]);

  // Typing indicators expire on their own: typing frames have no "stopped" counterpart.
  const anyoneTyping = presence.typing.length > 0;
  useEffect(() => {
    if (!anyoneTyping) return;
    const timer = setInterval(() => dispatchPresence({ type: "expire", now: Date.now() }), 1_000);
    return () => clearInterval(timer);
  }, [anyoneTyping]);

  const jumpToLatest = useCallback(() => {
    api.messages.history(roomId, { limit: LIMITS.historyPage }).then(
      (page) => {
        dispatch({ type: "windowLoaded", messages: page.messages, hasOlder: page.has_more, hasNewer: false });
        const last = page.messages.at(-1);
        if (last) socketRef.current?.noteMessageId(last.id);
      },
      (error: unknown) => setNotice(describeError(error)),
    );
  }, [api, roomId]);

  const loadNewer = useCallback(() => {
    const current = listRef.current;
    const newest = current.messages.at(-1);
    if (current.loadingNewer || !current.hasNewer || !newest) return;
    dispatch({ type: "newerRequested" });
    api.messages.history(roomId, { after: newest.id, limit: LIMITS.historyPage }).then(
      (page) => {
        dispatch({ type: "pageLoaded", messages: page.messages, hasMore: page.has_more, position: "newer" });
        const last = page.messages.at(-1);
        if (last) socketRef.current?.noteMessageId(last.id);
      },
      (error: unknown) => {
        dispatch({ type: "newerFailed" });
        setNotice(describeError(error));
      },
    );
  }, [api, roomId]);

  const send = useCallback(
    (body: string) => {
      // Writing from a window far back: the conversation (and this message) is at the newest.
      if (listRef.current.hasNewer) jumpToLatest();
      const clientId = newClientId();
      dispatch({ type: "sendStarted", clientId, body, createdAt: new Date().toISOString() });
      transmit(clientId, body);
    },
    [transmit, jumpToLatest],
  );

  const retry = useCallback(
    (clientId: string) => {
      const item = listRef.current.outbox.find((o) => o.clientId === clientId);
      if (!item) return;
      dispatch({ type: "retryStarted", clientId });
      transmit(clientId, item.body);
    },
    [transmit],
  );

  const discard = useCallback(
    (clientId: string) => {
      settle(clientId);
      dispatch({ type: "discarded", clientId });
    },
    [settle],
  );

  const loadOlder = useCallback(() => {
    const current = listRef.current;
    const oldest = current.messages[0];
    if (current.loadingOlder || !current.hasMore || !oldest) return;
    dispatch({ type: "olderRequested" });
    api.messages.history(roomId, { before: oldest.id, limit: LIMITS.historyPage }).then(
      (page) => dispatch({ type: "pageLoaded", messages: page.messages, hasMore: page.has_more, position: "older" }),
      (error: unknown) => {
        dispatch({ type: "olderFailed" });
        setNotice(describeError(error));
      },
    );
  }, [api, roomId]);

  const notifyTyping = useCallback(() => {
    const now = Date.now();
    if (now - lastTypingSent.current < TYPING_THROTTLE_MS) return;
    if (socketRef.current?.send({ type: "typing" })) lastTypingSent.current = now;
  }, []);

  const edit = useCallback(
    async (messageId: number, body: string) => {
      const message = await api.messages.edit(messageId, body);
      dispatch({ type: "updated", message });
    },
    [api],
  );

  const remove = useCallback(
    async (messageId: number) => {
      await api.messages.remove(messageId);
      dispatch({ type: "deleted", messageId });
    },
    [api],
  );

  const react = useCallback(
    async (messageId: number, emoji: string, on: boolean) => {
      const message = on ? await api.messages.react(messageId, emoji) : await api.messages.unreact(messageId, emoji);
      dispatch({ type: "reactionsSet", message });
    },
    [api],
  );

  return {
    status,
    list,
    presence,
    closedReason,
    notice,
    send,
    retry,
    discard,
    loadOlder,
    loadNewer,
    jumpToLatest,
    notifyTyping,
    edit,
    remove,
    react,
  };
}
