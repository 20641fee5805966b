// The types in lib/api-types.ts are written from API.md; this checks them against what the
// running backend publishes (/openapi.json and /api/v1/ws-schema), so the two cannot drift
// unnoticed. One way only: every field the frontend reads must exist on the server; fields
// the server adds (and the frontend does not use yet) are reported, not failed.

import type {
  AdminStats,
  FrameOf,
  Message,
  Page,
  Room,
  RoomMember,
  ServerFrameType,
  Session,
  TokenPair,
  User,
} from "../lib/api-types";
import { expect, test } from "./fixtures";

/** Compile-time check that `keys` names every field of T. */
type AllKeys<T, K extends readonly (keyof T)[]> = [Exclude<keyof T, K[number]>] extends [never] ? K : never;
const fieldsOf =
  <T,>() =>
  <const K extends readonly (keyof T)[]>(keys: AllKeys<T, K>): readonly string[] =>
    keys as readonly string[];

type FrameFields = { [T in ServerFrameType]: readonly (keyof FrameOf<T>)[] };
const SERVER_FRAMES: FrameFields = {
  hello: ["type", "room", "user", "online", "last_message_id"],
  message: ["type", "message"],
  message_updated: ["type", "message"],
  message_deleted: ["type", "message_id", "room_id"],
  presence: ["type", "event", "user"],
  typing: ["type", "user"],
  error: ["type", "code", "detail", "retry_after"],
  room_deleted: ["type", "room_id"],
  reaction: ["type", "message", "user", "emoji", "added"],
  read: ["type", "room_id", "message_id"],
  gap: ["type"],
  pong: ["type"],
};

/** [method, path, status, fields of the body (of its items, for a list)] */
const RESPONSES: [string, string, string, readonly string[]][] = [
  ["post", "/api/v1/signup", "201", fieldsOf<User>()(["id", "username", "role", "is_active", "created_at"])],
  ["post", "/api/v1/token", "200", fieldsOf<TokenPair>()(["access_token", "refresh_token", "token_type", "expires_in"])],
  [
    "get",
    "/api/v1/rooms",
    "200",
    fieldsOf<Room>()([
      "id",
      "name",
      "is_private",
      "owner_id",
      "created_at",
      "member_count",
      "joined",
      "last_read_id",
      "unread_count",
      "is_direct",
    ]),
  ],
  ["get", "/api/v1/rooms/{room_id}/members", "200", fieldsOf<RoomMember>()(["user", "online"])],
  ["get", "/api/v1/chat/history", "200", fieldsOf<Page>()(["messages", "has_more"])],
  [
    "post",
    "/api/v1/rooms/{room_id}/messages",
    "201",
    fieldsOf<Message>()(["id", "room_id", "sender", "body", "client_id", "created_at", "edited_at", "deleted", "reactions"]),
  ],
  ["get", "/api/v1/sessions", "200", fieldsOf<Session>()(["id", "created_at", "last_used_at", "user_agent", "ip", "current"])],
  ["get", "/api/v1/chat/search", "200", fieldsOf<Page>()(["messages", "has_more"])],
  // Answers that are a Room or a Message, checked for the fields the UI reads from them.
  ["post", "/api/v1/dm", "200", ["id", "name", "is_private", "joined", "is_direct", "unread_count", "last_read_id"]],
  ["post", "/api/v1/messages/{message_id}/reactions", "200", ["id", "body", "reactions"]],
  ["delete", "/api/v1/messages/{message_id}/reactions/{emoji}", "200", ["id", "body", "reactions"]],
  ["get", "/api/v1/admin/stats", "200", fieldsOf<AdminStats>()(["users", "rooms", "messages", "connections"])],
];

interface JsonSchema {
  $ref?: string;
  items?: JsonSchema;
  properties?: Record<string, JsonSchema>;
  discriminator?: { mapping: Record<string, string> };
}

function resolve(root: { components?: { schemas: Record<string, JsonSchema> }; $defs?: Record<string, JsonSchema> }, schema: JsonSchema): JsonSchema {
  if (!schema.$ref) return schema.items ? resolve(root, schema.items) : schema;
  const name = schema.$ref.split("/").at(-1) ?? "";
  const target = root.components?.schemas[name] ?? root.$defs?.[name];
  if (!target) throw new Error(`unresolved ${schema.$ref}`);
  return resolve(root, target);
}

test("the frontend's REST types match the backend's OpenAPI document", async ({ request }) => {
  const openapi = await (await request.get("/openapi.json")).json();
  for (const [method, path, status, fields] of RESPONSES) {
    const response = openapi.paths?.[path]?.[method]?.responses?.[status];
    expect(response, `${method.toUpperCase()} ${path} answers ${status}`).toBeTruthy();
    const schema = resolve(openapi, response.content["application/json"].schema);
    const published = Object.keys(schema.properties ?? {});
    expect(published, `${method.toUpperCase()} ${path}`).toEqual(expect.arrayContaining([...fields]));
    const unused = published.filter((f) => !fields.includes(f));
    if (unused.length) test.info().annotations.push({ type: "unused fields", description: `${path}: ${unused.join(", ")}` });
  }
});

test("the frontend's WebSocket frame types match the backend's frame schema", async ({ request }) => {
  const schema = await (await request.get("/api/v1/ws-schema")).json();
  const mapping: Record<string, string> = schema.properties.server.discriminator.mapping;
  for (const [type, fields] of Object.entries(SERVER_FRAMES)) {
    expect(mapping[type], `server frame "${type}"`).toBeTruthy();
    const frame = resolve(schema, { $ref: mapping[type] });
    expect(Object.keys(frame.properties ?? {}), `frame "${type}"`).toEqual(expect.arrayContaining([...fields]));
  }
  const unknown = Object.keys(mapping).filter((type) => !(type in SERVER_FRAMES));
  if (unknown.length) test.info().annotations.push({ type: "frames not handled", description: unknown.join(", ") });

  const client: Record<string, string> = schema.properties.client.discriminator.mapping;
  expect(Object.keys(client).sort()).toEqual(["auth", "message", "ping", "typing"]);
});
