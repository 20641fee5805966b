// The chat page's keyboard shortcuts: which key does what, and the sidebar order Alt+Up/Down
// walks (the same order the sidebar shows: rooms by name, then direct messages by name).

import type { Room } from "./api-types";
import { groupRooms } from "./room-list";

export type ShortcutAction = "switcher" | "previousRoom" | "nextRoom";

export interface KeyLike {
  key: string;
  ctrlKey: boolean;
  metaKey: boolean;
  altKey: boolean;
  shiftKey: boolean;
  isComposing?: boolean;
}

export function shortcutFor(event: KeyLike): ShortcutAction | null {
  if (event.isComposing) return null;
  if ((event.ctrlKey || event.metaKey) && !event.altKey && !event.shiftKey && event.key.toLowerCase() === "k") return "switcher";
  if (event.altKey && !event.ctrlKey && !event.metaKey && !event.shiftKey) {
    if (event.key === "ArrowUp") return "previousRoom";
    if (event.key === "ArrowDown") return "nextRoom";
  }
  return null;
}

/** The person's rooms in sidebar order (rooms, then direct messages). */
export function sidebarOrder(rooms: readonly Room[]): Room[] {
  const { rooms: joined, direct } = groupRooms(rooms);
  return [...joined, ...direct];
}

/** The room `step` places from the current one in sidebar order, wrapping around. */
export function adjacentRoom(rooms: readonly Room[], currentId: number | null, step: 1 | -1): Room | null {
  const order = sidebarOrder(rooms);
  if (order.length === 0) return null;
  const at = order.findIndex((room) => room.id === currentId);
  if (at < 0) return order[step === 1 ? 0 : order.length - 1] ?? null;
  return order[(at + step + order.length) % order.length] ?? null;
}
