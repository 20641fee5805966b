// The person's own messages on their way to the server, one at a time and in the order written:
// each goes when the one before it is stored (its echo, recognised by client_id, or the HTTP
// answer), so a refused one can never be overtaken by a later one. Over the app's socket when
// it is up, over HTTP otherwise; always under the same client_id, so the server stores each at
// most once however often it is sent. A send refused for a passing reason (a rate limit, the
// server or the connection down, no echo in time) is tried again by itself after a countdown
// (lib/send-retry.ts), or at once when the connection comes back; one refused for good waits for
// the person (Retry, or Delete), and the ones after it wait too. They are shown in the message
// list's outbox; use-room-channel passes the frames and connections that concern them on.

import { useCallback, useEffect, useRef, type Dispatch } from "react";

import type { Attachment, ClientFrame, ReplyTo } from "./api-types";
import { useAppConnection } from "./app-connection";
import { sendBody, type ChatApi } from "./chat-api";
import { newClientId } from "./client-id";
import type { MessageListAction, MessageListState, OutgoingMessage } from "./message-list";
import { frameFailure, httpFailure, timeoutFailure, type RetryReason, type SendFailure } from "./send-retry";

/** A frame sent with no echo after this long is tried again (lib/send-retry.ts). */
export const SEND_TIMEOUT_MS = 10_000;

export interface OutboxOptions {
  api: ChatApi;
  /** The message list the outbox is shown in (use-room-history). */
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

/** What the server said of a refused send, when an `error` frame said it. */
export interface Refusal {
  code: string;
  retryAfter?: number | null;
}

/** What is sent of an outgoing message (and sent again, the same, on a retry). */
type Draft = Pick<OutgoingMessage, "body" | "replyTo" | "attachments">;

interface Queued {
  clientId: string;
  draft: Draft;
}

export interface Outbox {
  send(body: string, extras?: SendExtras): void;
  /** The person's Retry: the first message, refused for good (or waiting its countdown), goes now. */
  retry(clientId: string): void;
  /** The person's Delete: the message is not sent (the next one goes). */
  discard(clientId: string): void;
  /** The echo of a message sent with this client_id arrived. */
  confirmed(clientId: string): void;
  /** The server refused the send with this client_id (an error frame naming it): tried again
   *  by itself if `refusal` says the reason passes, else it waits for the person. False when no
   *  such message is waiting. */
  refused(clientId: string, detail: string, refusal?: Refusal): boolean;
  /** The server refused the message on its way on the socket (an error frame that names no
   *  client_id); false when none is. */
  refuseOldest(detail: string): boolean;
  /** A new connection: what was on its way on the old one goes again, and so does what waits
   *  for the connection (not a rate limit's countdown: the server still counts). */
  resendPending(): void;
  /** The room is closed: no more timers. */
  stop(): void;
}

export function useOutbox(roomId: number, { api, dispatch, sendFrame }: OutboxOptions): Outbox {
  const { subscribe } = useAppConnection();
  /** Every message not yet stored, in the order written; only the first is ever on its way. */
  const queue = useRef<Queued[]>([]);
  /** The first message, sent and not yet answered. */
  const inFlight = useRef<{ clientId: string; via: "socket" | "http" } | null>(null);
  const echoTimer = useRef<ReturnType<typeof setTimeout> | null>(null);
  /** The first message waits out a countdown (a passing refusal). */
  const retry = useRef<{ clientId: string; reason: RetryReason; timer: ReturnType<typeof setTimeout> | null } | null>(null);
  /** The first message was refused for good: nothing goes until the person decides. */
  const blocked = useRef<string | null>(null);
  /** Passing refusals of the first message in a row (the pause grows with them). */
  const attempts = useRef(0);

  const clearEchoTimer = useCallback(() => {
    if (echoTimer.current !== null) clearTimeout(echoTimer.current);
    echoTimer.current = null;
  }, []);

  const clearRetry = useCallback(() => {
    if (retry.current?.timer) clearTimeout(retry.current.timer);
    retry.current = null;
  }, []);

  /** Takes a message out of the queue (stored, or discarded), with whatever waits on it. */
  const forget = useCallback(
    (clientId: string) => {
      queue.current = queue.current.filter((q) => q.clientId !== clientId);
      if (inFlight.current?.clientId === clientId) {
        inFlight.current = null;
        clearEchoTimer();
      }
      if (retry.current?.clientId === clientId) clearRetry();
      if (blocked.current === clientId) blocked.current = null;
    },
    [clearEchoTimer, clearRetry],
  );

  // The queue's functions call each other (a stored message sends the next one): they live in
  // one object made once, reading only refs, so every callback below is stable.
  const engine = useRef<{
    pump(): void;
    failed(clientId: string, failure: SendFailure): void;
    stored(clientId: string): void;
  } | null>(null);
  const latest = useRef({ api, dispatch, sendFrame, roomId });
  useEffect(() => {
    latest.current = { api, dispatch, sendFrame, roomId };
  });

  const run = useCallback(() => {
    if (engine.current) return engine.current;
    const transmit = (item: Queued) => {
      const { api: http, sendFrame: send, roomId: room } = latest.current;
      const { clientId, draft } = item;
      const extras = { replyTo: draft.replyTo?.id ?? null, attachments: draft.attachments.map((a) => a.id) };
      if (send({ type: "message", room_id: room, ...sendBody(draft.body, clientId, extras) })) {
        inFlight.current = { clientId, via: "socket" };
        echoTimer.current = setTimeout(() => {
          echoTimer.current = null;
          if (inFlight.current?.clientId !== clientId) return;
          inFlight.current = null;
          self.failed(clientId, timeoutFailure(attempts.current));
        }, SEND_TIMEOUT_MS);
        return;
      }
      inFlight.current = { clientId, via: "http" };
      http.messages.send(room, draft.body, clientId, extras).then(
        (message) => {
          latest.current.dispatch({ type: "received", message });
          self.stored(clientId);
        },
        (error: unknown) => {
          if (inFlight.current?.clientId !== clientId) return; // discarded, or the room closed
          inFlight.current = null;
          self.failed(clientId, httpFailure(error, attempts.current));
        },
      );
    };
    const self = {
      /** Sends the first message if nothing stands in its way. */
      pump() {
        const head = queue.current[0];
        if (!head || inFlight.current || retry.current || blocked.current === head.clientId) return;
        transmit(head);
      },
      failed(clientId: string, failure: SendFailure) {
        clearEchoTimer();
        if (!failure.retry) {
          blocked.current = clientId;
          latest.current.dispatch({ type: "sendFailed", clientId, error: failure.error });
          return;
        }
        attempts.current += 1;
        clearRetry();
        const timer = setTimeout(() => {
          if (retry.current?.clientId !== clientId) return;
          retry.current = null;
          latest.current.dispatch({ type: "retryStarted", clientId });
          self.pump();
        }, failure.delayMs);
        retry.current = { clientId, reason: failure.reason, timer };
        latest.current.dispatch({ type: "sendRetrying", clientId, error: failure.error, retryAt: Date.now() + failure.delayMs });
      },
      /** The server has it: the next one goes. */
      stored(clientId: string) {
        const known = queue.current.some((q) => q.clientId === clientId);
        forget(clientId);
        if (known) attempts.current = 0;
        self.pump();
      },
    };
    engine.current = self;
    return self;
  }, [clearEchoTimer, clearRetry, forget]);

  const send = useCallback(
    (body: string, extras: SendExtras = {}) => {
      const clientId = newClientId();
      const draft: Draft = { body, replyTo: extras.replyTo ?? null, attachments: extras.attachments ?? [] };
      dispatch({ type: "sendStarted", clientId, createdAt: new Date().toISOString(), ...draft });
      queue.current = [...queue.current, { clientId, draft }];
      run().pump();
    },
    [dispatch, run],
  );

  const retryNow = useCallback(
    (clientId: string) => {
      if (queue.current[0]?.clientId !== clientId || inFlight.current) return;
      clearRetry();
      blocked.current = null;
      attempts.current = 0;
      dispatch({ type: "retryStarted", clientId });
      run().pump();
    },
    [clearRetry, dispatch, run],
  );

  const discard = useCallback(
    (clientId: string) => {
      if (!queue.current.some((q) => q.clientId === clientId)) return;
      forget(clientId);
      attempts.current = 0;
      dispatch({ type: "discarded", clientId });
      run().pump();
    },
    [forget, dispatch, run],
  );

  const confirmed = useCallback((clientId: string) => run().stored(clientId), [run]);

  const refused = useCallback(
    (clientId: string, detail: string, refusal?: Refusal) => {
      if (!queue.current.some((q) => q.clientId === clientId)) return false;
      const failure = refusal ? frameFailure(refusal.code, detail, refusal.retryAfter, attempts.current) : null;
      if (inFlight.current?.clientId === clientId) {
        inFlight.current = null;
        run().failed(clientId, failure ?? { retry: false, error: detail });
      } else if (failure?.retry && blocked.current === clientId) {
        // The same refusal, told again with its reason (see the subscription below): it passes.
        blocked.current = null;
        run().failed(clientId, failure);
      }
      return true;
    },
    [run],
  );

  const refuseOldest = useCallback(
    (detail: string) => {
      const sent = inFlight.current;
      if (sent?.via !== "socket") return false;
      return refused(sent.clientId, detail);
    },
    [refused],
  );

  const resendPending = useCallback(() => {
    // The echo awaited belongs to the old connection: the message goes again on this one.
    if (inFlight.current?.via === "socket") {
      inFlight.current = null;
      clearEchoTimer();
    }
    const waiting = retry.current;
    if (waiting && (waiting.reason !== "rate_limited" || waiting.timer === null)) {
      clearRetry();
      attempts.current = 0;
      dispatch({ type: "retryStarted", clientId: waiting.clientId });
    }
    run().pump();
  }, [clearEchoTimer, clearRetry, dispatch, run]);

  const stop = useCallback(() => {
    clearEchoTimer();
    if (retry.current?.timer) {
      clearTimeout(retry.current.timer);
      retry.current = { ...retry.current, timer: null }; // still waiting: a new connection sends it
    }
    if (inFlight.current?.via === "socket") inFlight.current = null;
  }, [clearEchoTimer]);

  // The outbox reads the reasons of its refusals itself: use-room-channel tells it only which
  // send was refused (refused(clientId, detail)), and which ones pass depends on the code and
  // the wait the frame names. Told twice, a refusal is taken once (see `refused`).
  useEffect(
    () =>
      subscribe(roomId, (frame) => {
        if (frame.type === "error" && frame.client_id) {
          refused(frame.client_id, frame.detail, { code: frame.code, retryAfter: frame.retry_after });
        }
      }),
    [subscribe, roomId, refused],
  );

  return { send, retry: retryNow, discard, confirmed, refused, refuseOldest, resendPending, stop };
}
