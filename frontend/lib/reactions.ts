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
