"""Every WebSocket frame, both ways, as one Pydantic model in a union discriminated by `type`.

`GET /api/v1/ws-schema` serves their JSON Schema; the frontend's types are generated from it."""

from enum import IntEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from app.schemas import (
    AttachmentIds,
    ClientId,
    MessageBody,
    MessageId,
    MessageOut,
    NotifyLevel,
    RoomOut,
    UserPublic,
)


class CloseCode(IntEnum):
    """Every close code the server uses: the one place they are defined."""

    SERVICE_RESTART = 1012  # the process is stopping: reconnect (elsewhere) and resume
    POLICY = 1008  # an Origin that is not the site's, too many sockets, a bad `since`
    TOO_BIG = 1009  # a frame over WS_MAX_FRAME_BYTES
    TRY_LATER = 1013  # too slow for the room, replay not taken in time, database down: resume later
    UNAUTHENTICATED = 4401  # missing, invalid or expired token; the device was signed out
    FORBIDDEN = 4403  # not allowed in the room (any more), or the account was deactivated
    NO_ROOM = 4404  # no such room, or it was deleted


class Frame(BaseModel):
    model_config = ConfigDict(extra="ignore")


# --- client -> server ------------------------------------------------------------------------


RoomId = Annotated[int, Field(ge=1, le=2**63 - 1, strict=True)]  # strict: "1", 1.0 and true name no room


class SendMessage(Frame):
    type: Literal["message"]
    body: MessageBody
    client_id: ClientId | None = None
    room_id: RoomId | None = Field(default=None, description="required on /ws; on /ws/{room_id}, that room or absent")
    reply_to: MessageId | None = Field(default=None, description="the id of a message of the same room")
    attachments: AttachmentIds = Field(default_factory=list)


class Typing(Frame):
    type: Literal["typing"]
    room_id: RoomId | None = Field(default=None, description="required on /ws; on /ws/{room_id}, that room or absent")


class Ping(Frame):
    type: Literal["ping"]


class Auth(Frame):
    type: Literal["auth"]
    token: Annotated[str, Field(min_length=1, max_length=4096)]


ClientFrame = Annotated[SendMessage | Typing | Ping | Auth, Field(discriminator="type")]
client_frame_adapter: TypeAdapter[SendMessage | Typing | Ping | Auth] = TypeAdapter(ClientFrame)


# --- server -> client ------------------------------------------------------------------------


class Hello(Frame):
    """The first frame. On /ws/{room_id}: `room`, its newest message id and who of its members
    is online. On /ws: `rooms` (every room the user is a member of, each with its newest message
    id and unread count), the newest message id of them all, and who is online among the people
    the user shares a room with."""

    type: Literal["hello"] = "hello"
    user: UserPublic
    online: list[UserPublic]
    last_message_id: int | None
    room: RoomOut | None = Field(default=None, description="/ws/{room_id} only")
    rooms: list[RoomOut] | None = Field(default=None, description="/ws only")


class MessageFrame(Frame):
    type: Literal["message"] = "message"
    message: MessageOut


class MessageUpdated(Frame):
    type: Literal["message_updated"] = "message_updated"
    message: MessageOut


class MessageDeleted(Frame):
    type: Literal["message_deleted"] = "message_deleted"
    message_id: int
    room_id: int


class Presence(Frame):
    """Someone the user shares a room with came online (their first socket anywhere) or went
    offline (their last socket closed, after the grace period). `event` says the same as
    `online` ("join": online, "leave": offline), kept for the clients of the first contract."""

    type: Literal["presence"] = "presence"
    event: Literal["join", "leave"]
    online: bool
    user: UserPublic


class TypingNotice(Frame):
    type: Literal["typing"] = "typing"
    room_id: int
    user: UserPublic


class Pong(Frame):
    type: Literal["pong"] = "pong"


class Gap(Frame):
    """More messages were missed than a resume replays: fetch the older ones from /chat/history."""

    type: Literal["gap"] = "gap"
    room_id: int | None = Field(default=None, description="the room whose history to fetch (null: every room)")


class ErrorFrame(Frame):
    type: Literal["error"] = "error"
    code: Literal["bad_request", "invalid_message", "rate_limited", "forbidden", "unavailable"]
    detail: str
    retry_after: float | None = None
    client_id: str | None = Field(default=None, description="the refused send's client_id, when it had one")
    room_id: int | None = Field(default=None, description="the room the refused frame named, on /ws")


class RoomDeleted(Frame):
    type: Literal["room_deleted"] = "room_deleted"
    room_id: int


class NotifyFrame(Frame):
    """The user's notification setting of a room changed (to every socket of the user)."""

    type: Literal["notify"] = "notify"
    room_id: int
    level: NotifyLevel


class RoomAdded(Frame):
    """/ws: the user became a member (joined, was added, created the room, a DM started); the
    room's frames flow on this socket from now on."""

    type: Literal["room_added"] = "room_added"
    room: RoomOut


class RoomRemoved(Frame):
    """/ws: the room's frames stop on this socket: the user left it, was removed, or it was deleted."""

    type: Literal["room_removed"] = "room_removed"
    room_id: int
    reason: Literal["left", "removed", "deleted"]


class RoomUpdated(Frame):
    """The room was renamed or its topic changed (both sockets)."""

    type: Literal["room_updated"] = "room_updated"
    room_id: int
    name: str
    topic: str | None


class MemberChanged(Frame):
    """Someone joined the room, or left or was removed (to the room's other members, both sockets)."""

    type: Literal["member_changed"] = "member_changed"
    room_id: int
    user_id: int
    joined: bool


class ReactionFrame(Frame):
    """Someone added or removed a reaction. One copy goes to every member, so `me` in
    `message.reactions` is always false: each client applies `user`, `emoji` and `added` to
    the flags it holds (or reads them fresh from the REST answer to its own reaction)."""

    type: Literal["reaction"] = "reaction"
    message: MessageOut
    user: UserPublic
    emoji: str
    added: bool


class ReadFrame(Frame):
    """The caller's read marker moved (to every socket of the reader, whatever room it is in)."""

    type: Literal["read"] = "read"
    room_id: int
    message_id: int


ServerFrame = Annotated[
    Hello
    | MessageFrame
    | MessageUpdated
    | MessageDeleted
    | Presence
    | TypingNotice
    | Pong
    | Gap
    | ErrorFrame
    | RoomDeleted
    | RoomAdded
    | RoomRemoved
    | RoomUpdated
    | MemberChanged
    | NotifyFrame
    | ReactionFrame
    | ReadFrame,
    Field(discriminator="type"),
]


def encode(frame: Frame) -> str:
    """Serialise a frame once; the same text goes to every socket that receives it."""
    # `retry_after` is absent, not null, on errors that are not rate limits.
    return frame.model_dump_json(exclude_none=isinstance(frame, ErrorFrame))


def frames_json_schema() -> dict[str, Any]:
    client = TypeAdapter(ClientFrame).json_schema(ref_template="#/$defs/{model}")
    server = TypeAdapter(ServerFrame).json_schema(ref_template="#/$defs/{model}")
    defs = {**client.pop("$defs", {}), **server.pop("$defs", {})}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "Chat WebSocket frames",
        "$defs": defs,
        "properties": {"client": client, "server": server},
    }
