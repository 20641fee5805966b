"""The app on a Redis Cluster (`REDIS_URL=redis+cluster://...`): three redis-server processes in
cluster mode, joined by `redis-cli --cluster create`. Rooms spread over the shards (sharded
pub/sub), and a `/ws` socket still gets the messages of all its rooms in id order; presence and
the shared rate limits work there too. (test_multi_instance.py runs the cross-process tests over
the cluster as well.)"""

import asyncio
import secrets

import httpx
import pytest
from redis.cluster import RedisCluster

from app.realtime.event import Event
from app.realtime.pubsub import InOrder
from tests.support.accounts import register
from tests.support.api import create_room, send_message
from tests.support.database import TEST_DATABASE
from tests.support.redis_cluster import PrivateRedisCluster
from tests.support.redis_cluster import redis_cluster_fixture as redis_cluster_fixture  # a fixture
from tests.support.servers import ServerFactory, SettingsFactory
from tests.support.sockets import connect, join

pytestmark = pytest.mark.skipif(TEST_DATABASE != "postgresql", reason="runs once, in the PostgreSQL pass")

ROOMS = 6
PER_ROOM = 15


@pytest.fixture
def prefix() -> str:
    return f"chat-test-{secrets.token_hex(4)}"


def _shards_of(cluster: PrivateRedisCluster, channels: list[str]) -> set[str]:
    client = RedisCluster(host="127.0.0.1", port=cluster.ports[0])
    try:
        return {client.get_node_from_key(channel).name for channel in channels}  # type: ignore[union-attr]
    finally:
        client.close()


async def test_rooms_spread_over_shards_and_a_user_socket_gets_them_in_id_order(
    server_factory: ServerFactory, settings_factory: SettingsFactory, redis_cluster: PrivateRedisCluster, prefix: str
) -> None:
    settings = settings_factory(redis_url=redis_cluster.url, redis_prefix=prefix)
    one, two = await server_factory(settings), await server_factory(settings)
    async with (
        httpx.AsyncClient(base_url=one.url + "/api/v1", timeout=30) as a,
        httpx.AsyncClient(base_url=two.url + "/api/v1", timeout=30) as b,
    ):
        alice, bob = await register(a, "alice"), await register(b, "bob")
        rooms = [(await create_room(a, alice, f"room {n}"))["id"] for n in range(ROOMS)]
        for room_id in rooms:
            assert (await b.post(f"/rooms/{room_id}/join", headers=bob.headers)).status_code == 200
        assert len(_shards_of(redis_cluster, [f"{prefix}:room:{room_id}" for room_id in rooms])) >= 2

        # bob's /ws on server two; alice sends from both servers to every room at once.
        ws, _ = await connect(two, bob)

        async def sends(http: httpx.AsyncClient, name: str) -> None:
            for n in range(PER_ROOM):
                await asyncio.gather(*(send_message(http, alice, f"{name} {n}", room_id) for room_id in rooms))

        await asyncio.gather(sends(a, "one"), sends(b, "two"))
        got = await ws.messages(2 * ROOMS * PER_ROOM, timeout=30)
        ids = [message["id"] for message in got]
        assert ids == sorted(set(ids)), "a /ws socket got messages of its rooms out of id order, or twice"
        assert {message["room_id"] for message in got} == set(rooms)
        await ws.close()


async def test_presence_and_shared_rate_limits_on_the_cluster(
    server_factory: ServerFactory, settings_factory: SettingsFactory, redis_cluster: PrivateRedisCluster, prefix: str
) -> None:
    settings = settings_factory(redis_url=redis_cluster.url, redis_prefix=prefix, message_rate_limit="4/60s")
    one, two = await server_factory(settings), await server_factory(settings)
    async with (
        httpx.AsyncClient(base_url=one.url + "/api/v1", timeout=30) as a,
        httpx.AsyncClient(base_url=two.url + "/api/v1", timeout=30) as b,
    ):
        alice, bob = await register(a, "alice"), await register(b, "bob")
        # Presence spans the servers: bob (on two) is told of alice coming online on one.
        bobs = await join(two, bob)
        alices = await join(one, alice)
        presence = await bobs.recv_type("presence")
        assert (presence["user"]["username"], presence["online"]) == ("alice", True)
        members = (await a.get("/rooms/1/members", headers=alice.headers)).json()
        assert {m["user"]["username"]: m["online"] for m in members} == {"alice": True, "bob": True}

        # One count for both servers: two sends through each, then the fifth is refused by either.
        for http in (a, a, b, b):
            await send_message(http, alice, "counted")
        for http in (a, b):
            refused = await http.post("/rooms/1/messages", json={"body": "over"}, headers=alice.headers)
            assert refused.status_code == 429, refused.text
        await alices.close()
        await bobs.close()


def _message(message_id: int) -> Event:
    return Event("room", room_id=message_id % 3, frame="{}", message_id=message_id)


async def test_events_from_several_shards_are_handed_on_in_publish_order() -> None:
    """InOrder on its own: shards whose events arrive interleaved, and a PING round (here, an event
    the test sets) during which more arrive."""
    delivered: list[Event] = []
    all_five = asyncio.Event()

    def deliver(event: Event) -> None:
        delivered.append(event)
        if len(delivered) == 5:
            all_five.set()

    round_trip = asyncio.Event()
    pinged = asyncio.Event()

    async def caught_up() -> None:
        pinged.set()
        await round_trip.wait()
        round_trip.clear()

    order = InOrder(deliver, caught_up)
    presence = Event("presence", user_id=7, frame="{}", rooms=(1,))
    # Shard B's 11 and a presence event after it arrive before shard A's 10, published first.
    order.add("B", _message(11))
    order.add("B", presence)
    await asyncio.wait_for(pinged.wait(), timeout=5)
    pinged.clear()
    order.add("A", _message(10))  # arrives during the round: comes before 11, so it is handed on
    order.add("A", _message(13))  # arrives during the round, after 11: waits for the next one
    order.add("B", _message(12))
    round_trip.set()
    await asyncio.wait_for(pinged.wait(), timeout=5)
    assert [(e.kind, e.message_id) for e in delivered] == [("room", 10), ("room", 11), ("presence", None)]
    round_trip.set()
    await asyncio.wait_for(all_five.wait(), timeout=5)
    assert [e.message_id for e in delivered[3:]] == [12, 13]
    await order.stop()
