// The generated types as the app names them (lib/api-types.ts). Checked by the type checker
// (`npm run typecheck`); at run time these tests only confirm they compiled.

import { describe, expectTypeOf, it } from "vitest";

import type {
  AdminStats,
  Answer,
  ClientFrame,
  FrameOf,
  Message,
  Page,
  Reaction,
  Room,
  RoomMember,
  ServerFrame,
  Session,
  User,
  UserPublic,
} from "../lib/api-types";

describe("the generated API types", () => {
  it("give each route the client calls the answer's model", () => {
    expectTypeOf<Answer<"/users/me", "get">>().toEqualTypeOf<User>();
    expectTypeOf<Answer<"/signup", "post">>().toEqualTypeOf<User>();
    expectTypeOf<Answer<"/rooms", "get">>().toEqualTypeOf<Room[]>();
    expectTypeOf<Answer<"/dm", "post">>().toEqualTypeOf<Room>();
    expectTypeOf<Answer<"/rooms/{room_id}/members", "get">>().toEqualTypeOf<RoomMember[]>();
    expectTypeOf<Answer<"/chat/history", "get">>().toEqualTypeOf<Page>();
    expectTypeOf<Answer<"/rooms/{room_id}/messages", "post">>().toEqualTypeOf<Message>();
    expectTypeOf<Answer<"/messages/{message_id}/reactions/{emoji}", "delete">>().toEqualTypeOf<Message>();
    expectTypeOf<Answer<"/sessions", "get">>().toEqualTypeOf<Session[]>();
    expectTypeOf<Answer<"/admin/stats", "get">>().toEqualTypeOf<AdminStats>();
    expectTypeOf<Answer<"/rooms/{room_id}", "patch">>().toEqualTypeOf<Room>();
    expectTypeOf<Answer<"/users", "get">["users"]>().toEqualTypeOf<UserPublic[]>();
  });

  it("refuse a route or a method the backend does not have", () => {
    // @ts-expect-error: no such route
    expectTypeOf<Answer<"/no-such-route", "get">>().toBeNever();
    // @ts-expect-error: the backend deletes no room list
    expectTypeOf<Answer<"/rooms", "delete">>().toBeNever();
  });

  it("require every field an answer always carries, defaults included", () => {
    expectTypeOf<Room["unread_count"]>().toEqualTypeOf<number>();
    expectTypeOf<Room["last_read_id"]>().toEqualTypeOf<number | null>();
    expectTypeOf<Room["topic"]>().toEqualTypeOf<string | null>();
    expectTypeOf<Room["last_message_id"]>().toEqualTypeOf<number | null>();
    expectTypeOf<Message["reactions"]>().toEqualTypeOf<Reaction[]>();
  });

  it("carry the HTTP API's models in frames", () => {
    expectTypeOf<FrameOf<"message">["message"]>().toEqualTypeOf<Message>();
    expectTypeOf<FrameOf<"hello">["rooms"]>().toEqualTypeOf<Room[] | null | undefined>();
    expectTypeOf<FrameOf<"room_added">["room"]>().toEqualTypeOf<Room>();
    expectTypeOf<FrameOf<"hello">["online"]>().toEqualTypeOf<UserPublic[]>();
  });

  it("tell frames apart by their type, and leave out what the server may leave out", () => {
    expectTypeOf<FrameOf<"gap">>().toEqualTypeOf<{ type: "gap"; room_id?: number | null }>();
    expectTypeOf<FrameOf<"room_removed">["reason"]>().toEqualTypeOf<"left" | "removed" | "deleted">();
    expectTypeOf<FrameOf<"error">["retry_after"]>().toEqualTypeOf<number | null | undefined>();
    expectTypeOf<Extract<ClientFrame, { type: "message" }>["client_id"]>().toEqualTypeOf<string | null | undefined>();
    expectTypeOf<ServerFrame>().toExtend<{ type: string }>();
  });
});
