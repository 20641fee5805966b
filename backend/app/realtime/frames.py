"""Every WebSocket frame, both ways, as one Pydantic model in a union discriminated by `type`.

`GET /api/v1/ws-schema` serves their JSON Schema; the frontend's types are generated from it."""

from enum import IntEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from app.schemas import ClientId, MessageBody, MessageOut, RoomOut, UserPublic


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


class SendMessage(Frame):
    type: Literal["message"]
    body: MessageBody
    client_id: ClientId | None = None


class Typing(Frame):
    type: Literal["typing"]


class Ping(Frame):
    type: Literal["ping"]


class Auth(Frame):
    type: Literal["auth"]
    token: Annotated[str, Field(min_length=1, max_length=4096)]


ClientFrame = Annotated[SendMessage | Typing | Ping | Auth, Field(discriminator="type")]
client_frame_adapter: TypeAdapter[SendMessage | Typing | Ping | Auth] = TypeAdapter(ClientFrame)


# --- server -> client ------------------------------------------------------------------------


class Hello(Frame):
    type: Literal["hello"] = "hello"
    room: RoomOut
    user: UserPublic
    online: list[UserPublic]
    last_message_id: int | None


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
    type: Literal["presence"] = "presence"
    event: Literal["join", "leave"]
    user: UserPublic


class TypingNotice(Frame):
    type: Literal["typing"] = "typing"
    user: UserPublic


class Pong(Frame):
    type: Literal["pong"] = "pong"


class Gap(Frame):
    """More messages were missed than a resume replays: fetch the older ones from /chat/history."""

    type: Literal["gap"] = "gap"


class ErrorFrame(Frame):
    type: Literal["error"] = "error"
    code: Literal["bad_request", "invalid_message", "rate_limited", "forbidden", "unavailable"]
    detail: str
    retry_after: float | None = None


class RoomDeleted(Frame):
    type: Literal["room_deleted"] = "room_deleted"
    room_id: int


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
