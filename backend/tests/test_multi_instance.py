"""Several server processes share rooms through Redis: messages cross once, presence spans them;
on one Redis server (pub/sub) and on a Redis Cluster (sharded pub/sub, rooms spread over shards)."""

import asyncio
import subprocess
import sys

from app.server import BACKEND_DIR
from tests.support.accounts import register
from tests.support.api import send_message
from tests.support.redis_cluster import redis_cluster_fixture as redis_cluster_fixture  # a fixture
from tests.support.redis_cluster import redis_url_fixture as redis_url_fixture  # a fixture
from tests.support.servers import ProcessFactory, SettingsFactory, two_processes_over_redis
from tests.support.sockets import Socket, join


async def test_two_server_processes_share_a_room_through_redis(
    process_factory: ProcessFactory, settings_factory: SettingsFactory, redis_url: str, redis_prefix: str
) -> None:
    settings = settings_factory()
    async with two_processes_over_redis(process_factory, settings, redis_url, redis_prefix) as (
        first,
        second,
        one,
        two,
    ):
        alice = await register(one, "alice")
        bob = await register(two, "bob")
        carol = await register(two, "carol")
        a = await join(first, alice)
        b = await join(second, bob)
        c = await join(second, carol)
        # Each sees the others online, whichever process they are on.
        assert (await a.recv_type("presence"))["user"]["username"] == "bob"
        members = (await one.get("/rooms/1/members", headers=alice.headers)).json()
        assert {m["user"]["username"]: m["online"] for m in members} == {"alice": True, "bob": True, "carol": True}

        async def burst(ws: Socket, name: str) -> None:
            for i in range(25):
                await ws.send({"type": "message", "body": f"{name} {i}", "client_id": f"{name}-{i}"})

        await asyncio.gather(burst(a, "alice"), burst(b, "bob"))
        # A REST send on one process reaches sockets on the other too.
        await one.post("/rooms/1/messages", json={"body": "via rest"}, headers=alice.headers)
        seen = [[m["id"] for m in await ws.messages(51)] for ws in (a, b, c)]
        for ids in seen:
            assert len(ids) == len(set(ids)) == 51  # exactly once
            assert ids == sorted(ids)  # and in ascending id order
        assert seen[0] == seen[1] == seen[2]
        # Nothing more crosses: each process's last word on the room, sent after all that, is the
        # next message every socket gets (each process hears the room through Redis in order).
        await send_message(one, alice, "the end, on one")
        await send_message(two, bob, "the end, on two")
        for ws in (a, b, c):
            assert [m["body"] for m in await ws.messages(2)] == ["the end, on one", "the end, on two"]
            await ws.close()


def test_more_than_one_worker_without_redis_is_refused(settings_factory: SettingsFactory) -> None:
    settings = settings_factory()
    result = subprocess.run(
        [sys.executable, "-m", "app.server"],
        cwd=BACKEND_DIR,
        env={"PATH": "/usr/bin:/bin", "WORKERS": "2", "DATA_DIR": str(settings.data_dir), "PORT": "1"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode != 0
    assert "REDIS_URL" in result.stderr and "split" in result.stderr
