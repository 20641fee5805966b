// The person's own messages on their way to the server: sent over the app's socket when it is
// up (confirmed by their echo, recognised by client_id, or failed after a timeout or an error
// frame carrying that client_id), over HTTP otherwise, and sent again under the same client_id
// after a reconnect, so the server stores each at most once. They are stored in the order they
// were written: while one is on its way over HTTP, the next ones wait for it. They wait in the
// message list's outbox; use-room-channel passes the frames and connections that concern them on.

import { useCallback, useRef, type Dispatch } from "react";

import { describeError } from "./api-error";
import type { Attachment, ClientFrame, ReplyTo } from "./api-types";
import { sendBody, type ChatApi } from "./chat-api";
import { newClientId } from "./client-id";
import type { MessageListAction, MessageListState, OutgoingMessage } from "./message-list";

/** A sent frame with no echo after this long is marked failed, with a retry button. */
export const SEND_TIMEOUT_MS = 10_000;

export interface OutboxOptions {
  api: ChatApi;
  /** The message list the outbox lives in (use-room-history). */
  dispatch: Dispatch<MessageListAction>;
  current: () => MessageListState;
  /** Sends a frame on the app's socket; false when it is not connected. */
  sendFrame: (frame: ClientFrame) => boolean;
}

/** What goes with a message's text. */
export interface SendExtras {
  replyTo?: ReplyTo | null;
  attachments?: Attachment[];
}

/** What is sent of an outgoing message (and sent again, the same, on a retry). */
type Draft = Pick<OutgoingMessage, "body" | "replyTo" | "attachments">;

export interface Outbox {
  send(body: string, extras?: SendExtras): void;
  retry(clientId: string): void;
  discard(clientId: string): void;
  /** The echo of a message sent with this client_id arrived. */
  confirmed(clientId: string): void;
  /** The server refused the send with this client_id (an error frame naming it); false when
   *  no such message is waiting. */
  refused(clientId: string, detail: string): boolean;
  /** The server refused the oldest message sent on the socket and not yet echoed (an error
   *  frame that names no client_id; one socket's frames are answered in order); false when
   *  none is waiting. */
  refuseOldest(detail: string): boolean;
  /** A new connection: everything still pending may have been lost with the old one. */
  resendPending(): void;
  /** The room is closed: no more echo timeouts. */
  stop(): void;
}

export function useOutbox(roomId: number, { api, dispatch, current, sendFrame }: OutboxOptions): Outbox {
  /** client_ids sent on the socket and not yet echoed, oldest first. */
  const awaitingEcho = useRef<string[]>([]);
  const sendTimers = useRef(new Map<string, ReturnType<typeof setTimeout>>());
  /** The HTTP sends in flight or waiting their turn, as one chain: the last link. */
  const httpQueue = useRef<Promise<void> | null>(null);
  /** client_ids in that chain. */
  const viaHttp = useRef(new Set<string>());

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
    [settle, dispatch],
  );

  /** Over the socket when it is up (null: done); otherwise over HTTP (idempotent by client_id
   *  too), the promise settling with the answer. */
  const transmitNow = useCallback(
    (clientId: string, draft: Draft): Promise<void> | null => {
      const extras = { replyTo: draft.replyTo?.id ?? null, attachments: draft.attachments.map((a) => a.id) };
      if (sendFrame({ type: "message", room_id: roomId, ...sendBody(draft.body, clientId, extras) })) {
        awaitingEcho.current.push(clientId);
        sendTimers.current.set(
          clientId,
          setTimeout(() => fail(clientId, "Not confirmed by the server."), SEND_TIMEOUT_MS),
        );
        return null;
      }
      return api.messages.send(roomId, draft.body, clientId, extras).then(
        (message) => {
          settle(clientId);
          dispatch({ type: "received", message });
        },
        (error: unknown) => fail(clientId, describeError(error)),
      );
    },
    [api, roomId, sendFrame, fail, settle, dispatch],
  );

  const transmit = useCallback(
    (clientId: string, draft: Draft) => {
      const ahead = httpQueue.current;
      let link: Promise<void> | null;
      if (ahead === null) {
        link = transmitNow(clientId, draft);
        if (link === null) return;
      } else {
        // An earlier message is still on its way over HTTP: this one waits its turn (unless
        // discarded meanwhile), so that they are stored in the order they were written.
        link = ahead.then(() => {
          const item = current().outbox.find((o) => o.clientId === clientId);
          if (item?.status !== "pending") return;
          return transmitNow(clientId, draft) ?? undefined;
        });
      }
      viaHttp.current.add(clientId);
      const tracked: Promise<void> = link.finally(() => {
        viaHttp.current.delete(clientId);
        if (httpQueue.current === tracked) httpQueue.current = null;
      });
      httpQueue.current = tracked;
    },
    [transmitNow, current],
  );

  const send = useCallback(
    (body: string, extras: SendExtras = {}) => {
      const clientId = newClientId();
      const draft: Draft = { body, replyTo: extras.replyTo ?? null, attachments: extras.attachments ?? [] };
      dispatch({ type: "sendStarted", clientId, createdAt: new Date().toISOString(), ...draft });
      transmit(clientId, draft);
    },
    [transmit, dispatch],
  );

  const retry = useCallback(
    (clientId: string) => {
      const item = current().outbox.find((o) => o.clientId === clientId);
      if (!item) return;
      dispatch({ type: "retryStarted", clientId });
      transmit(clientId, item);
    },
    [transmit, current, dispatch],
  );

  const discard = useCallback(
    (clientId: string) => {
      settle(clientId);
      dispatch({ type: "discarded", clientId });
    },
    [settle, dispatch],
  );

  const refused = useCallback(
    (clientId: string, detail: string) => {
      const item = current().outbox.find((o) => o.clientId === clientId);
      if (item?.status !== "pending") return false;
      fail(clientId, detail);
      return true;
    },
    [current, fail],
  );

  const refuseOldest = useCallback(
    (detail: string) => {
      const head = awaitingEcho.current[0];
      if (head === undefined) return false;
      fail(head, detail);
      return true;
    },
    [fail],
  );

  const resendPending = useCallback(() => {
    // The echo queue belongs to one connection, so it starts empty on each. What is on its
    // way over HTTP gets its answer there.
    awaitingEcho.current = [];
    for (const item of current().outbox) {
      if (item.status !== "pending" || viaHttp.current.has(item.clientId)) continue;
      settle(item.clientId);
      transmit(item.clientId, item);
    }
  }, [current, settle, transmit]);

  const stop = useCallback(() => {
    for (const timer of sendTimers.current.values()) clearTimeout(timer);
    sendTimers.current.clear();
  }, []);

  return { send, retry, discard, confirmed: settle, refused, refuseOldest, resendPending, stop };
}
