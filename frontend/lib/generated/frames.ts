// GENERATED FILE, do not edit. Made by `npm run gen:types` (frontend/scripts/gen-types.mjs)
// with openapi-typescript from the backend's /api/v1/ws-schema, as exported by
// backend/scripts/export_schemas.py. Change the backend, then run `npm run gen:types`;
// `npm run check:types` (in `npm test`) fails while this file is out of date.

import type { components as Api } from "./api";
export type paths = Record<string, never>;
export type webhooks = Record<string, never>;
export interface components {
    schemas: {
        /** Auth */
        Auth: {
            /**
             * @description discriminator enum property added by openapi-typescript
             * @enum {string}
             */
            type: "auth";
            /** Token */
            token: string;
        };
        /** Ping */
        Ping: {
            /**
             * @description discriminator enum property added by openapi-typescript
             * @enum {string}
             */
            type: "ping";
        };
        /** SendMessage */
        SendMessage: {
            /**
             * @description discriminator enum property added by openapi-typescript
             * @enum {string}
             */
            type: "message";
            /**
             * Body
             * @description 1 to MAX_MESSAGE_LENGTH (default 4000) characters after trimming
             */
            body: string;
            /**
             * Client Id
             * @default null
             */
            client_id?: string | null;
            /**
             * Room Id
             * @description required on /ws; on /ws/{room_id}, that room or absent
             * @default null
             */
            room_id?: number | null;
            /**
             * Reply To
             * @description the id of a message of the same room
             * @default null
             */
            reply_to?: number | null;
            /**
             * Attachments
             * @description ids of files the sender uploaded to this room (POST /rooms/{id}/files), not yet sent
             */
            attachments?: number[];
        };
        /** Typing */
        Typing: {
            /**
             * @description discriminator enum property added by openapi-typescript
             * @enum {string}
             */
            type: "typing";
            /**
             * Room Id
             * @description required on /ws; on /ws/{room_id}, that room or absent
             * @default null
             */
            room_id?: number | null;
        };
        /** ErrorFrame */
        ErrorFrame: {
            /**
             * @description discriminator enum property added by openapi-typescript
             * @enum {string}
             */
            type: "error";
            /**
             * Code
             * @enum {string}
             */
            code: "bad_request" | "invalid_message" | "rate_limited" | "forbidden" | "unavailable";
            /** Detail */
            detail: string;
            /**
             * Retry After
             * @default null
             */
            retry_after?: number | null;
            /**
             * Client Id
             * @description the refused send's client_id, when it had one
             * @default null
             */
            client_id?: string | null;
            /**
             * Room Id
             * @description the room the refused frame named, on /ws
             * @default null
             */
            room_id?: number | null;
        };
        /**
         * Gap
         * @description More messages were missed than a resume replays: fetch the older ones from /chat/history.
         */
        Gap: {
            /**
             * @description discriminator enum property added by openapi-typescript
             * @enum {string}
             */
            type: "gap";
            /**
             * Room Id
             * @description the room whose history to fetch (null: every room)
             * @default null
             */
            room_id?: number | null;
        };
        /**
         * Hello
         * @description The first frame. On /ws/{room_id}: `room`, its newest message id and who of its members
         *     is online. On /ws: `rooms` (every room the user is a member of, each with its newest message
         *     id and unread count), the newest message id of them all, and who is online among the people
         *     the user shares a room with.
         */
        Hello: {
            /**
             * @description discriminator enum property added by openapi-typescript
             * @enum {string}
             */
            type: "hello";
            user: Api["schemas"]["UserPublic"];
            /** Online */
            online: Api["schemas"]["UserPublic"][];
            /** Last Message Id */
            last_message_id: number | null;
            /**
             * @description /ws/{room_id} only
             * @default null
             */
            room?: Api["schemas"]["RoomOut"] | null;
            /**
             * Rooms
             * @description /ws only
             * @default null
             */
            rooms?: Api["schemas"]["RoomOut"][] | null;
        };
        /**
         * MemberChanged
         * @description Someone joined the room, or left or was removed (to the room's other members, both sockets).
         */
        MemberChanged: {
            /**
             * @description discriminator enum property added by openapi-typescript
             * @enum {string}
             */
            type: "member_changed";
            /** Room Id */
            room_id: number;
            /** User Id */
            user_id: number;
            /** Joined */
            joined: boolean;
        };
        /** MessageDeleted */
        MessageDeleted: {
            /**
             * @description discriminator enum property added by openapi-typescript
             * @enum {string}
             */
            type: "message_deleted";
            /** Message Id */
            message_id: number;
            /** Room Id */
            room_id: number;
        };
        /** MessageFrame */
        MessageFrame: {
            /**
             * @description discriminator enum property added by openapi-typescript
             * @enum {string}
             */
            type: "message";
            message: Api["schemas"]["MessageOut"];
        };
        /** MessageUpdated */
        MessageUpdated: {
            /**
             * @description discriminator enum property added by openapi-typescript
             * @enum {string}
             */
            type: "message_updated";
            message: Api["schemas"]["MessageOut"];
        };
        /**
         * NotifyFrame
         * @description The user's notification setting of a room changed (to every socket of the user).
         */
        NotifyFrame: {
            /**
             * @description discriminator enum property added by openapi-typescript
             * @enum {string}
             */
            type: "notify";
            /** Room Id */
            room_id: number;
            /**
             * Level
             * @enum {string}
             */
            level: "all" | "mentions" | "muted";
        };
        /** Pong */
        Pong: {
            /**
             * @description discriminator enum property added by openapi-typescript
             * @enum {string}
             */
            type: "pong";
        };
        /**
         * Presence
         * @description Someone the user shares a room with came online (their first socket anywhere) or went
         *     offline (their last socket closed, after the grace period). `event` says the same as
         *     `online` ("join": online, "leave": offline), kept for the clients of the first contract.
         */
        Presence: {
            /**
             * @description discriminator enum property added by openapi-typescript
             * @enum {string}
             */
            type: "presence";
            /**
             * Event
             * @enum {string}
             */
            event: "join" | "leave";
            /** Online */
            online: boolean;
            user: Api["schemas"]["UserPublic"];
        };
        /**
         * ReactionFrame
         * @description Someone added or removed a reaction. One copy goes to every member, so `me` in
         *     `message.reactions` is always false: each client applies `user`, `emoji` and `added` to
         *     the flags it holds (or reads them fresh from the REST answer to its own reaction).
         */
        ReactionFrame: {
            /**
             * @description discriminator enum property added by openapi-typescript
             * @enum {string}
             */
            type: "reaction";
            message: Api["schemas"]["MessageOut"];
            user: Api["schemas"]["UserPublic"];
            /** Emoji */
            emoji: string;
            /** Added */
            added: boolean;
        };
        /**
         * ReadFrame
         * @description The caller's read marker moved (to every socket of the reader, whatever room it is in).
         */
        ReadFrame: {
            /**
             * @description discriminator enum property added by openapi-typescript
             * @enum {string}
             */
            type: "read";
            /** Room Id */
            room_id: number;
            /** Message Id */
            message_id: number;
        };
        /**
         * RoomAdded
         * @description /ws: the user became a member (joined, was added, created the room, a DM started); the
         *     room's frames flow on this socket from now on.
         */
        RoomAdded: {
            /**
             * @description discriminator enum property added by openapi-typescript
             * @enum {string}
             */
            type: "room_added";
            room: Api["schemas"]["RoomOut"];
        };
        /** RoomDeleted */
        RoomDeleted: {
            /**
             * @description discriminator enum property added by openapi-typescript
             * @enum {string}
             */
            type: "room_deleted";
            /** Room Id */
            room_id: number;
        };
        /**
         * RoomRemoved
         * @description /ws: the room's frames stop on this socket: the user left it, was removed, or it was deleted.
         */
        RoomRemoved: {
            /**
             * @description discriminator enum property added by openapi-typescript
             * @enum {string}
             */
            type: "room_removed";
            /** Room Id */
            room_id: number;
            /**
             * Reason
             * @enum {string}
             */
            reason: "left" | "removed" | "deleted";
        };
        /**
         * RoomUpdated
         * @description The room was renamed or its topic changed (both sockets).
         */
        RoomUpdated: {
            /**
             * @description discriminator enum property added by openapi-typescript
             * @enum {string}
             */
            type: "room_updated";
            /** Room Id */
            room_id: number;
            /** Name */
            name: string;
            /** Topic */
            topic: string | null;
        };
        /** TypingNotice */
        TypingNotice: {
            /**
             * @description discriminator enum property added by openapi-typescript
             * @enum {string}
             */
            type: "typing";
            /** Room Id */
            room_id: number;
            user: Api["schemas"]["UserPublic"];
        };
        ClientFrame: components["schemas"]["SendMessage"] | components["schemas"]["Typing"] | components["schemas"]["Ping"] | components["schemas"]["Auth"];
        ServerFrame: components["schemas"]["Hello"] | components["schemas"]["MessageFrame"] | components["schemas"]["MessageUpdated"] | components["schemas"]["MessageDeleted"] | components["schemas"]["Presence"] | components["schemas"]["TypingNotice"] | components["schemas"]["Pong"] | components["schemas"]["Gap"] | components["schemas"]["ErrorFrame"] | components["schemas"]["RoomDeleted"] | components["schemas"]["RoomAdded"] | components["schemas"]["RoomRemoved"] | components["schemas"]["RoomUpdated"] | components["schemas"]["MemberChanged"] | components["schemas"]["NotifyFrame"] | components["schemas"]["ReactionFrame"] | components["schemas"]["ReadFrame"];
    };
    responses: never;
    parameters: never;
    requestBodies: never;
    headers: never;
    pathItems: never;
}
export type Auth = components['schemas']['Auth'];
export type Ping = components['schemas']['Ping'];
export type SendMessage = components['schemas']['SendMessage'];
export type Typing = components['schemas']['Typing'];
export type ErrorFrame = components['schemas']['ErrorFrame'];
export type Gap = components['schemas']['Gap'];
export type Hello = components['schemas']['Hello'];
export type MemberChanged = components['schemas']['MemberChanged'];
export type MessageDeleted = components['schemas']['MessageDeleted'];
export type MessageFrame = components['schemas']['MessageFrame'];
export type MessageUpdated = components['schemas']['MessageUpdated'];
export type NotifyFrame = components['schemas']['NotifyFrame'];
export type Pong = components['schemas']['Pong'];
export type Presence = components['schemas']['Presence'];
export type ReactionFrame = components['schemas']['ReactionFrame'];
export type ReadFrame = components['schemas']['ReadFrame'];
export type RoomAdded = components['schemas']['RoomAdded'];
export type RoomDeleted = components['schemas']['RoomDeleted'];
export type RoomRemoved = components['schemas']['RoomRemoved'];
export type RoomUpdated = components['schemas']['RoomUpdated'];
export type TypingNotice = components['schemas']['TypingNotice'];
export type ClientFrame = components['schemas']['ClientFrame'];
export type ServerFrame = components['schemas']['ServerFrame'];
export type $defs = Record<string, never>;
export type operations = Record<string, never>;
