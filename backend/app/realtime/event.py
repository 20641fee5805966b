"""What crosses server processes: one event for rooms, users or sessions (app/realtime/broker.py
carries it; app/realtime/hub.py turns it into frames on this process's sockets)."""

from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Literal

import orjson

EventKind = Literal[
    "room",  # send `frame` to the room's sockets (but not to `user_id`'s when `skip_user`)
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

    def encode(self) -> bytes:
        return orjson.dumps({k: v for k, v in asdict(self).items() if v not in (None, False)})

    @classmethod
    def decode(cls, data: bytes) -> "Event":
        fields = orjson.loads(data)
        if "rooms" in fields:
            fields["rooms"] = tuple(fields["rooms"])
        return cls(**fields)


EventHandler = Callable[[Event], None]
