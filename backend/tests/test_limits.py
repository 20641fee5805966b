"""Abuse limits, each configurable: login and signup throttling, body and frame sizes, sockets per user."""

import httpx

from tests.support.accounts import PASSWORD, login, register
from tests.support.servers import LiveServer, ServerFactory, SettingsFactory
from tests.support.services import REDIS_URL
from tests.support.sockets import join, open_socket


async def _client(live: LiveServer, ip: str = "127.0.0.1") -> httpx.AsyncClient:
    """A client whose requests come from `ip` (any 127.x address reaches a server on 127.0.0.1)."""
    transport = httpx.AsyncHTTPTransport(local_address=ip)
    return httpx.AsyncClient(base_url=live.url + "/api/v1", timeout=30, transport=transport)


async def test_failed_logins_throttle_the_address_not_the_account(
    server_factory: ServerFactory, settings_factory: SettingsFactory
) -> None:
    live = await server_factory(settings_factory(login_rate_limit="3/60s"))
    async with await _client(live, "127.0.0.1") as here, await _client(live, "127.0.0.2") as elsewhere:
        await register(elsewhere, "alice")
        codes = [(await login(here, "alice", "wrong password")).status_code for _ in range(3)]
        assert codes == [401, 401, 401]
        throttled = await login(here, "alice", PASSWORD)  # from this address, even the right password waits
        assert throttled.status_code == 429
        assert 1 <= int(throttled.headers["retry-after"]) <= 60
        # This address is throttled for every username (per address)...
        assert (await login(here, "someone-else", "wrong")).status_code == 429
        # ...but the owner, from an address with no failures, logs in: no lockout.
        assert (await login(elsewhere, "alice", PASSWORD)).status_code == 200
        assert (await login(elsewhere, "alice", "wrong password")).status_code == 401  # its own count


async def test_failed_logins_count_per_address_across_usernames(
    server_factory: ServerFactory, settings_factory: SettingsFactory
) -> None:
    live = await server_factory(settings_factory(login_rate_limit="3/60s"))
    async with await _client(live, "127.0.0.3") as guesser, await _client(live, "127.0.0.4") as owner:
        await register(owner, "alice")
        assert [(await login(guesser, f"user{n}", "wrong")).status_code for n in range(3)] == [401] * 3
        assert (await login(guesser, "alice", PASSWORD)).status_code == 429
        assert (await login(owner, "alice", PASSWORD)).status_code == 200


async def test_servers_sharing_a_redis_share_login_failures(
    server_factory: ServerFactory, settings_factory: SettingsFactory, redis_prefix: str
) -> None:
    settings = settings_factory(redis_url=REDIS_URL, redis_prefix=redis_prefix, login_rate_limit="3/60s")
    one, two = await server_factory(settings), await server_factory(settings)
    async with (
        await _client(one, "127.0.0.1") as here_one,
        await _client(two, "127.0.0.1") as here_two,
        await _client(two, "127.0.0.2") as elsewhere,
    ):
        await register(elsewhere, "alice")
        codes = [(await login(http, "alice", "wrong")).status_code for http in (here_one, here_two, here_one)]
        assert codes == [401, 401, 401]
        for http in (here_one, here_two):
            throttled = await login(http, "alice", PASSWORD)
            assert throttled.status_code == 429
            assert 1 <= int(throttled.headers["retry-after"]) <= 60
        assert (await login(elsewhere, "alice", PASSWORD)).status_code == 200


async def test_successful_logins_do_not_count(server_factory: ServerFactory, settings_factory: SettingsFactory) -> None:
    live = await server_factory(settings_factory(login_rate_limit="2/60s"))
    async with await _client(live) as http:
        await register(http, "alice")
        assert [(await login(http, "alice")).status_code for _ in range(5)] == [200] * 5


async def test_signups_are_throttled_per_address(
    server_factory: ServerFactory, settings_factory: SettingsFactory
) -> None:
    live = await server_factory(settings_factory(signup_rate_limit="2/3600s"))
    async with await _client(live) as http:
        codes = [
            (await http.post("/signup", json={"username": f"user{i}", "password": PASSWORD})).status_code
            for i in range(3)
        ]
        assert codes == [201, 201, 429]


async def test_limits_can_be_turned_off(server_factory: ServerFactory, settings_factory: SettingsFactory) -> None:
    live = await server_factory(settings_factory(login_rate_limit="0", signup_rate_limit="0"))
    async with await _client(live) as http:
        await register(http, "alice")
        assert {(await login(http, "alice", "wrong")).status_code for _ in range(30)} == {401}


async def test_request_bodies_over_the_cap_are_413(
    server_factory: ServerFactory, settings_factory: SettingsFactory
) -> None:
    live = await server_factory(settings_factory(max_request_bytes=2048))
    async with await _client(live) as http:
        alice = await register(http, "alice")
        big = await http.post("/rooms/1/messages", json={"body": "x" * 3000}, headers=alice.headers)
        assert big.status_code == 413
        assert (await http.post("/rooms/1/messages", json={"body": "small"}, headers=alice.headers)).status_code == 201


async def test_frame_size_cap_is_configurable(server_factory: ServerFactory, settings_factory: SettingsFactory) -> None:
    live = await server_factory(settings_factory(ws_max_frame_bytes=1024))
    async with await _client(live) as http:
        alice = await register(http, "alice")
    ws = await join(live, alice)
    await ws.send({"type": "message", "body": "y" * 2000})
    assert await ws.closed_with() == 1009


async def test_connections_per_user_are_capped(
    server_factory: ServerFactory, settings_factory: SettingsFactory
) -> None:
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
