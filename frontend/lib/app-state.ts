// What the app's one socket says about the person's world, as a pure reducer: the rooms they
// are in (with unread counts and newest message ids), the public rooms they could join, and who
// is online. Fed by `/ws` frames (hello, room_added, room_removed, room_updated, message,
// read, presence, ...) and by the answers of the person's own HTTP calls (join, create, leave,
// rename), so that the list follows at once even before the socket's word arrives.

import type { Room, ServerFrame, UserPublic } from "./api-types";
import { mentionsMe } from "./mentions";
import { replaceRoom } from "./room-list";

export type RemovalReason = "left" | "removed" | "deleted";

export interface AppState {
  /** Who is signed in (the session's user, then hello's). */
  me: UserPublic | null;
  /** The rooms the person is a member of; null until the first hello or room list. */
  rooms: Room[] | null;
  /** Public rooms the person is not in (from `GET /rooms`, kept in step with joins and leaves). */
  joinable: Room[];
  /** A hello has set `rooms`: from then on the socket is the source, not `GET /rooms`. */
  synced: boolean;
  /** The latest word on people's presence: user id → online. Absent: nothing said (yet). */
  online: Readonly<Record<number, boolean>>;
  /** The last room the person stopped being a member of, and why (for the page to say). */
  lastRemoved: { roomId: number; name: string; reason: RemovalReason } | null;
}

export type AppAction =
  | { type: "frame"; frame: ServerFrame }
  /** `GET /rooms`: public rooms and the person's private ones. */
  | { type: "roomsListed"; rooms: Room[] }
  /** `GET /rooms/{id}` of a room the person is in: its exact unread count. */
  | { type: "roomFetched"; room: Room }
  /** An HTTP answer made the person a member (join, create, direct room). */
  | { type: "roomJoined"; room: Room }
  /** An HTTP answer changed a room (rename, topic). */
  | { type: "roomChanged"; room: Room }
  /** The person left a room over HTTP. */
  | { type: "roomLeft"; roomId: number }
  /** The person's notification setting of a room (the answer to their PUT). */
  | { type: "notifySet"; roomId: number; level: NonNullable<Room["notify"]> };

export function initialAppState(me: UserPublic | null = null): AppState {
  return { me, rooms: null, joinable: [], synced: false, online: {}, lastRemoved: null };
}

function changeRoom(state: AppState, roomId: number, change: (room: Room) => Room): AppState {
  const rooms = state.rooms;
  if (!rooms) return state;
  const at = rooms.findIndex((r) => r.id === roomId);
  const found = rooms[at];
  if (!found) return state;
  const changed = change(found);
  if (changed === found) return state;
  const next = [...rooms];
  next[at] = changed;
  return { ...state, rooms: next };
}

/** The person is a member of `room` now: in their list (a fresher copy wins), not joinable. */
function added(state: AppState, room: Room, fresher: boolean): AppState {
  const rooms = state.rooms ?? [];
  const held = rooms.find((r) => r.id === room.id);
  const member: Room = { ...room, joined: true };
  return {
    ...state,
    rooms: held && !fresher ? rooms : replaceRoom(rooms, member),
    joinable: state.joinable.filter((r) => r.id !== room.id),
    lastRemoved: state.lastRemoved?.roomId === room.id ? null : state.lastRemoved,
  };
}

function removed(state: AppState, roomId: number, reason: RemovalReason): AppState {
  const room = state.rooms?.find((r) => r.id === roomId);
  if (!room || !state.rooms) return state;
  // A public room one left can be joined again; its member count drops with one's leaving.
  const rejoinable = reason === "left" && !room.is_private && !room.is_direct;
  return {
    ...state,
    rooms: state.rooms.filter((r) => r.id !== roomId),
    joinable: rejoinable
      ? replaceRoom(state.joinable, { ...room, joined: false, unread_count: 0, mention_count: 0, member_count: Math.max(0, room.member_count - 1) })
      : state.joinable,
    lastRemoved: { roomId, name: room.name, reason },
  };
}

/** Counts a message into its room: once (replays and copies of ones counted change nothing),
 *  and as unread only when it is someone else's, after the marker, and not deleted; as a
 *  mention too when it names the person (or reaches everyone). */
function counted(state: AppState, room: Room, message: Extract<ServerFrame, { type: "message" }>["message"]): Room {
  if (message.id <= (room.last_message_id ?? 0)) return room;
  const unread = message.sender.id !== state.me?.id && !message.deleted && message.id > (room.last_read_id ?? 0);
  const mention = unread && mentionsMe(message, state.me?.id);
  return {
    ...room,
    last_message_id: message.id,
    unread_count: room.unread_count + (unread ? 1 : 0),
    mention_count: (room.mention_count ?? 0) + (mention ? 1 : 0),
  };
}

function applyFrame(state: AppState, frame: ServerFrame): AppState {
  switch (frame.type) {
    case "hello": {
      if (!frame.rooms) return state; // a room socket's hello: not ours
      const online: Record<number, boolean> = {};
      for (const user of frame.online) online[user.id] = true;
      const ids = new Set(frame.rooms.map((r) => r.id));
      return {
        ...state,
        me: frame.user,
        rooms: frame.rooms.map((r) => ({ ...r, joined: true })),
        joinable: state.joinable.filter((r) => !ids.has(r.id)),
        synced: true,
        online,
      };
    }
    case "room_added":
      return added(state, frame.room, true);
    case "room_removed":
      return removed(state, frame.room_id, frame.reason);
    case "room_deleted":
      return removed(state, frame.room_id, "deleted");
    case "room_updated": {
      const rename = (room: Room): Room =>
        room.name === frame.name && room.topic === frame.topic ? room : { ...room, name: frame.name, topic: frame.topic };
      const next = changeRoom(state, frame.room_id, rename);
      const joinable = state.joinable.map((r) => (r.id === frame.room_id ? rename(r) : r));
      return joinable.some((r, i) => r !== state.joinable[i]) ? { ...next, joinable } : next;
    }
    case "message":
      return changeRoom(state, frame.message.room_id, (room) => counted(state, room, frame.message));
    case "read":
      return changeRoom(state, frame.room_id, (room) => {
        if (frame.message_id <= (room.last_read_id ?? 0)) return room;
        // Read up to the newest: nothing is left. Read part of the way: the count is fetched
        // again (refreshFor), as the socket cannot know who wrote what lies between.
        const all = frame.message_id >= (room.last_message_id ?? 0);
        return {
          ...room,
          last_read_id: frame.message_id,
          unread_count: all ? 0 : room.unread_count,
          mention_count: all ? 0 : room.mention_count,
        };
      });
    case "notify":
      return changeRoom(state, frame.room_id, (room) => (room.notify === frame.level ? room : { ...room, notify: frame.level }));
    case "member_changed":
      return changeRoom(state, frame.room_id, (room) => ({
        ...room,
        member_count: Math.max(0, room.member_count + (frame.joined ? 1 : -1)),
      }));
    case "presence": {
      const online = frame.online;
      if (state.online[frame.user.id] === online) return state;
      return { ...state, online: { ...state.online, [frame.user.id]: online } };
    }
    default:
      return state;
  }
}

export function appReducer(state: AppState, action: AppAction): AppState {
  switch (action.type) {
    case "frame":
      return applyFrame(state, action.frame);
    case "roomsListed": {
      const members = action.rooms.filter((r) => r.joined);
      const rooms = state.synced ? state.rooms : members;
      const mine = new Set((rooms ?? []).map((r) => r.id));
      return { ...state, rooms, joinable: action.rooms.filter((r) => !r.joined && !mine.has(r.id)) };
    }
    case "roomFetched":
      if (!action.room.joined) return state;
      return changeRoom(state, action.room.id, (held) => ({
        ...action.room,
        // A message that arrived while the answer was on its way stays counted.
        last_message_id: Math.max(held.last_message_id ?? 0, action.room.last_message_id ?? 0) || null,
      }));
    case "roomJoined":
      return added(state, action.room, false);
    case "roomChanged":
      return changeRoom(state, action.room.id, (held) => ({ ...held, name: action.room.name, topic: action.room.topic }));
    case "roomLeft":
      return removed(state, action.roomId, "left");
    case "notifySet":
      return changeRoom(state, action.roomId, (room) => (room.notify === action.level ? room : { ...room, notify: action.level }));
  }
}

/**
 * The rooms whose unread count this frame leaves unknown, to be read again over HTTP ("all":
 * every room). Looked at with the state before the frame.
 */
export function refreshFor(state: AppState, frame: ServerFrame): number[] | "all" {
  const room = (id: number) => state.rooms?.find((r) => r.id === id);
  switch (frame.type) {
    case "gap":
      return frame.room_id === null || frame.room_id === undefined ? "all" : room(frame.room_id) ? [frame.room_id] : [];
    case "read": {
      const held = room(frame.room_id);
      if (!held || frame.message_id <= (held.last_read_id ?? 0)) return [];
      return frame.message_id >= (held.last_message_id ?? 0) ? [] : [frame.room_id];
    }
    case "message_deleted": {
      // An unread message deleted: it no longer counts, nor as a mention (whose it was and whom
      // it named, the frame does not say).
      const held = room(frame.room_id);
      return held && held.unread_count > 0 && frame.message_id > (held.last_read_id ?? 0) ? [frame.room_id] : [];
    }
    default:
      return [];
  }
}

/**
 * The room a frame is about: a number; null: every room (hello, a gap or an error naming none);
 * undefined: no room (presence, pong).
 */
export function frameRoomId(frame: ServerFrame): number | null | undefined {
  switch (frame.type) {
    case "message":
    case "message_updated":
    case "reaction":
      return frame.message.room_id;
    case "message_deleted":
    case "typing":
    case "read":
    case "room_removed":
    case "room_updated":
    case "room_deleted":
    case "member_changed":
    case "notify":
      return frame.room_id;
    case "room_added":
      return frame.room.id;
    case "gap":
    case "error":
      return frame.room_id ?? null;
    case "hello":
      return null;
    default:
      return undefined;
  }
}

/** Whether someone is online, by the latest word: presence frames and hello, else `fallback`. */
export function isOnline(state: AppState, userId: number, fallback = false): boolean {
  if (userId === state.me?.id) return true;
  return state.online[userId] ?? fallback;
}
