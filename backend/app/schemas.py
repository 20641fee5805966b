"""Pydantic request and response models of the HTTP API (the WebSocket frames live in realtime/frames.py)."""

import datetime as dt
import re
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StrictBool, StringConstraints

from app.models import Role


def storable_text(value: str) -> str:
    """Refuse what no database can store: NUL characters and lone surrogates (not UTF-8)."""
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("must be valid UTF-8 text") from None
    return value


def password_bytes(value: str) -> str:
    # bcrypt reads at most 72 bytes: refuse longer passwords rather than truncate them silently.
    size = len(storable_text(value).encode("utf-8"))
    if not 8 <= size <= 72:
        raise ValueError(f"password must be 8 to 72 bytes in UTF-8 (this one is {size})")
    return value


# Control characters, and the bidirectional overrides and isolates that would turn the text
# around them (a display name "\u202eevil" reads backwards); as a regex character class, so the
# schema's pattern says it too. Emoji sequences (zero-width joiners) stay allowed.
NAME_FORBIDDEN = r"\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069"
_FORBIDDEN_IN_NAME = re.compile(f"[{NAME_FORBIDDEN}]")


def display_name(value: str | None) -> str | None:
    name = storable_text(value).strip() if value is not None else ""
    if _FORBIDDEN_IN_NAME.search(name):
        raise ValueError("must not contain control or text-direction characters")
    if len(name) > 64:
        raise ValueError("must be at most 64 characters once trimmed")
    return name or None  # blank: no display name


def room_name(value: str) -> str:
    name = storable_text(value).strip()
    if not 1 <= len(name) <= 64:
        raise ValueError("must be 1 to 64 characters once trimmed")
    return name


def room_topic(value: str | None) -> str | None:
    topic = storable_text(value).strip() if value is not None else ""
    if len(topic) > 250:
        raise ValueError("must be at most 250 characters once trimmed")
    return topic or None  # blank clears the topic


# What the validators here and in the message service enforce, as JSON Schema patterns, so
# /openapi.json (and the clients and fuzzers that read it) say it too; the validators keep their
# own error messages.
NO_NUL = r"^[^\x00]*$"
# What str.strip() trims, spelled out: `\s` is another set in JSON Schema (ECMA-262) and another
# again in Python's re (Unicode or ASCII), so a pattern with it says other than the validators.
SPACE = r"\t-\r\x1c- \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"


def trimmed_text(max_length: int, *, or_blank: bool = False) -> str:
    """1 to `max_length` characters once trimmed (of what str.strip() trims), and no NUL; `or_blank`:
    or nothing but spaces."""
    text = rf"[^{SPACE}\x00](?:[^\x00]{{0,{max_length - 2}}}[^{SPACE}\x00])?"
    return rf"^[{SPACE}]*{f'(?:{text})?' if or_blank else text}[{SPACE}]*$"


DEFAULT_MAX_MESSAGE_LENGTH = 4000  # MAX_MESSAGE_LENGTH's default (app/config.py)

Text = Annotated[str, AfterValidator(storable_text)]
Username = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_.-]{3,32}$")]
Password = Annotated[
    str,
    Field(
        min_length=2,
        max_length=72,
        description="8 to 72 bytes once encoded as UTF-8",
        json_schema_extra={"pattern": NO_NUL},
    ),
    AfterValidator(password_bytes),
]
RoomName = Annotated[str, Field(json_schema_extra={"pattern": trimmed_text(64)}), AfterValidator(room_name)]
# What display_name() takes: spaces around (trimmed), then at most 64 characters, none forbidden.
_NAME_EDGE = rf"[^{SPACE}{NAME_FORBIDDEN}]"
_NAME_TEXT = rf"^[{SPACE}]*(?:{_NAME_EDGE}(?:[^{NAME_FORBIDDEN}]{{0,62}}{_NAME_EDGE})?)?[{SPACE}]*$"
_DisplayNameText = Annotated[str, Field(max_length=256, json_schema_extra={"pattern": _NAME_TEXT})]
DisplayName = Annotated[
    _DisplayNameText | None,
    Field(description="at most 64 characters once trimmed, no control characters; empty or null: none"),
    AfterValidator(display_name),
]
_TopicText = Annotated[str, Field(json_schema_extra={"pattern": trimmed_text(250, or_blank=True)})]
RoomTopic = Annotated[
    _TopicText | None,
    Field(description="at most 250 characters once trimmed; empty or null clears it"),
    AfterValidator(room_topic),
]
ClientId = Annotated[
    str,
    StringConstraints(min_length=1, max_length=64),
    Field(json_schema_extra={"pattern": NO_NUL}),
    AfterValidator(storable_text),
]
# The configured MAX_MESSAGE_LENGTH (default 4000, counted after trimming) is checked by the
# message service, the one path for REST and WebSocket; this cap only bounds the parser.
MessageBody = Annotated[
    str,
    Field(
        max_length=65536,
        description="1 to MAX_MESSAGE_LENGTH (default 4000) characters after trimming",
        json_schema_extra={"pattern": trimmed_text(DEFAULT_MAX_MESSAGE_LENGTH)},
    ),
    AfterValidator(storable_text),
]


class Schema(BaseModel):
    model_config = ConfigDict(from_attributes=True)


# --- users and auth ---------------------------------------------------------------------------


class UserCreate(BaseModel):
    username: Username
    password: Password


class UserPublic(Schema):
    id: int
    username: str


# What a member is notified of in a room (Membership.notify), and what new rooms start at.
NotifyLevel = Literal["all", "mentions", "muted"]


class UserOut(Schema):
    id: int
    username: str
    display_name: str | None = Field(default=None, description="shown beside the username; null: none")
    role: Role
    is_active: bool
    created_at: dt.datetime
    default_notify: NotifyLevel = Field(
        default="mentions", description="what a membership of a new room starts at (direct rooms: all)"
    )


class ProfileUpdate(BaseModel):
    """Only the fields sent change."""

    display_name: DisplayName = None
    default_notify: NotifyLevel | None = Field(default=None, description="null: unchanged")


class PasswordChange(BaseModel):
    # Checked, not validated: any text that is not the password is simply wrong (403).
    current_password: Annotated[str, Field(min_length=1, max_length=256)]
    new_password: Password
    sign_out_other_devices: StrictBool = False


class PasswordChanged(BaseModel):
    signed_out_devices: int = Field(description="other devices signed out (0 unless asked)")


class TokenPair(BaseModel):
    access_token: str
    refresh_token: str
    token_type: Literal["bearer"] = "bearer"  # noqa: S105 (a scheme name, not a secret)
    expires_in: int = Field(description="seconds until the access token expires")


class RefreshRequest(BaseModel):
    refresh_token: Annotated[str, Field(min_length=1, max_length=512)]


class UserPage(BaseModel):
    users: list[UserPublic]
    has_more: bool = Field(description="more match: ask again with `after` = the last username")


class SessionOut(Schema):
    id: int
    created_at: dt.datetime
    last_used_at: dt.datetime
    user_agent: str | None
    ip: str | None
    current: bool


# --- rooms ------------------------------------------------------------------------------------


class RoomCreate(BaseModel):
    name: RoomName
    is_private: StrictBool = False  # true or false, as documented: not 0, 1, "yes" or "off"


class NotifySetting(BaseModel):
    level: NotifyLevel


class RoomOut(Schema):
    id: int
    name: str
    is_private: bool
    owner_id: int | None
    created_at: dt.datetime
    member_count: int
    joined: bool
    last_read_id: int | None = Field(default=None, description="the caller's read marker (null: nothing read)")
    unread_count: int = Field(default=0, description="messages after the read marker, by others, not deleted")
    is_direct: bool = Field(default=False, description="a direct room of two people, named after the other one")
    topic: str | None = Field(default=None, description="set by the owner; null: none")
    last_message_id: int | None = Field(default=None, description="the room's newest message id (null: none yet)")
    mention_count: int = Field(default=0, description="the caller's mentions after their read marker")
    notify: NotifyLevel | None = Field(
        default=None, description="what the caller is notified of here, on every device (null: not a member)"
    )


class RoomUpdate(BaseModel):
    """Only the fields sent change: an absent `topic` stays, a null or empty one is cleared."""

    name: RoomName | None = None  # null: unchanged
    topic: RoomTopic = None


class MemberOut(BaseModel):
    user: UserPublic
    online: bool


class MemberAdd(BaseModel):
    username: Username  # anything else names no one (and NUL would reach the database)


# --- messages ---------------------------------------------------------------------------------


MAX_ID = 2**63 - 1  # ids beyond 64 bits would overflow both databases' integers
# An id inside a JSON body: at most JSON's largest safe integer (JavaScript's
# Number.MAX_SAFE_INTEGER). Beyond it, JSON tools that read numbers as doubles round ids.
MAX_JSON_ID = 2**53 - 1
MAX_ATTACHMENTS = 10
MessageId = Annotated[int, Field(ge=1, le=MAX_JSON_ID)]


def distinct_ids(ids: list[int]) -> list[int]:
    if len(set(ids)) != len(ids):
        raise ValueError("each attachment is listed once")
    return ids


AttachmentIds = Annotated[
    list[MessageId],
    Field(
        max_length=MAX_ATTACHMENTS,
        json_schema_extra={"uniqueItems": True},
        description="ids of files the sender uploaded to this room (POST /rooms/{id}/files), not yet sent",
    ),
    AfterValidator(distinct_ids),
]


class MessageCreate(BaseModel):
    body: MessageBody
    client_id: ClientId | None = None
    reply_to: MessageId | None = Field(default=None, description="the id of a message of the same room")
    attachments: AttachmentIds = Field(default_factory=list)


class MessageUpdate(BaseModel):
    body: MessageBody


class ReactorsOut(BaseModel):
    emoji: str
    users: list[UserPublic] = Field(description="in the order they reacted")


class ReactionOut(BaseModel):
    emoji: str
    count: int = Field(description="how many people reacted with this emoji")
    me: bool = Field(description="whether the caller is one of them (always false in broadcast frames)")


class AttachmentOut(Schema):
    id: int
    name: str
    size: int = Field(description="bytes")
    content_type: str = Field(description="sniffed from the content, not taken from the uploader")
    width: int | None = Field(default=None, description="images only, in pixels")
    height: int | None = None
    url: str = Field(description="signed and short-lived: fetchable without a bearer header")
    thumbnail_url: str | None = Field(default=None, description="images only")


class ReplyOut(Schema):
    """The message replied to, as a snippet (empty once it is deleted)."""

    id: int
    sender: UserPublic
    snippet: str
    deleted: bool


class MessageOut(Schema):
    id: int
    room_id: int
    sender: UserPublic
    body: str
    client_id: str | None
    created_at: dt.datetime
    edited_at: dt.datetime | None
    deleted: bool
    # In order of first use. A message just sent has none, so sending costs no extra query.
    reactions: list[ReactionOut] = Field(default_factory=list)
    reply_to: ReplyOut | None = None
    mentions: list[int] = Field(
        default_factory=list, description="ids of the members named with @username (not @room/@here)"
    )
    mentions_everyone: bool = Field(default=False, description="@room or @here by an allowed sender")
    attachments: list[AttachmentOut] = Field(default_factory=list)


class Page(BaseModel):
    messages: list[MessageOut]
    has_more: bool


# --- read state, reactions, direct rooms --------------------------------------------------------

# An emoji, or any short token (`:+1:`): 1 to 32 characters, none of them whitespace, a control
# character or `/` (it also travels as a path segment). Compared exactly as sent.
EMOJI_PATTERN = r"^[^\s\x00-\x1f\x7f-\x9f/]{1,32}$"
Emoji = Annotated[
    str,
    StringConstraints(min_length=1, max_length=32, pattern=EMOJI_PATTERN),
    AfterValidator(storable_text),
]


class ReadMarkerUpdate(BaseModel):
    message_id: Annotated[int, Field(ge=1, le=MAX_JSON_ID)]


class ReactionCreate(BaseModel):
    emoji: Emoji


class DirectRoomCreate(BaseModel):
    username: Username


# --- admin and operations ---------------------------------------------------------------------


class AdminUserUpdate(BaseModel):
    role: Role | None = None
    is_active: StrictBool | None = None  # see RoomCreate.is_private


class AdminUserOut(UserOut):
    last_seen_at: dt.datetime | None = Field(description="last login or token refresh (null: never)")
    online: bool = Field(description="connected right now, on any server process")


RoomKind = Literal["public", "private", "direct"]


class AdminRoomOut(BaseModel):
    id: int
    name: str = Field(description="as stored: a direct room's is its two members' usernames")
    kind: RoomKind
    is_private: bool
    owner_id: int | None
    created_at: dt.datetime
    member_count: int
    message_count: int = Field(description="messages stored, deleted ones included")


AdminActionKind = Literal["user.role", "user.deactivate", "user.reactivate", "room.delete"]


class AuditRoom(BaseModel):
    id: int
    name: str | None = Field(description="its name when the action was taken (null: unknown)")


class AdminActionOut(BaseModel):
    id: int
    created_at: dt.datetime
    action: AdminActionKind
    actor: UserPublic | None = Field(description="the admin (null: that account no longer exists)")
    target_user: UserPublic | None = None
    target_room: AuditRoom | None = None
    detail: dict[str, str] = Field(
        default_factory=dict, description='`user.role`: {"from", "to"}; `room.delete`: {"name", "kind"}'
    )


class AuditPage(BaseModel):
    actions: list[AdminActionOut] = Field(description="newest first")
    has_more: bool = Field(description="older ones exist: ask again with `before` = the last id")


class Stats(BaseModel):
    users: int
    active_users_24h: int = Field(description="users seen (logged in or refreshed a token) in the last 24 hours")
    online_users: int = Field(description="users connected right now, among those seen in the last 24 hours")
    rooms: int
    messages: int
    messages_24h: int = Field(description="messages stored in the last 24 hours")
    connections: int = Field(description="open WebSocket connections on this server process")


class Health(BaseModel):
    status: Literal["ok"] = "ok"


class Readiness(BaseModel):
    status: Literal["ok", "degraded", "unavailable"]
    database: Literal["ok", "unavailable"]
    broker: Literal["ok", "unavailable", "in-process"]


class ErrorOut(BaseModel):
    detail: str
