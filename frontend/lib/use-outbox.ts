// The person's own messages on their way to the server: sent over the room's socket when it is
// up (confirmed by their echo, recognised by client_id, or failed after a timeout or an error
// frame), over HTTP otherwise, and sent again under the same client_id after a reconnect, so the
// server stores each at most once. They wait in the message list's outbox; use-room-socket
// passes the frames and connections that concern them on.

import { useCallback, useRef, type Dispatch } from "react";

import { describeError } from "./api-error";
import type { ClientFrame } from "./api-types";
import type { ChatApi } from "./chat-api";
import { newClientId } from "./client-id";
import type { MessageListAction, MessageListState } from "./message-list";

/** A sent frame with no echo after this long is marked failed, with a retry button. */
export const SEND_TIMEOUT_MS = 10_000;

export interface OutboxOptions {
  api: ChatApi;
  /** The message list the outbox lives in (use-room-history). */
  dispatch: Dispatch<MessageListAction>;
  current: () => MessageListState;
  /** Sends a frame on the room's socket; false when it is not connected. */
  sendFrame: (frame: ClientFrame) => boolean;
}

export interface Outbox {
  send(body: string): void;
  retry(clientId: string): void;
  discard(clientId: string): void;
  /** The echo of a message sent with this client_id arrived. */
  confirmed(clientId: string): void;
  /** The server refused the oldest message sent on the socket and not yet echoed (an error
   *  frame carries no client_id, but one socket's frames are answered in order); false when
   *  none is waiting. */
  refuseOldest(detail: string): boolean;
  /** A new connection: everything still pending may have been lost with the old one. */
  resendPending(): void;
  /** The socket is closed: no more echo timeouts. */
  stop(): void;
}

export function useOutbox(roomId: number, { api, dispatch, current, sendFrame }: OutboxOptions): Outbox {
  /** client_ids sent on the socket and not yet echoed, oldest first. */
  const awaitingEcho = useRef<string[]>([]);
  const sendTimers = useRef(new Map<string, ReturnType<typeof setTimeout>>());

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

  /** Over the socket when it is up; otherwise over HTTP (idempotent by client_id too). */
  const transmit = useCallback(
    (clientId: string, body: string) => {
      if (sendFrame({ type: "message", body, client_id: clientId })) {
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
    [api, roomId, sendFrame, fail, dispatch],
  );

  const send = useCallback(
    (body: string) => {
      const clientId = newClientId();
      dispatch({ type: "sendStarted", clientId, body, createdAt: new Date().toISOString() });
      transmit(clientId, body);
    },
    [transmit, dispatch],
  );

  const retry = useCallback(
    (clientId: string) => {
      const item = current().outbox.find((o) => o.clientId === clientId);
      if (!item) return;
      dispatch({ type: "retryStarted", clientId });
      transmit(clientId, item.body);
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
    // The echo queue belongs to one connection, so it starts empty on each.
    awaitingEcho.current = [];
    for (const item of current().outbox) {
      if (item.status !== "pending") continue;
      settle(item.clientId);
      transmit(item.clientId, item.body);
    }
  }, [current, settle, transmit]);

  const stop = useCallback(() => {
    for (const timer of sendTimers.current.values()) clearTimeout(timer);
    sendTimers.current.clear();
  }, []);

  return { send, retry, discard, confirmed: settle, refuseOldest, resendPending, stop };
}
