// Which failed sends of one's own messages are tried again by themselves, and when. A rate limit
// waits what the server says; a server or connection that is down waits a growing pause (and
// use-outbox tries again at once when the connection comes back); a send the server refused for
// good (too long, not a member: any other 4xx) waits for the person (Retry or Delete).

import { ApiError, describeError } from "./api-error";

/** Why a send will be tried again by itself. */
export type RetryReason = "rate_limited" | "unavailable" | "offline" | "timeout";

export type SendFailure =
  | { retry: true; reason: RetryReason; delayMs: number; error: string }
  | { retry: false; error: string };

/** The pause before the next try when the server named none: 2 s, doubling, at most 30 s. */
export function retryDelay(attempt: number): number {
  return Math.min(30_000, 2_000 * 2 ** Math.max(0, attempt));
}

/** What the message says while it waits (the server's words for a rate limit carry a number
 *  of seconds that the countdown beside it already shows, going down). */
const SAY: Record<RetryReason, string> = {
  rate_limited: "Too many messages at once.",
  unavailable: "The server is not answering right now.",
  offline: "No connection.",
  timeout: "Not confirmed by the server yet.",
};

function retryIn(reason: RetryReason, seconds: number | null | undefined, attempt: number): SendFailure {
  const named = typeof seconds === "number" && Number.isFinite(seconds) && seconds > 0 ? Math.ceil(seconds * 1000) : null;
  return { retry: true, reason, delayMs: named ?? retryDelay(attempt), error: SAY[reason] };
}

/** An `error` frame naming a send (docs/api.md: `code`, `detail`, `retry_after`). */
export function frameFailure(code: string, detail: string, retryAfter: number | null | undefined, attempt: number): SendFailure {
  if (code === "rate_limited") return retryIn("rate_limited", retryAfter, attempt);
  if (code === "unavailable") return retryIn("unavailable", retryAfter, attempt);
  return { retry: false, error: detail };
}

/** A send over HTTP that failed: 429 (its Retry-After), 408 and 5xx, or no answer at all pass;
 *  every other refusal is for good. */
export function httpFailure(error: unknown, attempt: number): SendFailure {
  if (error instanceof ApiError) {
    if (error.isNetworkError) return retryIn("offline", null, attempt);
    if (error.status === 429) return retryIn("rate_limited", error.retryAfter, attempt);
    if (error.status === 408 || error.status >= 500) return retryIn("unavailable", error.retryAfter, attempt);
  }
  return { retry: false, error: describeError(error) };
}

/** No echo came back in time: the connection may be dead (its ping will tell), or just slow. */
export function timeoutFailure(attempt: number): SendFailure {
  return retryIn("timeout", null, attempt);
}

/** Whole seconds left until `retryAt` (epoch ms), for "Retrying in 3s". */
export function secondsLeft(retryAt: number, now: number): number {
  return Math.max(0, Math.ceil((retryAt - now) / 1000));
}
