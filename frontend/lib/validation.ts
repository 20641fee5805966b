// Client-side checks that mirror docs/api.md, so a person sees the problem before the round trip.
// The server stays the judge: its own messages are shown too.

import { LIMITS } from "./api-constants";

const encoder = new TextEncoder();

export function usernameProblem(username: string): string | null {
  if (username.length < LIMITS.usernameMin || username.length > LIMITS.usernameMax) {
    return `Use ${LIMITS.usernameMin}–${LIMITS.usernameMax} characters.`;
  }
  if (!LIMITS.usernamePattern.test(username)) {
    return "Use only letters, digits, and . _ -";
  }
  return null;
}

/** Password limits are in bytes (bcrypt's 72-byte cap), not characters. */
export function passwordProblem(password: string): string | null {
  const bytes = encoder.encode(password).length;
  if (bytes < LIMITS.passwordMinBytes) return `Use at least ${LIMITS.passwordMinBytes} characters.`;
  if (bytes > LIMITS.passwordMaxBytes) {
    return `Too long: at most ${LIMITS.passwordMaxBytes} bytes (accented letters and emoji count as several).`;
  }
  return null;
}

/** Length as the server counts it: code points, after trimming. */
export function messageLength(body: string): number {
  return [...body.trim()].length;
}

export function roomNameProblem(name: string): string | null {
  const length = [...name.trim()].length;
  if (length === 0) return "Give the room a name.";
  if (length > LIMITS.roomNameMax) return `At most ${LIMITS.roomNameMax} characters.`;
  return null;
}
