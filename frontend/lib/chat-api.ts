// Typed endpoints of API.md, over the one ApiClient transport.

import type { ApiClient } from "./api-client";
import type { AdminStats, Message, Page, Role, Room, RoomMember, Session, User } from "./api-types";

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

export function chatApi(client: ApiClient) {
  return {
    client,

    signup: (username: string, password: string) =>
      client.request<User>("POST", "/signup", { json: { username, password }, auth: false }),
    login: (username: string, password: string) => client.login(username, password),
    logout: () => client.logout(),
    me: () => client.get<User>("/users/me"),

    sessions: {
      list: () => client.get<Session[]>("/sessions"),
      signOut: (sessionId: number) => client.delete(`/sessions/${sessionId}`),
    },

    /** The private room of the caller and `username`, created on first use. */
    directRoom: (username: string) => client.post<Room>("/dm", { username }),

    rooms: {
      list: () => client.get<Room[]>("/rooms"),
      get: (roomId: number) => client.get<Room>(`/rooms/${roomId}`),
      create: (name: string, isPrivate: boolean) =>
        client.post<Room>("/rooms", { name, is_private: isPrivate }),
      join: (roomId: number) => client.post<Room>(`/rooms/${roomId}/join`),
      leave: (roomId: number) => client.post(`/rooms/${roomId}/leave`),
      members: (roomId: number) => client.get<RoomMember[]>(`/rooms/${roomId}/members`),
      addMember: (roomId: number, username: string) =>
        client.post<unknown>(`/rooms/${roomId}/members`, { username }),
      /** Moves the read marker forward (the server ignores an older id). */
      markRead: (roomId: number, messageId: number) =>
        client.post(`/rooms/${roomId}/read`, { message_id: messageId }),
    },

    messages: {
      history: (roomId: number, query: HistoryQuery = {}) =>
        client.get<Page>("/chat/history", { room_id: roomId, ...query }),
      send: (roomId: number, body: string, clientId?: string) =>
        client.post<Message>(`/rooms/${roomId}/messages`, { body, client_id: clientId }),
      edit: (messageId: number, body: string) => client.patch<Message>(`/messages/${messageId}`, { body }),
      remove: (messageId: number) => client.delete(`/messages/${messageId}`),
      react: (messageId: number, emoji: string) =>
        client.post<Message>(`/messages/${messageId}/reactions`, { emoji }),
      unreact: (messageId: number, emoji: string) =>
        client.delete<Message>(`/messages/${messageId}/reactions/${encodeURIComponent(emoji)}`),
      /** Newest first, over the caller's rooms (or one of them). */
      search: (q: string, query: SearchQuery = {}) =>
        client.get<Page>("/chat/search", { q, room_id: query.roomId, before: query.before, limit: query.limit }),
    },

    admin: {
      users: (limit: number, offset: number) => client.get<User[]>("/admin/users", { limit, offset }),
      updateUser: (userId: number, changes: { role?: Role; is_active?: boolean }) =>
        client.patch<User>(`/admin/users/${userId}`, changes),
      /** Every room, private ones included; the backend adds this to API.md's admin routes. */
      rooms: () => client.get<Room[]>("/admin/rooms"),
      deleteRoom: (roomId: number) => client.delete(`/admin/rooms/${roomId}`),
      stats: () => client.get<AdminStats>("/admin/stats"),
    },
  };
}

export type ChatApi = ReturnType<typeof chatApi>;
