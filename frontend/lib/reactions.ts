// Reactions as the UI holds them. The server sends one `reaction` frame to a whole room, so its
// `me` flags are nobody's: counts come from the frame, and each client keeps its own flags,
// changing one only when the frame says that it was this person who reacted.

import type { Reaction, UserPublic } from "./api-types";

/** Counts (and order) from `incoming`, `me` flags from `held`: for broadcast copies. */
export function keepMyFlags(held: readonly Reaction[], incoming: readonly Reaction[]): Reaction[] {
  const mine = new Set(held.filter((r) => r.me).map((r) => r.emoji));
  return incoming.map((r) => ({ ...r, me: mine.has(r.emoji) }));
}

export interface ReactionChange {
  reactions: readonly Reaction[];
  user: UserPublic;
  emoji: string;
  added: boolean;
}

/** What a `reaction` frame leaves: its counts, my flags, and mine for its emoji if I made it. */
export function applyReactionChange(held: readonly Reaction[], change: ReactionChange, myId: number): Reaction[] {
  const next = keepMyFlags(held, change.reactions);
  if (change.user.id !== myId) return next;
  return next.map((r) => (r.emoji === change.emoji ? { ...r, me: change.added } : r));
}

/** Two lists the same (to keep a message object, and its memoised row, when nothing changed). */
export function sameReactions(a: readonly Reaction[], b: readonly Reaction[]): boolean {
  return a.length === b.length && a.every((r, i) => r.emoji === b[i]?.emoji && r.count === b[i]?.count && r.me === b[i]?.me);
}

/** What a reaction chip says to a screen reader: "👍 3, including you". */
export function reactionLabel(reaction: Reaction): string {
  const people = reaction.count === 1 ? "1 person" : `${reaction.count} people`;
  return `${reaction.emoji} ${people}${reaction.me ? ", including you" : ""}`;
}

/** Who reacted with one emoji (GET /messages/{id}/reactions), in the order they did. */
export interface Reactors {
  emoji: string;
  users: readonly Pick<UserPublic, "id" | "username">[];
}

/** Changes whenever an emoji or a count does: who reacted is then asked for again. */
export function reactionsSignature(reactions: readonly Reaction[]): string {
  return reactions.map((r) => `${r.emoji}:${r.count}`).join(",");
}

/** A reaction chip's tooltip: "👍 by alice, bob and carol". */
export function whoReactedText(emoji: string, usernames: readonly string[]): string {
  if (usernames.length === 0) return `${emoji} by nobody yet`;
  const names =
    usernames.length === 1 ? usernames[0] : `${usernames.slice(0, -1).join(", ")} and ${usernames.at(-1) ?? ""}`;
  return `${emoji} by ${names}`;
}
