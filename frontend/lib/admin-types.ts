// Short names for the account and administration types of the generated OpenAPI types (the
// fields themselves are listed only there).

import type { components } from "./generated/api";

type Schemas = components["schemas"];

/** An account as the admin pages list it: the `User` fields plus last seen and online now. */
export type AdminUser = Schemas["AdminUserOut"];
/** A room as the admin pages list it, with its kind and figures. */
export type AdminRoom = Schemas["AdminRoomOut"];
/** One entry of the audit log: who did what to whom, when. */
export type AdminAction = Schemas["AdminActionOut"];
export type AdminActionKind = AdminAction["action"];
/** What a membership of a new room starts at. */
export type DefaultNotify = Schemas["UserOut"]["default_notify"];
