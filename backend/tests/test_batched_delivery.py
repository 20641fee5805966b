"""A group commit's messages of one room travel together: one broker event (one Redis message),
and one write on each socket that keeps up, with every guarantee of single frames kept: id order,
resume `skip`, the outbox and its limit (counted in frames), close codes.

The unit tests run a hub of their own (one process's broker, hub and connections) over real
sockets of a live server: a watcher's WebSocket in a room where nothing else happens, written to
by the test's hub through uvicorn's transport as the app's own hub would. `CountingSocket` is that
real `DirectSocket`, which also counts its writes."""

import asyncio
import datetime as dt
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest
from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol

from app.events import MessageEdited, MessageStored
from app.realtime.broker import Event, LocalBroker
from app.realtime.connection import ClientConnection
from app.realtime.delivery import Delivery
from app.realtime.frames import CloseCode
from app.realtime.hub import RoomHub
from app.realtime.presence import Member, MemoryPresence
from app.schemas import MessageOut
from app.server_internals import DirectSocket
from tests.support.accounts import Account, register
from tests.support.redis_cluster import redis_cluster_fixture as redis_cluster_fixture  # a fixture
from tests.support.redis_cluster import redis_url_fixture as redis_url_fixture  # a fixture
from tests.support.servers import LiveServer, ProcessFactory, SettingsFactory, two_processes_over_redis
from tests.support.sockets import Socket, connect, join

ROOM, OTHER_ROOM = 1, 2


class CountingSocket(DirectSocket):
    """The real fast path to a socket, counting its writes."""

    __slots__ = ("writes",)

    def __init__(self, protocol: WebSocketsSansIOProtocol) -> None:
        super().__init__(protocol)
        self.writes = 0

    def write(self, wire: bytes) -> None:
        self.writes += 1
        super().write(wire)


def message(message_id: int, room_id: int = ROOM, body: str | None = None) -> MessageOut:
    return MessageOut(
        id=message_id,
        room_id=room_id,
        sender={"id": 1, "username": "sender"},
        body=body or f"message {message_id}",
        client_id=None,
        created_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
        edited_at=None,
        deleted=False,
    )


def stored(*ids: int, room_id: int = ROOM) -> list[MessageStored]:
    return [MessageStored(message(i, room_id)) for i in ids]


@dataclass
class Rig:
    """A process's broker, hub and delivery, and a connection of it on the watcher's socket."""

    delivery: Delivery
    hub: RoomHub
    socket: CountingSocket
    conn: ClientConnection
    watcher: Socket
    published: list[Event]


async def _rooms_of(user_id: int) -> tuple[str, list[int]]:
    return "watcher", [ROOM]


@pytest.fixture
async def rig(server: LiveServer, alice: Account, sockets: list[Socket]) -> AsyncIterator[Rig]:
    # The watcher's own socket, quiet: nothing is sent to its room but through the test's hub.
    sockets.append(watcher := await join(server, alice))
    [protocol] = [c for c in server.server.server_state.connections if isinstance(c, WebSocketsSansIOProtocol)]
    broker = LocalBroker()
    hub = RoomHub(broker, MemoryPresence(), grace_seconds=0.5, rooms_of=_rooms_of)
    published: list[Event] = []

    def handle(event: Event) -> None:
        published.append(event)
        hub.handle(event)

    await broker.start(handle)
    direct = CountingSocket(protocol)
    # Not the app's user: the app's hub knows nothing of this connection.
    conn = ClientConnection(protocol.send, Member(10_000, "watcher"), ROOM, session_id=1, limit=100, direct=direct)
    await hub.attach(conn, [ROOM])
    published.clear()  # the watcher's arrival (presence): only what the test publishes counts
    yield Rig(Delivery(broker), hub, direct, conn, watcher, published)
    await hub.detach(conn)
    await hub.stop()


async def received_ids(watcher: Socket, count: int) -> list[int]:
    return [m["id"] for m in await watcher.messages(count)]


async def test_a_groups_messages_of_one_room_reach_a_socket_in_order_in_one_write(rig: Rig) -> None:
    rig.conn.go_live(lambda: None)
    await rig.delivery.publish_all(stored(11, 12, 13, 14))
    assert [(e.kind, e.message_ids) for e in rig.published] == [("messages", (11, 12, 13, 14))]
    assert await received_ids(rig.watcher, 4) == [11, 12, 13, 14]
    assert rig.socket.writes == 1
    assert await rig.watcher.frames_before_pong() == []  # nothing more, nothing twice


async def test_a_group_over_several_rooms_keeps_the_publish_order(rig: Rig) -> None:
    """Consecutive messages of one room travel together; a message of another room between them
    splits the run (a /ws socket in both rooms must see the ids in order), and so does an event
    that is not a new message."""
    rig.conn.go_live(lambda: None)
    edited = MessageEdited(message(12, body="edited"))
    batch = [*stored(11, 12), *stored(13, room_id=OTHER_ROOM), *stored(14, 15), edited, *stored(16)]
    await rig.delivery.publish_all(batch)
    assert [(e.kind, e.room_id, e.message_ids or e.message_id) for e in rig.published] == [
        ("messages", ROOM, (11, 12)),
        ("room", OTHER_ROOM, 13),
        ("messages", ROOM, (14, 15)),
        ("room", ROOM, None),  # the edit
        ("room", ROOM, 16),
    ]
    frames = [await rig.watcher.recv() for _ in range(6)]
    assert [(f["type"], f["message"]["id"]) for f in frames] == [
        ("message", 11),
        ("message", 12),
        ("message", 14),
        ("message", 15),
        ("message_updated", 12),
        ("message", 16),
    ]
    assert rig.socket.writes == 4  # two runs of two, the edit, the last message


async def test_messages_a_resume_replayed_are_dropped_from_a_group(rig: Rig) -> None:
    rig.conn.skip = {ROOM: 12}  # the replay went up to 12
    rig.conn.go_live(lambda: None)
    await rig.delivery.publish_all(stored(11, 12, 13, 14))
    await rig.delivery.publish_all(stored(15, 16))
    assert await received_ids(rig.watcher, 4) == [13, 14, 15, 16]
    assert await rig.watcher.frames_before_pong() == []
    assert rig.socket.writes == 3  # the group partly replayed: frame by frame; the next whole


async def test_a_group_waits_in_the_outbox_in_order_until_the_socket_goes_live(rig: Rig) -> None:
    await rig.delivery.publish_all(stored(11, 12, 13))  # before `hello` and the replay are out
    await rig.delivery.publish_all(stored(14))
    assert rig.socket.writes == 0
    rig.conn.go_live(lambda: None)
    assert await received_ids(rig.watcher, 4) == [11, 12, 13, 14]


async def test_the_outbox_limit_counts_a_groups_frames(server: LiveServer, rig: Rig) -> None:
    rig.conn.limit = 2
    finished = asyncio.Event()
    await rig.delivery.publish_all(stored(11, 12, 13))  # three frames queued: one too many
    rig.conn.go_live(finished.set)
    assert await rig.watcher.closed_with() == CloseCode.TRY_LATER
    await asyncio.wait_for(finished.wait(), timeout=10)
    assert rig.socket.writes == 0


async def test_a_closed_socket_gets_nothing_of_a_group(rig: Rig) -> None:
    rig.conn.go_live(lambda: None)
    rig.conn.close(CloseCode.FORBIDDEN)
    await rig.delivery.publish_all(stored(11, 12))
    assert await rig.watcher.closed_with() == CloseCode.FORBIDDEN
    assert rig.socket.writes == 0


async def test_a_run_crosses_processes_as_one_event_unchanged() -> None:
    published: list[Event] = []
    broker = LocalBroker()
    await broker.start(published.append)
    await Delivery(broker).publish_all(stored(11, 12, 13))
    [event] = published
    assert Event.decode(event.encode()) == event
    assert (event.message_ids, event.message_id) == ((11, 12, 13), 13)  # ordered across shards by its last id


# --- end to end ---------------------------------------------------------------------------------


async def test_a_burst_stored_in_one_group_reaches_every_socket_whole_and_in_order(
    server: LiveServer, client: httpx.AsyncClient, alice: Account, bob: Account, sockets: list[Socket]
) -> None:
    sockets.append(room_socket := await join(server, bob))
    user_socket, _ = await connect(server, bob)
    sockets.append(user_socket)
    sockets.append(sender_socket := await join(server, alice))
    writer = server.context.messages.writer
    sender = Member(alice.id, alice.username)
    # Submitted in one go: the writer stores them in one group, published together.
    sent = [writer.submit(ROOM, sender, f"burst {i}", f"burst-{i}") for i in range(60)]
    ids = [result.message.id for result in await asyncio.gather(*sent)]
    assert ids == sorted(ids)
    for socket_ in (room_socket, user_socket, sender_socket):
        received = await socket_.messages(60)
        assert [m["id"] for m in received] == ids
        assert [m["body"] for m in received] == [f"burst {i}" for i in range(60)]
    # Then single messages as before: the next one is next on every socket.
    after = await client.post("/rooms/1/messages", json={"body": "after"}, headers=alice.headers)
    for socket_ in (room_socket, user_socket, sender_socket):
        assert [m["id"] for m in await socket_.messages(1)] == [after.json()["id"]]


async def test_bursts_cross_redis_whole_and_in_order(
    process_factory: ProcessFactory, settings_factory: SettingsFactory, redis_url: str, redis_prefix: str
) -> None:
    """Concurrent sends on two processes (each storing them in groups, published together):
    every socket, on either process, gets every message once, in id order."""
    settings = settings_factory()
    async with two_processes_over_redis(process_factory, settings, redis_url, redis_prefix) as (
        first,
        second,
        one,
        two,
    ):
        alice = await register(one, "alice")
        bob = await register(two, "bob")
        a = await join(first, alice)
        b = await join(second, bob)
        b_all, _ = await connect(second, bob)

        async def burst(http: httpx.AsyncClient, account: Account) -> None:
            responses = await asyncio.gather(
                *(
                    http.post("/rooms/1/messages", json={"body": f"{account.username} {i}"}, headers=account.headers)
                    for i in range(40)
                )
            )
            assert all(response.status_code == 201 for response in responses)

        await asyncio.gather(burst(one, alice), burst(two, bob))
        seen = [[m["id"] for m in await ws.messages(80)] for ws in (a, b, b_all)]
        for ids in seen:
            assert len(set(ids)) == 80
            assert ids == sorted(ids)
        assert seen[0] == seen[1] == seen[2]
        for ws in (a, b, b_all):
            await ws.close()
