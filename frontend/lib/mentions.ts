// Mentions on the client: whether a message names the reader, and the composer's `@name`
// autocomplete as pure functions (where an `@` being typed starts, which members match it, and
// the text once one is chosen).

import type { Message, UserPublic } from "./api-types";

/** Whether `message` reaches `myId`: named with `@username`, or an allowed `@room` / `@here`.
 *  One's own messages never do. */
export function mentionsMe(message: Pick<Message, "sender" | "mentions" | "mentions_everyone">, myId: number | null | undefined): boolean {
  if (myId === null || myId === undefined || message.sender.id === myId) return false;
  return message.mentions_everyone || message.mentions.includes(myId);
}

// ---- the composer's autocomplete ------------------------------------------------------------

/** Characters of a username (docs/api.md): what may follow the `@` being typed. */
const NAME_CHAR = /[A-Za-z0-9_.-]/;
const MAX_NAME = 32;
/** Suggestions shown at once. */
export const MAX_SUGGESTIONS = 8;

export interface MentionQuery {
  /** Index of the `@`. */
  start: number;
  /** What follows it up to the caret (possibly empty). */
  query: string;
}

/**
 * The `@name` being typed at `caret`: an `@` at the start or after a character that cannot be
 * part of a username (so not `me@host`), then only username characters up to the caret.
 * Null when the caret is not in one.
 */
export function mentionQueryAt(text: string, caret: number): MentionQuery | null {
  let at = Math.min(caret, text.length) - 1;
  while (at >= 0 && NAME_CHAR.test(text[at] ?? "")) at -= 1;
  if (at < 0 || text[at] !== "@") return null;
  const before = at > 0 ? (text[at - 1] ?? "") : "";
  if (before !== "" && (NAME_CHAR.test(before) || before === "@")) return null;
  const query = text.slice(at + 1, caret);
  if (query.length > MAX_NAME) return null;
  return { start: at, query };
}

/** Members whose username starts with `query` (ignoring case), the reader left out, by name;
 *  at most MAX_SUGGESTIONS. */
export function mentionSuggestions(members: readonly UserPublic[], query: string, myId?: number | null): UserPublic[] {
  const prefix = query.toLowerCase();
  return members
    .filter((user) => user.id !== myId && user.username.toLowerCase().startsWith(prefix))
    .sort((a, b) => a.username.localeCompare(b.username, undefined, { sensitivity: "base" }))
    .slice(0, MAX_SUGGESTIONS);
}

/** The text with the `@query` at `mention` (up to `caret`) replaced by `@username ` and the
 *  caret after it. */
export function insertMention(text: string, mention: MentionQuery, caret: number, username: string): { text: string; caret: number } {
  // A name typed on past the caret ("@bo|b") is replaced whole.
  let end = caret;
  while (end < text.length && NAME_CHAR.test(text[end] ?? "")) end += 1;
  const rest = text.slice(end);
  const inserted = `@${username}${rest.startsWith(" ") ? "" : " "}`;
  const next = `${text.slice(0, mention.start)}${inserted}${rest}`;
  return { text: next, caret: mention.start + inserted.length + (rest.startsWith(" ") ? 1 : 0) };
}

/** Moves the active suggestion by `step`, wrapping around. */
export function moveActive(active: number, step: number, count: number): number {
  if (count === 0) return 0;
  return (((active + step) % count) + count) % count;
}
