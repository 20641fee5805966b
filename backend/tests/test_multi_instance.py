"""Several server processes share rooms through Redis: messages cross once, presence spans them."""

import asyncio
import subprocess
import sys
from typing import Any

import httpx

from app.server import BACKEND_DIR
from tests.conftest import REDIS_URL, Account, Socket, register


async def _join(server: Any, account: Account, room_id: int = 1) -> Socket:
    from websockets.asyncio.client import connect

    connection = await connect(
        f"{server.ws_url}/ws/{room_id}", additional_headers={"Authorization": f"Bearer {account.access_token}"}
    )
    socket_ = Socket(connection)
    assert (await socket_.recv())["type"] == "hello"
    return socket_


async def test_two_server_processes_share_a_room_through_redis(
    process_factory: Any, settings_factory: Any, redis_prefix: str
) -> None:
    settings = settings_factory()
    env = {"REDIS_URL": REDIS_URL, "REDIS_PREFIX": redis_prefix}
    first, second = process_factory(settings, **env), process_factory(settings, **env)
    await asyncio.gather(first.start(), second.start())
    async with (
        httpx.AsyncClient(base_url=first.url + "/api/v1") as one,
        httpx.AsyncClient(base_url=second.url + "/api/v1") as two,
    ):
        alice = await register(one, "alice")
        bob = await register(two, "bob")
        carol = await register(two, "carol")
        a = await _join(first, alice)
        b = await _join(second, bob)
        c = await _join(second, carol)
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
        for ws in (a, b, c):
            assert [f for f in await ws.silent() if f["type"] == "message"] == []
            await ws.close()


def test_more_than_one_worker_without_redis_is_refused(settings_factory: Any) -> None:
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
