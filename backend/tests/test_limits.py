"""Abuse limits, each configurable: login and signup throttling, body and frame sizes, sockets per user."""

from typing import Any

import httpx

from tests.conftest import PASSWORD, LiveServer, join, login, open_socket, register


async def _client(live: LiveServer, ip: str = "127.0.0.1") -> httpx.AsyncClient:
    return httpx.AsyncClient(base_url=live.url + "/api/v1", timeout=30)


async def test_failed_logins_are_throttled_per_username(server_factory: Any, settings_factory: Any) -> None:
    live = await server_factory(settings_factory(login_rate_limit="3/60s"))
    async with await _client(live) as http:
        await register(http, "alice")
        codes = [(await login(http, "alice", "wrong password")).status_code for _ in range(3)]
        assert codes == [401, 401, 401]
        throttled = await login(http, "alice", PASSWORD)  # even the right password waits now
        assert throttled.status_code == 429
        assert 1 <= int(throttled.headers["retry-after"]) <= 60
        # Another username from the same address is throttled too (per-address limit).
        assert (await login(http, "someone-else", "wrong")).status_code == 429


async def test_successful_logins_do_not_count(server_factory: Any, settings_factory: Any) -> None:
    live = await server_factory(settings_factory(login_rate_limit="2/60s"))
    async with await _client(live) as http:
        await register(http, "alice")
        assert [(await login(http, "alice")).status_code for _ in range(5)] == [200] * 5


async def test_signups_are_throttled_per_address(server_factory: Any, settings_factory: Any) -> None:
    live = await server_factory(settings_factory(signup_rate_limit="2/3600s"))
    async with await _client(live) as http:
        codes = [
            (await http.post("/signup", json={"username": f"user{i}", "password": PASSWORD})).status_code
            for i in range(3)
        ]
        assert codes == [201, 201, 429]


async def test_limits_can_be_turned_off(server_factory: Any, settings_factory: Any) -> None:
    live = await server_factory(settings_factory(login_rate_limit="0", signup_rate_limit="0"))
    async with await _client(live) as http:
        await register(http, "alice")
        assert {(await login(http, "alice", "wrong")).status_code for _ in range(30)} == {401}


async def test_request_bodies_over_the_cap_are_413(server_factory: Any, settings_factory: Any) -> None:
    live = await server_factory(settings_factory(max_request_bytes=2048))
    async with await _client(live) as http:
        alice = await register(http, "alice")
        big = await http.post("/rooms/1/messages", json={"body": "x" * 3000}, headers=alice.headers)
        assert big.status_code == 413
        assert (await http.post("/rooms/1/messages", json={"body": "small"}, headers=alice.headers)).status_code == 201


async def test_frame_size_cap_is_configurable(server_factory: Any, settings_factory: Any) -> None:
    live = await server_factory(settings_factory(ws_max_frame_bytes=1024))
    async with await _client(live) as http:
        alice = await register(http, "alice")
    ws = await join(live, alice)
    await ws.send({"type": "message", "body": "y" * 2000})
    assert await ws.closed_with() == 1009


async def test_connections_per_user_are_capped(server_factory: Any, settings_factory: Any) -> None:
    live = await server_factory(settings_factory(max_connections_per_user=2))
    async with await _client(live) as http:
        alice = await register(http, "alice")
        bob = await register(http, "bob")
    first, second = await join(live, alice), await join(live, alice)
    assert await (await open_socket(live, alice.access_token)).closed_with() == 1008
    others = await join(live, bob)  # the cap is per user
    await first.close()
    third = await join(live, alice)  # a closed socket frees its place
    for ws in (second, others, third):
        await ws.close()
