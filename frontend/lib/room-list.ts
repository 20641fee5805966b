// The room list as the sidebar shows it: grouped, with unread counts kept current.

import type { Room } from "./api-types";

export interface RoomGroups {
  /** Rooms the person is in, by name. */
  rooms: Room[];
  /** Direct rooms, by the other person's name. */
  direct: Room[];
  /** Public rooms to join. */
  joinable: Room[];
}

const byName = (a: Room, b: Room) => a.name.localeCompare(b.name);

export function groupRooms(rooms: readonly Room[]): RoomGroups {
  return {
    rooms: rooms.filter((r) => r.joined && !r.is_direct).sort(byName),
    direct: rooms.filter((r) => r.joined && r.is_direct).sort(byName),
    joinable: rooms.filter((r) => !r.joined).sort(byName),
  };
}

/** The list with one room replaced by a fresher copy (or added). */
export function replaceRoom(rooms: readonly Room[], room: Room): Room[] {
  const at = rooms.findIndex((r) => r.id === room.id);
  if (at < 0) return [...rooms, room];
  const next = [...rooms];
  next[at] = room;
  return next;
}

/** Unread messages in all the person's rooms (for the tab's title). */
export function totalUnread(rooms: readonly Room[]): number {
  return rooms.reduce((sum, r) => sum + (r.joined ? r.unread_count : 0), 0);
}
