"""What crosses server processes: one event for rooms, users or sessions (app/realtime/broker.py
carries it; app/realtime/hub.py turns it into frames on this process's sockets)."""

from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import Literal

import orjson

EventKind = Literal[
    "room",  # send `frame` to the room's sockets (but not to `user_id`'s when `skip_user`)
    "messages",  # messages of `room_id` published one after the other (`frames`, their ids in
    # `message_ids`, `message_id` the last): to the room's sockets, each socket's in one write
    "room_closed",  # the room is gone: its /ws/{room_id} sockets get `frame` and close with
    # `close_code`; /ws sockets stop receiving it and are told so
    "user_frame",  # send `frame` to every socket of `user_id`
    "user_closed",  # close every socket of `user_id`
    "session_closed",  # close every socket opened with `session_id`'s access tokens
    "member_added",  # `user_id`'s /ws sockets start receiving `room_id`, then get `frame`
    "member_removed",  # `user_id`'s /ws sockets stop receiving `room_id` and get `frame`; their
    # /ws/{room_id} sockets of that room close with `close_code`
    "presence",  # `user_id` came online or went offline: `frame` to the sockets of `rooms`
]


@dataclass(frozen=True, slots=True)
class Event:
    kind: EventKind
    room_id: int | None = None
    frame: str | None = None
    message_id: int | None = None  # set on message frames: lets a resuming socket drop what it replayed
    user_id: int | None = None
    skip_user: bool = False
    session_id: int | None = None
    close_code: int | None = None
    rooms: tuple[int, ...] | None = None
    frames: tuple[str, ...] | None = None
    message_ids: tuple[int, ...] | None = None

    def encode(self) -> bytes:
        values = ((name, getattr(self, name)) for name in _FIELDS)
        return orjson.dumps({name: value for name, value in values if value not in (None, False)})

    @classmethod
    def decode(cls, data: bytes) -> "Event":
        given = orjson.loads(data)
        for name in _TUPLES:
            if name in given:
                given[name] = tuple(given[name])
        return cls(**given)


_FIELDS = tuple(field.name for field in fields(Event))
_TUPLES = ("rooms", "frames", "message_ids")


EventHandler = Callable[[Event], None]
