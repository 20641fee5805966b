export interface BackoffOptions {
  /** Delay before the first retry, before jitter. */
  initialMs: number;
  /** Ceiling, so a long outage is retried at a steady pace. */
  maxMs: number;
  random: () => number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 500, maxMs: 15_000, random: Math.random };

/**
 * Exponential backoff with "equal jitter": half the delay is fixed, half random, so a
 * server restart is not met by every client reconnecting in the same millisecond, yet no
 * client retries at once in a tight loop.
 */
export function backoffDelay(attempt: number, options: BackoffOptions = DEFAULT_BACKOFF): number {
  const ceiling = Math.min(options.maxMs, options.initialMs * 2 ** attempt);
  return ceiling / 2 + options.random() * (ceiling / 2);
}
