import type { Message, UserPublic } from "../../lib/api-types";

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
    ...overrides,
  };
}

export const ids = (messages: readonly Message[]) => messages.map((m) => m.id);
