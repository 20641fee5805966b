"""Every write is rate-limited per user, each kind by its own setting (`0` turns it off), and with
REDIS_URL the count is one for all the servers that share the Redis (not one per process)."""

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import redis.asyncio as aioredis

from app.config import Settings
from tests.support.accounts import Account, register
from tests.support.servers import LiveServer
from tests.support.services import REDIS_URL, PrivateRedis
from tests.support.sockets import join

LIMIT = "3/60s"


@dataclass
class Scene:
    """A server and the people a kind of write needs: alice writes; bob and carol are there to
    be invited or written to; `message_id` is a message of alice's in `general`."""

    live: LiveServer
    http: httpx.AsyncClient
    alice: Account
    others: list[Account]
    message_id: int


Write = Callable[[Scene, int], Awaitable[httpx.Response]]
OK = (200, 201, 204)


async def _message(scene: Scene, n: int) -> httpx.Response:
    return await scene.http.post("/rooms/1/messages", json={"body": f"m{n}"}, headers=scene.alice.headers)


async def _edit(scene: Scene, n: int) -> httpx.Response:
    return await scene.http.patch(f"/messages/{scene.message_id}", json={"body": f"e{n}"}, headers=scene.alice.headers)


async def _edit_or_delete(scene: Scene, n: int) -> httpx.Response:
    """Edits and deletions share one count: the last write is a deletion."""
    if n < 2:
        return await _edit(scene, n)
    return await scene.http.delete(f"/messages/{scene.message_id}", headers=scene.alice.headers)


async def _reaction(scene: Scene, n: int) -> httpx.Response:
    """Adding and taking back alike."""
    url = f"/messages/{scene.message_id}/reactions"
    if n % 2:
        return await scene.http.delete(f"{url}/👍", headers=scene.alice.headers)
    return await scene.http.post(url, json={"emoji": "👍"}, headers=scene.alice.headers)


async def _room(scene: Scene, n: int) -> httpx.Response:
    return await scene.http.post("/rooms", json={"name": f"room {n}"}, headers=scene.alice.headers)


async def _room_or_direct(scene: Scene, n: int) -> httpx.Response:
    """Rooms created and direct rooms started share one count."""
    if n % 2:
        return await _room(scene, n)
    return await scene.http.post("/dm", json={"username": scene.others[n // 2].username}, headers=scene.alice.headers)


async def _invite(scene: Scene, n: int) -> httpx.Response:
    if n == 0:
        room = await scene.http.post(
            "/rooms", json={"name": "private", "is_private": True}, headers=scene.alice.headers
        )
        assert room.status_code == 201, room.text
    rooms = (await scene.http.get("/rooms", headers=scene.alice.headers)).json()
    private = next(room["id"] for room in rooms if room["name"] == "private")
    invitee = scene.others[n].username
    return await scene.http.post(f"/rooms/{private}/members", json={"username": invitee}, headers=scene.alice.headers)


async def _read_marker(scene: Scene, n: int) -> httpx.Response:
    return await scene.http.post("/rooms/1/read", json={"message_id": scene.message_id}, headers=scene.alice.headers)


KINDS: dict[str, tuple[str, Write]] = {
    # name: (its setting, one write)
    "message": ("message_rate_limit", _message),
    "edit": ("edit_rate_limit", _edit),
    "edit or delete": ("edit_rate_limit", _edit_or_delete),
    "reaction": ("reaction_rate_limit", _reaction),
    "room": ("room_rate_limit", _room),
    "room or direct room": ("room_rate_limit", _room_or_direct),
    "invite": ("invite_rate_limit", _invite),
    "read marker": ("read_marker_rate_limit", _read_marker),
}
# Writes that anyone can do again just like alice (an edit needs one's own message, an invitation
# one's own room).
ANYONE_CAN = ("message", "room", "room or direct room", "read marker")


@asynccontextmanager
async def _scene(server_factory: Any, settings: Settings, people: int = 6) -> AsyncIterator[Scene]:
    live = await server_factory(settings)
    async with httpx.AsyncClient(base_url=live.url + "/api/v1", timeout=30) as http:
        alice = await register(http, "alice")
        others = [await register(http, f"user{i}") for i in range(people)]
        # alice's own, to edit; someone else's when only sends are limited (this one would count).
        author = others[-1] if settings.message_rate_limit.enabled else alice
        sent = await http.post("/rooms/1/messages", json={"body": "first"}, headers=author.headers)
        assert sent.status_code == 201, sent.text
        yield Scene(live, http, alice, others, sent.json()["id"])


@pytest.mark.parametrize("kind", list(KINDS))
async def test_each_kind_of_write_is_limited_per_user(server_factory: Any, settings_factory: Any, kind: str) -> None:
    setting, write = KINDS[kind]
    async with _scene(server_factory, settings_factory(**{setting: LIMIT})) as scene:
        for n in range(3):
            response = await write(scene, n)
            assert response.status_code in OK, (n, response.text)
        refused = await write(scene, 3)
        assert refused.status_code == 429, refused.text
        assert 1 <= int(refused.headers["retry-after"]) <= 60
        assert "retry in" in refused.json()["detail"]
        if kind in ANYONE_CAN:  # per user: someone else writes on
            scene.alice, scene.others[3] = scene.others[3], scene.alice
            assert (await write(scene, 4)).status_code in OK


@pytest.mark.parametrize("kind", list(KINDS))
async def test_zero_turns_a_limit_off(server_factory: Any, settings_factory: Any, kind: str) -> None:
    setting, write = KINDS[kind]
    assert not getattr(Settings(**{setting: "0"}), setting).enabled
    async with _scene(server_factory, settings_factory(**{setting: "0"})) as scene:
        for n in range(6):
            response = await write(scene, n)
            assert response.status_code in OK, (n, response.text)


async def test_opening_an_existing_direct_room_is_not_counted(server_factory: Any, settings_factory: Any) -> None:
    async with _scene(server_factory, settings_factory(room_rate_limit="2/60s"), people=3) as scene:
        bob, carol, dave = (account.username for account in scene.others)
        for peer in (bob, carol, bob, carol, bob):
            opened = await scene.http.post("/dm", json={"username": peer}, headers=scene.alice.headers)
            assert opened.status_code == 200, opened.text
        assert (await scene.http.post("/dm", json={"username": dave}, headers=scene.alice.headers)).status_code == 429


async def test_socket_sends_answer_rate_limited_and_keep_the_socket(server_factory: Any, settings_factory: Any) -> None:
    async with _scene(server_factory, settings_factory(message_rate_limit=LIMIT)) as scene:
        ws = await join(scene.live, scene.alice)
        for n in range(4):
            await ws.send({"type": "message", "body": f"s{n}", "client_id": f"s{n}"})
        frames = [await ws.recv() for _ in range(4)]  # the refusal may come before the stored three
        assert sorted(f["message"]["body"] for f in frames if f["type"] == "message") == ["s0", "s1", "s2"]
        (error,) = [f for f in frames if f["type"] == "error"]
        assert error["code"] == "rate_limited" and 0 < error["retry_after"] <= 60
        await ws.send({"type": "ping"})
        assert (await ws.recv_type("pong"))["type"] == "pong"
        await ws.close()


# --- shared by every server through Redis ---------------------------------------------------------


async def test_servers_sharing_a_redis_share_one_count(
    server_factory: Any, settings_factory: Any, redis_prefix: str
) -> None:
    settings = settings_factory(
        redis_url=REDIS_URL, redis_prefix=redis_prefix, message_rate_limit="4/60s", edit_rate_limit="4/60s"
    )
    one, two = await server_factory(settings), await server_factory(settings)
    async with (
        httpx.AsyncClient(base_url=one.url + "/api/v1", timeout=30) as a,
        httpx.AsyncClient(base_url=two.url + "/api/v1", timeout=30) as b,
    ):
        alice = await register(a, "alice")
        send = {"url": "/rooms/1/messages", "headers": alice.headers}
        codes = [(await http.post(**send, json={"body": f"m{n}"})).status_code for n, http in enumerate((a, a, b, b))]
        assert codes == [201] * 4
        for http in (a, b):  # the 5th, through either server
            refused = await http.post(**send, json={"body": "one too many"})
            assert refused.status_code == 429, refused.text
            assert 1 <= int(refused.headers["retry-after"]) <= 60

        message_id = (await a.get("/chat/history", params={"room_id": 1}, headers=alice.headers)).json()["messages"][0][
            "id"
        ]
        edit = {"url": f"/messages/{message_id}", "headers": alice.headers}
        codes = [(await http.patch(**edit, json={"body": f"e{n}"})).status_code for n, http in enumerate((b, a, b))]
        deleted = await a.delete(**edit)
        assert [*codes, deleted.status_code] == [200, 200, 200, 204]
        for http in (a, b):
            assert (await http.patch(**edit, json={"body": "again"})).status_code == 429

    redis = aioredis.from_url(REDIS_URL)
    keys = [key.decode() async for key in redis.scan_iter(f"{redis_prefix}:limits:*")]
    await redis.aclose()
    assert any("/message/" in key for key in keys) and any("/edit/" in key for key in keys), keys


async def test_while_redis_is_down_each_server_counts_alone(
    server_factory: Any, settings_factory: Any, private_redis: PrivateRedis
) -> None:
    """Writes are still limited while Redis does not answer: by each process's own count."""
    live = await server_factory(settings_factory(redis_url=private_redis.url, message_rate_limit=LIMIT))
    async with (
        httpx.AsyncClient(base_url=live.url + "/api/v1", timeout=30) as http,
        httpx.AsyncClient(base_url=live.url, timeout=30) as ops,
    ):
        alice = await register(http, "alice")

        async def burst() -> list[int]:
            return [
                (await http.post("/rooms/1/messages", json={"body": f"m{n}"}, headers=alice.headers)).status_code
                for n in range(4)
            ]

        assert await burst() == [201, 201, 201, 429]  # counted in Redis
        private_redis.stop()
        await _eventually(lambda: _readiness(ops), "degraded", lambda answer: answer[1]["broker"] == "unavailable")
        assert await burst() == [201, 201, 201, 429]  # counted in this process


async def _readiness(ops: httpx.AsyncClient) -> tuple[int, dict[str, Any]]:
    answer = await ops.get("/readyz")
    return answer.status_code, answer.json()


async def _eventually(probe: Callable[[], Awaitable[Any]], what: str, done: Callable[[Any], bool]) -> None:
    for _ in range(300):
        if done(await probe()):
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"not within 30 s: {what}")
