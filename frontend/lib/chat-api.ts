// Typed endpoints of docs/api.md, over the one ApiClient transport. Each answer's type is that of
// the route in the generated OpenAPI types (`Answer`): a route the backend drops or changes no
// longer compiles here.

import type { ApiClient, UploadOptions } from "./api-client";
import type { Answer, Role } from "./api-types";

export interface HistoryQuery {
  before?: number;
  after?: number;
  limit?: number;
}

export interface SearchQuery {
  roomId?: number;
  /** Only messages with a smaller id: the next page of results (they come newest first). */
  before?: number;
  limit?: number;
}

/** What a message carries besides its text. */
export interface MessageExtras {
  /** The id of the message it answers (of the same room). */
  replyTo?: number | null;
  /** Ids of files uploaded to the room and not yet sent. */
  attachments?: readonly number[];
}

/** The body of a send: `reply_to` and `attachments` only when there are some. */
export function sendBody(body: string, clientId: string | undefined, extras: MessageExtras = {}) {
  return {
    body,
    client_id: clientId,
    ...(extras.replyTo ? { reply_to: extras.replyTo } : {}),
    ...(extras.attachments && extras.attachments.length > 0 ? { attachments: [...extras.attachments] } : {}),
  };
}

export function chatApi(client: ApiClient) {
  return {
    client,

    signup: (username: string, password: string) =>
      client.request<Answer<"/signup", "post">>("POST", "/signup", { json: { username, password }, auth: false }),
    login: (username: string, password: string) => client.login(username, password),
    logout: () => client.logout(),
    me: () => client.get<Answer<"/users/me", "get">>("/users/me"),

    account: {
      /** Only the fields given change; a blank or null display name clears it. */
      update: (changes: { display_name?: string | null; default_notify?: "all" | "mentions" | "muted" }) =>
        client.patch<Answer<"/users/me", "patch">>("/users/me", changes),
      /** 403 when `current` is wrong; `signOutOthers` signs out every other device of the account. */
      changePassword: (current: string, next: string, signOutOthers: boolean) =>
        client.post<Answer<"/users/me/password", "post">>("/users/me/password", {
          current_password: current,
          new_password: next,
          sign_out_other_devices: signOutOthers,
        }),
    },

    sessions: {
      list: () => client.get<Answer<"/sessions", "get">>("/sessions"),
      signOut: (sessionId: number) => client.delete(`/sessions/${sessionId}`),
    },

    users: {
      /** Active people whose username starts with `prefix` (ignoring case), by username; the
       *  caller among them. `after`: the last username of the previous page. */
      search: (prefix: string, query: { after?: string; limit?: number } = {}) =>
        client.get<Answer<"/users", "get">>("/users", { q: prefix, after: query.after, limit: query.limit }),
    },

    /** The private room of the caller and `username`, created on first use. */
    directRoom: (username: string) => client.post<Answer<"/dm", "post">>("/dm", { username }),

    rooms: {
      list: () => client.get<Answer<"/rooms", "get">>("/rooms"),
      get: (roomId: number) => client.get<Answer<"/rooms/{room_id}", "get">>(`/rooms/${roomId}`),
      create: (name: string, isPrivate: boolean) =>
        client.post<Answer<"/rooms", "post">>("/rooms", { name, is_private: isPrivate }),
      /** Renames the room or sets its topic (its owner or an admin); a blank topic clears it. */
      update: (roomId: number, changes: { name?: string; topic?: string | null }) =>
        client.patch<Answer<"/rooms/{room_id}", "patch">>(`/rooms/${roomId}`, changes),
      join: (roomId: number) => client.post<Answer<"/rooms/{room_id}/join", "post">>(`/rooms/${roomId}/join`),
      leave: (roomId: number) => client.post(`/rooms/${roomId}/leave`),
      members: (roomId: number) => client.get<Answer<"/rooms/{room_id}/members", "get">>(`/rooms/${roomId}/members`),
      addMember: (roomId: number, username: string) =>
        client.post<Answer<"/rooms/{room_id}/members", "post">>(`/rooms/${roomId}/members`, { username }),
      /** The owner or an admin removes someone (not the owner, not oneself: see `leave`). */
      removeMember: (roomId: number, userId: number) => client.delete(`/rooms/${roomId}/members/${userId}`),
      /** Moves the read marker forward (the server ignores an older id). */
      markRead: (roomId: number, messageId: number) =>
        client.post(`/rooms/${roomId}/read`, { message_id: messageId }),
      /** What the caller is notified of in the room, on every device. */
      setNotify: (roomId: number, level: "all" | "mentions" | "muted") =>
        client.request<Answer<"/rooms/{room_id}/notifications", "put">>("PUT", `/rooms/${roomId}/notifications`, {
          json: { level },
        }),
    },

    /** The caller's mentions across their rooms, newest first; `before`: the smallest id seen. */
    mentions: (query: { before?: number; limit?: number } = {}) =>
      client.get<Answer<"/mentions", "get">>("/mentions", { before: query.before, limit: query.limit }),

    files: {
      /** Uploads one file to a room (multipart, field `file`), to attach to a message. */
      upload: (roomId: number, file: Blob, name: string, options: UploadOptions = {}) => {
        const form = new FormData();
        form.append("file", file, name);
        return client.upload<Answer<"/rooms/{room_id}/files", "post">>(`/rooms/${roomId}/files`, form, options);
      },
    },

    messages: {
      history: (roomId: number, query: HistoryQuery = {}) =>
        client.get<Answer<"/chat/history", "get">>("/chat/history", { room_id: roomId, ...query }),
      send: (roomId: number, body: string, clientId?: string, extras: MessageExtras = {}) =>
        client.post<Answer<"/rooms/{room_id}/messages", "post">>(`/rooms/${roomId}/messages`, sendBody(body, clientId, extras)),
      edit: (messageId: number, body: string) =>
        client.patch<Answer<"/messages/{message_id}", "patch">>(`/messages/${messageId}`, { body }),
      remove: (messageId: number) => client.delete(`/messages/${messageId}`),
      react: (messageId: number, emoji: string) =>
        client.post<Answer<"/messages/{message_id}/reactions", "post">>(`/messages/${messageId}/reactions`, { emoji }),
      unreact: (messageId: number, emoji: string) =>
        client.delete<Answer<"/messages/{message_id}/reactions/{emoji}", "delete">>(
          `/messages/${messageId}/reactions/${encodeURIComponent(emoji)}`,
        ),
      /** Who reacted to a message, per emoji. */
      reactors: (messageId: number) =>
        client.get<Answer<"/messages/{message_id}/reactions", "get">>(`/messages/${messageId}/reactions`),
      /** Newest first, over the caller's rooms (or one of them). */
      search: (q: string, query: SearchQuery = {}) =>
        client.get<Answer<"/chat/search", "get">>("/chat/search", { q, room_id: query.roomId, before: query.before, limit: query.limit }),
    },

    admin: {
      /** Accounts by id matching `q` (username prefix or display-name part); `after`: the last id seen. */
      findUsers: (query: { q?: string; after?: number; limit?: number }) =>
        client.get<Answer<"/admin/users", "get">>("/admin/users", { q: query.q || undefined, after: query.after, limit: query.limit }),
      /** Rooms by id whose name contains `q`; `after`: the last id seen. */
      findRooms: (query: { q?: string; after?: number; limit?: number }) =>
        client.get<Answer<"/admin/rooms", "get">>("/admin/rooms", { q: query.q || undefined, after: query.after, limit: query.limit }),
      /** What admins did, newest first; `before`: the smallest id seen. */
      audit: (query: { before?: number; limit?: number } = {}) =>
        client.get<Answer<"/admin/audit", "get">>("/admin/audit", { before: query.before, limit: query.limit }),
      updateUser: (userId: number, changes: { role?: Role; is_active?: boolean }) =>
        client.patch<Answer<"/admin/users/{user_id}", "patch">>(`/admin/users/${userId}`, changes),
      deleteRoom: (roomId: number) => client.delete(`/admin/rooms/${roomId}`),
      stats: () => client.get<Answer<"/admin/stats", "get">>("/admin/stats"),
    },
  };
}

export type ChatApi = ReturnType<typeof chatApi>;
