// Short names for the backend's types. The types themselves are generated from its
// /openapi.json and /api/v1/ws-schema into lib/generated/ (`npm run gen:types`; `npm test`
// fails when they are out of date): nothing here lists a field.

import type { components, paths } from "./generated/api";
import type { ServerFrame } from "./generated/frames";

type Schemas = components["schemas"];

export type Role = Schemas["Role"];
export type User = Schemas["UserOut"];
export type UserPublic = Schemas["UserPublic"];
export type TokenPair = Schemas["TokenPair"];
/** `name` of a direct room (`is_direct`) is the other person's username. */
export type Room = Schemas["RoomOut"];
export type RoomMember = Schemas["MemberOut"];
/** `reactions` come in order of first use; `me` is always false in broadcast frames. */
export type Message = Schemas["MessageOut"];
export type Reaction = Schemas["ReactionOut"];
/** The message a reply answers: its sender and first 200 characters (empty once deleted). */
export type ReplyTo = Schemas["ReplyOut"];
/** A file sent with a message; `url` and `thumbnail_url` are signed and expire (fetch again). */
export type Attachment = Schemas["AttachmentOut"];
export type NotifyLevel = Schemas["NotifySetting"]["level"];
/** A signed-in device (one refresh-token family). */
export type Session = Schemas["SessionOut"];
export type Page = Schemas["Page"];
export type AdminStats = Schemas["Stats"];

// ---- HTTP paths ----------------------------------------------------------------------------

/** A path of the API, without its /api/v1 prefix, as the API client takes it. */
export type ApiPath = keyof paths extends infer P ? (P extends `/api/v1${infer Rest}` ? Rest : never) : never;

type PathItem<P extends ApiPath> = paths[`/api/v1${P}`];

/** The methods the API answers on `P`. */
export type ApiMethod<P extends ApiPath> = {
  [M in keyof PathItem<P>]-?: PathItem<P>[M] extends { responses: unknown } ? M : never;
}[keyof PathItem<P>];

/** The JSON body of a successful answer to `M` on `P`: a compile error when the backend has
 *  no such route, so the client's calls follow the API as the types do. */
export type Answer<P extends ApiPath, M extends ApiMethod<P>> = PathItem<P>[M] extends { responses: infer R }
  ? { [S in keyof R]: S extends 200 | 201 ? (R[S] extends { content: { "application/json": infer B } } ? B : never) : never }[keyof R]
  : never;

// ---- WebSocket frames ----------------------------------------------------------------------

export type { ClientFrame, ServerFrame } from "./generated/frames";

export type ServerFrameType = ServerFrame["type"];

/** Picks the frame variant of one `type`, for handler maps. */
export type FrameOf<T extends ServerFrameType> = Extract<ServerFrame, { type: T }>;
