// React binding of one room: loads the newest history page, opens a RoomSocket resuming
// from it, and turns each server frame into reducer actions through a handler map.
// Mount it under a `key` of the room id, so switching rooms starts from fresh state.
// The message list and its paging live in use-room-history, the person's messages on their
// way in use-outbox; this hook owns the socket, presence and typing, and wires the three.

import { useCallback, useEffect, useReducer, useRef, useState } from "react";

import { CLOSE_CODES } from "./api-constants";
import { ApiError, describeError } from "./api-error";
import type { ClientFrame, FrameOf, ServerFrame, ServerFrameType } from "./api-types";
import { api as defaultApi } from "./api";
import type { ChatApi } from "./chat-api";
import type { MessageListState } from "./message-list";
import { initialPresenceState, presenceReducer, type PresenceState } from "./presence";
import { RoomSocket, type ConnectionStatus, type WebSocketFactory } from "./room-socket";
import { signOutReasonOfClose } from "./sign-out-reason";
import { useOutbox } from "./use-outbox";
import { useRoomHistory } from "./use-room-history";

/** How long "X is typing…" stays without a new typing frame. */
const TYPING_TTL_MS = 5_000;
/** Typing frames are throttled to one per this interval; the TTL above outlives it. */
const TYPING_THROTTLE_MS = 3_000;

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
  const [presence, dispatchPresence] = useReducer(presenceReducer, initialPresenceState);
  const [status, setStatus] = useState<ConnectionStatus>("connecting");
  const [closedReason, setClosedReason] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);

  const socketRef = useRef<RoomSocket | null>(null);
  // The latest callbacks, for frame handlers that outlive a render.
  const onRoomClosedRef = useRef(onRoomClosed);
  const onReadRef = useRef(onRead);
  /** Who this socket belongs to (from `hello`): reaction frames change only their flags. */
  const myIdRef = useRef<number | null>(null);
  const lastTypingSent = useRef(0);

  useEffect(() => {
    onRoomClosedRef.current = onRoomClosed;
    onReadRef.current = onRead;
  });

  const history = useRoomHistory(roomId, api, {
    onNewest: (messageId) => socketRef.current?.noteMessageId(messageId),
    onError: (error) => setNotice(describeError(error)),
  });
  const { dispatch, current, loadLatest, loadAround, jumpToLatest } = history;
  const sendFrame = useCallback((frame: ClientFrame) => socketRef.current?.send(frame) ?? false, []);
  const outbox = useOutbox(roomId, { api, dispatch, current, sendFrame });
  const { send: sendNow, confirmed, refuseOldest, resendPending, stop: stopOutbox } = outbox;

  useEffect(() => {
    let cancelled = false;
    let socket: RoomSocket | null = null;
    const live = () => !cancelled;

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
        if (!current().loaded) {
          loadLatest(live).catch((error: unknown) => setNotice(describeError(error)));
        }
        // Anything still pending may have been lost with the old connection: send it again
        // under the same client_id, so the server stores it at most once.
        resendPending();
      },
      message: ({ message }) => {
        if (message.client_id) confirmed(message.client_id);
        dispatchPresence({ type: "spoke", userId: message.sender.id });
        dispatch({ type: "received", message });
      },
      message_updated: ({ message }) => dispatch({ type: "updated", message }),
      message_deleted: ({ message_id }) => dispatch({ type: "deleted", messageId: message_id }),
      presence: ({ event, user }) => dispatchPresence({ type: event === "join" ? "joined" : "left", user }),
      typing: ({ user }) => dispatchPresence({ type: "typing", user, until: Date.now() + TYPING_TTL_MS }),
      error: ({ code, detail }) => {
        const aboutASend = code === "invalid_message" || code === "rate_limited";
        if (!(aboutASend && refuseOldest(detail))) setNotice(detail);
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
        onClosedForGood: (code, reason) => {
          // Refused for a reason that ends the session (4403 "account is deactivated" on
          // connecting): the login page says why.
          const signOut = signOutReasonOfClose(code, reason);
          if (signOut) {
            api.client.forget(signOut);
            return;
          }
          if (code === CLOSE_CODES.noSuchRoom) closeRoom("This room no longer exists.");
          else if (code === CLOSE_CODES.forbidden) {
            closeRoom("You no longer have access to this room.");
            // A deactivated account is also refused here: a refresh that fails ends the session.
            // The server closes a deactivated account's sockets with a bare 4403 and revokes all
            // its devices (a device signed out elsewhere gets 4401), so a refresh refused as "not
            // valid" right after this close means the account was deactivated.
            api.client.refresh({ revokedReason: "deactivated" }).catch(() => undefined);
          }
        },
      });
      socketRef.current = socket;
      socket.start();
    };

    // History first, then the socket resuming right after it: nothing between the two is
    // missed. If history fails (server down), the socket's hello retries it.
    const first = focusMessageId !== null ? loadAround(focusMessageId, live) : loadLatest(live).then((id) => id ?? 0);
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
      stopOutbox();
    };
  }, [
    api,
    roomId,
    createSocket,
    focusMessageId,
    dispatch,
    current,
    loadLatest,
    loadAround,
    confirmed,
    refuseOldest,
    resendPending,
    stopOutbox,
  ]);

  // Typing indicators expire on their own: typing frames have no "stopped" counterpart.
  const anyoneTyping = presence.typing.length > 0;
  useEffect(() => {
    if (!anyoneTyping) return;
    const timer = setInterval(() => dispatchPresence({ type: "expire", now: Date.now() }), 1_000);
    return () => clearInterval(timer);
  }, [anyoneTyping]);

  const send = useCallback(
    (body: string) => {
      // Writing from a window far back: the conversation (and this message) is at the newest.
      if (current().hasNewer) jumpToLatest();
      sendNow(body);
    },
    [current, jumpToLatest, sendNow],
  );

  const notifyTyping = useCallback(() => {
    const now = Date.now();
    if (now - lastTypingSent.current < TYPING_THROTTLE_MS) return;
    if (sendFrame({ type: "typing" })) lastTypingSent.current = now;
  }, [sendFrame]);

  return {
    status,
    list: history.list,
    presence,
    closedReason,
    notice,
    send,
    retry: outbox.retry,
    discard: outbox.discard,
    loadOlder: history.loadOlder,
    loadNewer: history.loadNewer,
    jumpToLatest,
    notifyTyping,
    edit: history.edit,
    remove: history.remove,
    react: history.react,
  };
}
