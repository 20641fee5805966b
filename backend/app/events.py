"""Domain events: what happened, in the domain's words, published by the services after the
change is committed. They know nothing of sockets: app/realtime/delivery.py turns each into the
frames and close codes of the wire."""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, Protocol

from app.schemas import MessageOut, RoomOut, UserPublic


@dataclass(frozen=True, slots=True)
class MessageStored:
    message: MessageOut


@dataclass(frozen=True, slots=True)
class MessageEdited:
    message: MessageOut


@dataclass(frozen=True, slots=True)
class MessageDeleted:
    room_id: int
    message_id: int


@dataclass(frozen=True, slots=True)
class ReactionChanged:
    message: MessageOut
    user: UserPublic
    emoji: str
    added: bool


@dataclass(frozen=True, slots=True)
class ReadMarkerMoved:
    """Only the reader hears of it (their other tabs and devices)."""

    user_id: int
    room_id: int
    message_id: int


@dataclass(frozen=True, slots=True)
class NotifyChanged:
    """Only the member hears of it (their other tabs and devices follow the setting)."""

    user_id: int
    room_id: int
    level: str


@dataclass(frozen=True, slots=True)
class UserTyping:
    room_id: int
    user: UserPublic


@dataclass(frozen=True, slots=True)
class MemberJoined:
    """The user became a member (joined, was added, created the room, a DM started): the room's
    traffic starts for them. `room` is the room as that user sees it."""

    user_id: int
    room: RoomOut


@dataclass(frozen=True, slots=True)
class MemberLeft:
    """The user left the room, or was removed from it: the room's traffic stops for them."""

    room_id: int
    user_id: int
    reason: Literal["left", "removed"] = "left"


@dataclass(frozen=True, slots=True)
class RoomUpdated:
    """The room was renamed, or its topic changed."""

    room_id: int
    name: str
    topic: str | None


@dataclass(frozen=True, slots=True)
class RoomDeleted:
    room_id: int


@dataclass(frozen=True, slots=True)
class UserDeactivated:
    user_id: int


@dataclass(frozen=True, slots=True)
class DeviceSignedOut:
    session_id: int


DomainEvent = (
    MessageStored
    | MessageEdited
    | MessageDeleted
    | ReactionChanged
    | ReadMarkerMoved
    | NotifyChanged
    | UserTyping
    | MemberJoined
    | MemberLeft
    | RoomUpdated
    | RoomDeleted
    | UserDeactivated
    | DeviceSignedOut
)


class EventSink(Protocol):
    async def publish(self, event: DomainEvent) -> None:
        """Deliver the event to whoever must hear of it (every server process's sockets)."""

    async def publish_all(self, batch: Sequence[DomainEvent]) -> None:
        """The same for events published together, in order (they may travel as one)."""
