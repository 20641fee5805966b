// Users, rooms, messages, frames and list states as the server and the reducers have them.

import type { FrameOf, Message, Room, UserPublic } from "../../lib/api-types";
import {
  initialMessageListState,
  messageListReducer,
  type MessageListAction,
  type MessageListState,
} from "../../lib/message-list";

export const alice: UserPublic = { id: 1, username: "alice" };
export const bob: UserPublic = { id: 2, username: "bob" };

export function message(id: number, overrides: Partial<Message> = {}): Message {
  return {
    id,
    room_id: 1,
    sender: alice,
    body: `message ${id}`,
    client_id: null,
    created_at: new Date(Date.UTC(2026, 0, 1, 12, 0, id)).toISOString(),
    edited_at: null,
    deleted: false,
    reactions: [],
    reply_to: null,
    mentions: [],
    mentions_everyone: false,
    attachments: [],
    ...overrides,
  };
}

/** `count` messages with ids 1 to `count`. */
export const messages = (count: number, overrides: Partial<Message> = {}): Message[] =>
  Array.from({ length: count }, (_, i) => message(i + 1, overrides));

export const ids = (list: readonly Message[]) => list.map((m) => m.id);

/** A public room alice has joined, with nothing unread. */
export function room(id = 1, overrides: Partial<Room> = {}): Room {
  return {
    id,
    name: `room${id}`,
    is_private: false,
    owner_id: null,
    created_at: "2026-01-01T00:00:00Z",
    member_count: 2,
    joined: true,
    last_read_id: null,
    unread_count: 0,
    is_direct: false,
    topic: null,
    last_message_id: null,
    mention_count: 0,
    notify: "mentions",
    ...overrides,
  };
}

export const carol: UserPublic = { id: 3, username: "carol" };

/** The server's first frame on the app's socket: alice, a member of room 1, with bob online. */
export function hello(overrides: Partial<FrameOf<"hello">> = {}): FrameOf<"hello"> {
  return { type: "hello", user: alice, rooms: [room(1)], online: [bob], last_message_id: null, room: null, ...overrides };
}

/** A loaded message list. */
export function listState(overrides: Partial<MessageListState> = {}): MessageListState {
  return { ...initialMessageListState, loaded: true, ...overrides };
}

/** The list after `actions`, from the initial state or `from`. */
export const reduceList = (actions: MessageListAction[], from: MessageListState = initialMessageListState) =>
  actions.reduce(messageListReducer, from);
