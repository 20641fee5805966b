// React binding of the open room: loads its newest history page (or the messages around one
// jumped to), listens to its frames on the app's one socket (app-connection.tsx), and turns
// each into reducer actions through a handler map. Mount it under a `key` of the room id, so
// switching rooms starts from fresh state.
// The message list and its paging live in use-room-history, the person's messages on their
// way in use-outbox; this hook wires them to the room's frames and owns who is typing.

import { useCallback, useEffect, useReducer, useRef, useState } from "react";

import { ApiError, describeError } from "./api-error";
import type { ClientFrame, FrameOf, ServerFrame, ServerFrameType, UserPublic } from "./api-types";
import { useAppConnection } from "./app-connection";
import type { ConnectionStatus } from "./app-socket";
import type { RemovalReason } from "./app-state";
import type { ChatApi } from "./chat-api";
import type { MessageListState } from "./message-list";
import { typingReducer, type Typist } from "./presence";
import { useOutbox, type SendExtras } from "./use-outbox";
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

const CLOSED_BECAUSE: Record<RemovalReason, string> = {
  left: "You left this room.",
  removed: "You were removed from this room.",
  deleted: "This room was deleted.",
};

export interface RoomChannelView {
  status: ConnectionStatus;
  list: MessageListState;
  typing: Typist[];
  /** Why the room is closed for good (deleted, access removed), or null. */
  closedReason: string | null;
  /** The last problem worth telling the person about (failed load, server error frame). */
  notice: string | null;
  send(body: string, extras?: SendExtras): void;
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
  /** A file of this message would not load (its signed URL expired): read the message again,
   *  once, for fresh URLs. */
  refreshFiles(messageId: number): void;
}

export interface UseRoomChannelOptions {
  /** Default: the connection's. */
  api?: ChatApi;
  /** Open the room around this message (a search result) instead of at its newest. */
  focusMessageId?: number | null;
  /** The person's read marker in this room moved (a `read` frame, from any of their tabs). */
  onRead?: (messageId: number) => void;
  /** Someone wrote or typed in this room (live). */
  onActive?: (user: UserPublic) => void;
}

export function useRoomChannel(roomId: number, options: UseRoomChannelOptions = {}): RoomChannelView {
  const connection = useAppConnection();
  const api = options.api ?? connection.api;
  const { subscribe, send: sendFrame, status } = connection;
  const focusMessageId = options.focusMessageId ?? null;
  const [typing, dispatchTyping] = useReducer(typingReducer, []);
  const [closedReason, setClosedReason] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);

  // The latest callbacks and identity, for frame handlers that outlive a render.
  const optionsRef = useRef(options);
  /** Who is signed in: reaction frames change only their flags. */
  const myIdRef = useRef<number | null>(connection.state.me?.id ?? null);
  const lastTypingSent = useRef(0);
  useEffect(() => {
    optionsRef.current = options;
    myIdRef.current = connection.state.me?.id ?? null;
  });

  const history = useRoomHistory(roomId, api, { onError: (error) => setNotice(describeError(error)) });
  const { dispatch, current, loadLatest, loadAround, jumpToLatest } = history;
  const outbox = useOutbox(roomId, { api, dispatch, current, sendFrame });
  const { send: sendNow, confirmed, refused, refuseOldest, resendPending, stop: stopOutbox } = outbox;

  useEffect(() => {
    let cancelled = false;
    let closed = false;
    const live = () => !cancelled && !closed;
    const report = (error: unknown) => {
      if (!cancelled) setNotice(describeError(error));
    };
    const closeRoom = (reason: string) => {
      closed = true;
      setClosedReason(reason);
      stopOutbox();
    };
    const latest = () => loadLatest(live).catch(report);

    const handlers: FrameHandlers = {
      hello: () => {
        // A new connection: if the first page could not be read (the server was down), now.
        if (!current().loaded && focusMessageId === null) void latest();
        // Anything still pending may have been lost with the old connection: send it again
        // under the same client_id, so the server stores it at most once.
        resendPending();
      },
      message: ({ message }) => {
        if (message.client_id) confirmed(message.client_id);
        dispatchTyping({ type: "spoke", userId: message.sender.id });
        dispatch({ type: "received", message });
        optionsRef.current.onActive?.(message.sender);
      },
      message_updated: ({ message }) => dispatch({ type: "updated", message }),
      message_deleted: ({ message_id }) => dispatch({ type: "deleted", messageId: message_id }),
      typing: ({ user }) => {
        dispatchTyping({ type: "typing", user, until: Date.now() + TYPING_TTL_MS });
        optionsRef.current.onActive?.(user);
      },
      error: ({ code, detail, client_id }) => {
        if (client_id && refused(client_id, detail)) return;
        const aboutASend = code === "invalid_message" || code === "rate_limited" || code === "unavailable";
        if (!client_id && aboutASend && refuseOldest(detail)) return;
        setNotice(detail);
      },
      reaction: ({ message, user, emoji, added }) => {
        if (myIdRef.current !== null) dispatch({ type: "reaction", message, user, emoji, added, myId: myIdRef.current });
      },
      read: ({ message_id }) => optionsRef.current.onRead?.(message_id),
      room_removed: ({ reason }) => closeRoom(CLOSED_BECAUSE[reason]),
      room_deleted: () => closeRoom(CLOSED_BECAUSE.deleted),
      gap: () => {
        // Nothing was replayed: what this list holds may end before a hole. Held far back (a
        // window), paging forward fetches everything anyway; otherwise the newest page again.
        const { hasNewer } = current();
        dispatch({ type: "gap" });
        if (!hasNewer) void latest();
      },
    };
    const unsubscribe = subscribe(roomId, (frame) => {
      if (!closed) dispatchFrame(handlers, frame);
    });

    // Frames of the room arriving while the first page loads join it (the list merges by id).
    const first = focusMessageId !== null ? loadAround(focusMessageId, live) : loadLatest(live);
    first.catch((error: unknown) => {
      if (cancelled) return;
      if (error instanceof ApiError && error.status === 404) closeRoom("This room no longer exists.");
      else report(error);
    });

    return () => {
      cancelled = true;
      unsubscribe();
      stopOutbox();
    };
  }, [
    roomId,
    subscribe,
    focusMessageId,
    dispatch,
    current,
    loadLatest,
    loadAround,
    confirmed,
    refused,
    refuseOldest,
    resendPending,
    stopOutbox,
  ]);

  // Typing indicators expire on their own: typing frames have no "stopped" counterpart.
  const anyoneTyping = typing.length > 0;
  useEffect(() => {
    if (!anyoneTyping) return;
    const timer = setInterval(() => dispatchTyping({ type: "expire", now: Date.now() }), 1_000);
    return () => clearInterval(timer);
  }, [anyoneTyping]);

  const send = useCallback(
    (body: string, extras?: SendExtras) => {
      // Writing from a window far back: the conversation (and this message) is at the newest.
      if (current().hasNewer) jumpToLatest();
      sendNow(body, extras);
    },
    [current, jumpToLatest, sendNow],
  );

  // Messages read again for fresh file URLs: once each, so a file that is really gone does not
  // make the page ask forever.
  const refreshed = useRef(new Set<number>());
  const refreshFiles = useCallback(
    (messageId: number) => {
      if (refreshed.current.has(messageId)) return;
      refreshed.current.add(messageId);
      api.messages.history(roomId, { before: messageId + 1, limit: 1 }).then(
        (page) => {
          const fresh = page.messages.find((m) => m.id === messageId);
          if (fresh) dispatch({ type: "refreshed", message: fresh });
        },
        () => undefined, // the image keeps its fallback link
      );
    },
    [api, roomId, dispatch],
  );

  const notifyTyping = useCallback(() => {
    const now = Date.now();
    if (now - lastTypingSent.current < TYPING_THROTTLE_MS) return;
    const frame: ClientFrame = { type: "typing", room_id: roomId };
    if (sendFrame(frame)) lastTypingSent.current = now;
  }, [sendFrame, roomId]);

  return {
    status,
    list: history.list,
    typing,
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
    refreshFiles,
  };
}
