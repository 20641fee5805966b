// Shapes of the HTTP and WebSocket contract (shared/API.md, v1). Kept by hand in step
// with the backend's /openapi.json and /api/v1/ws-schema; every field the UI reads is here.

export type Role = "user" | "admin";

export interface User {
  id: number;
  username: string;
  role: Role;
  is_active: boolean;
  created_at: string;
}

export interface UserPublic {
  id: number;
  username: string;
}

export interface TokenPair {
  access_token: string;
  refresh_token: string;
  token_type: "bearer";
  expires_in: number;
}

export interface Room {
  id: number;
  name: string;
  is_private: boolean;
  owner_id: number | null;
  created_at: string;
  member_count: number;
  joined: boolean;
  /** The newest message id the caller has read here (null: none yet). */
  last_read_id: number | null;
  /** Messages after the read marker, by others, not deleted. */
  unread_count: number;
  /** A direct room of two people; `name` is then the other person's username. */
  is_direct: boolean;
}

export interface RoomMember {
  user: UserPublic;
  online: boolean;
}

export interface Message {
  id: number;
  room_id: number;
  sender: UserPublic;
  body: string;
  client_id: string | null;
  created_at: string;
  edited_at: string | null;
  deleted: boolean;
  /** In order of first use; `me` is always false in broadcast frames (see the reaction frame). */
  reactions: Reaction[];
}

export interface Reaction {
  emoji: string;
  count: number;
  me: boolean;
}

/** A signed-in device (one refresh-token family). */
export interface Session {
  id: number;
  created_at: string;
  last_used_at: string;
  user_agent: string | null;
  ip: string | null;
  current: boolean;
}

export interface Page {
  messages: Message[];
  has_more: boolean;
}

export interface AdminStats {
  users: number;
  rooms: number;
  messages: number;
  connections: number;
}

/** Limits from API.md, checked client-side so people see the problem before a round trip. */
export const LIMITS = {
  usernameMin: 3,
  usernameMax: 32,
  usernamePattern: /^[A-Za-z0-9_.-]+$/,
  passwordMinBytes: 8,
  passwordMaxBytes: 72,
  roomNameMax: 64,
  messageMax: 4000,
  historyPage: 50,
  searchMin: 2,
  searchMax: 200,
  emojiMax: 32,
} as const;

// ---- WebSocket frames -------------------------------------------------------------

export type ClientFrame =
  | { type: "message"; body: string; client_id?: string }
  | { type: "typing" }
  | { type: "ping" }
  | { type: "auth"; token: string };

export type ServerFrame =
  | {
      type: "hello";
      room: Room;
      user: UserPublic;
      online: UserPublic[];
      last_message_id: number | null;
    }
  | { type: "message"; message: Message }
  | { type: "message_updated"; message: Message }
  | { type: "message_deleted"; message_id: number; room_id: number }
  | { type: "presence"; event: "join" | "leave"; user: UserPublic }
  | { type: "typing"; user: UserPublic }
  | {
      type: "error";
      code: "bad_request" | "invalid_message" | "rate_limited" | "forbidden" | "unavailable";
      detail: string;
      retry_after?: number;
    }
  | { type: "room_deleted"; room_id: number }
  /** One copy for the whole room: apply user/emoji/added to your own `me` flags. */
  | { type: "reaction"; message: Message; user: UserPublic; emoji: string; added: boolean }
  /** The reader's own marker moved (sent to all their sockets, whatever room they are in). */
  | { type: "read"; room_id: number; message_id: number }
  | { type: "gap" }
  | { type: "pong" };

export type ServerFrameType = ServerFrame["type"];

/** Picks the frame variant of one `type`, for handler maps. */
export type FrameOf<T extends ServerFrameType> = Extract<ServerFrame, { type: T }>;

/** WebSocket close codes the server uses (API.md). */
export const CLOSE_CODES = {
  unauthorized: 4401,
  forbidden: 4403,
  noSuchRoom: 4404,
  tooBig: 1009,
  policy: 1008,
} as const;
