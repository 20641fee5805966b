"""The hub's presence bookkeeping, in-process (the broker and presence store of one process):
a heartbeat that comes while a /ws socket's rooms are still being read must not mark its user
online before the arrival is announced."""

import orjson

from app.realtime.broker import Event, LocalBroker
from app.realtime.connection import ClientConnection
from app.realtime.hub import RoomHub
from app.realtime.presence import Member, MemoryPresence


async def _nothing(_message: object) -> None:
    return None


async def test_a_heartbeat_between_attach_and_the_room_read_does_not_hide_the_arrival() -> None:
    published: list[Event] = []
    broker = LocalBroker()
    await broker.start(published.append)

    async def rooms_of(user_id: int) -> tuple[str, list[int]]:
        return "bob", [7]

    hub = RoomHub(broker, MemoryPresence(), grace_seconds=0.5, rooms_of=rooms_of)
    bob = ClientConnection(_nothing, Member(2, "bob"), room_id=0, session_id=1, limit=10)
    await hub.attach(bob, [])  # a /ws socket: its rooms are read after this
    await hub.heartbeat()  # comes while they are being read
    await hub.follow(bob, [7])

    arrivals = [e for e in published if e.kind == "presence" and e.user_id == 2]
    assert [(e.rooms, orjson.loads(e.frame or "{}")["online"]) for e in arrivals] == [((7,), True)]
    await hub.detach(bob)
    await hub.stop()
