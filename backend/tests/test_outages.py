"""Outages of the services the app depends on, with real servers that the tests start and stop
themselves: a private redis-server, PostgreSQL cluster or MariaDB server, each on a port and in a
folder of its own (the machine's own Redis and PostgreSQL are never touched), and real app
server processes.

- Redis stops while two app processes share it: each keeps serving (messages stored, delivered to
  the sockets of the process that took them), `/readyz` says `degraded`; Redis comes back on the
  same port: fan-out across the processes resumes without restarting them, and their sockets are
  told (`gap`) that they may have missed messages from the other process.
- The database (a private PostgreSQL, or MariaDB in the mariadb pass) stops: sends get an `error` frame (`unavailable`) or a 503, `/readyz` is 503, nothing
  is reported stored that is not; it comes back: the app recovers on its own."""

import asyncio
import time
from typing import Any

import httpx
import pytest

from tests.support.accounts import register
from tests.support.database import TEST_DATABASE
from tests.support.servers import ProcessFactory, ServerProcess, SettingsFactory
from tests.support.services import PrivateMariaDB, PrivatePostgres, PrivateRedis
from tests.support.sockets import join, open_socket


async def _eventually(check: Any, what: str, timeout: float = 60) -> Any:
    """Poll `check()` until it returns something truthy (recovery takes a retry cycle or two)."""
    deadline = time.monotonic() + timeout
    while True:
        result = await check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout} s: {what}")
        await asyncio.sleep(0.1)


async def _readiness(http: httpx.AsyncClient) -> tuple[int, dict[str, Any]]:
    response = await http.get("/readyz")
    return response.status_code, response.json()


# --- Redis -----------------------------------------------------------------------------------------


async def test_redis_outage_degrades_to_local_delivery_and_fan_out_resumes_when_it_is_back(
    process_factory: ProcessFactory, settings_factory: SettingsFactory, private_redis: PrivateRedis
) -> None:
    settings = settings_factory()
    env = {"REDIS_URL": private_redis.url, "REDIS_PREFIX": "outage"}
    one, two = process_factory(settings, **env), process_factory(settings, **env)
    await asyncio.gather(one.start(), two.start())
    pids = (one.process.pid, two.process.pid)  # type: ignore[union-attr]
    async with (
        httpx.AsyncClient(base_url=one.url + "/api/v1", timeout=30) as api_one,
        httpx.AsyncClient(base_url=one.url, timeout=30) as ops_one,
        httpx.AsyncClient(base_url=two.url + "/api/v1", timeout=30) as api_two,
        httpx.AsyncClient(base_url=two.url, timeout=30) as ops_two,
    ):
        alice, carol = await register(api_one, "alice"), await register(api_one, "carol")
        bob = await register(api_two, "bob")
        a, c, b = await join(one, alice), await join(one, carol), await join(two, bob)
        await a.send({"type": "message", "body": "before", "client_id": "a-0"})
        for socket in (a, b, c):
            assert [m["body"] for m in await socket.messages(1)] == ["before"]
        for ops in (ops_one, ops_two):
            assert await _readiness(ops) == (200, {"status": "ok", "database": "ok", "broker": "ok"})

        private_redis.stop()
        degraded = (200, {"status": "degraded", "database": "ok", "broker": "unavailable"})
        for ops in (ops_one, ops_two):
            await _eventually(lambda ops=ops: _is(_readiness(ops), degraded), "/readyz says degraded")
        # Still serving: stored, and delivered to the sockets of the process that took them.
        during = [f"during {n}" for n in range(3)]
        for n, body in enumerate(during):
            await a.send({"type": "message", "body": body, "client_id": f"a-{n + 1}"})
        rest = await api_one.post("/rooms/1/messages", json={"body": "during, by REST"}, headers=carol.headers)
        assert rest.status_code == 201, rest.text
        await b.send({"type": "message", "body": "during, from two", "client_id": "b-0"})
        for socket in (a, c):  # (the REST send may overtake the socket's)
            assert sorted(m["body"] for m in await socket.messages(4)) == sorted([*during, "during, by REST"])
        assert [m["body"] for m in await b.messages(1)] == ["during, from two"]
        history = (await api_two.get("/chat/history", params={"room_id": 1}, headers=bob.headers)).json()
        assert sorted(m["body"] for m in history["messages"]) == sorted(
            ["before", *during, "during, by REST", "during, from two"]
        )
        fresh = await join(one, alice)  # new sockets are welcome too
        await fresh.close()

        private_redis.start()  # same port: the app processes reconnect on their own
        for ops in (ops_one, ops_two):
            await _eventually(
                lambda ops=ops: _is(_readiness(ops), (200, {"status": "ok", "database": "ok", "broker": "ok"})),
                "/readyz says ok again",
            )
        # Each socket learns that it may have missed messages from the other process.
        for socket in (a, b, c):
            assert (await socket.recv_type("gap"))["type"] == "gap"
        await a.send({"type": "message", "body": "after, from one", "client_id": "a-9"})
        for socket in (a, b, c):
            assert [m["body"] for m in await socket.messages(1)] == ["after, from one"]
        await b.send({"type": "message", "body": "after, from two", "client_id": "b-9"})
        for socket in (a, b, c):
            assert [m["body"] for m in await socket.messages(1)] == ["after, from two"]
        for socket in (a, b, c):
            await socket.close()
    assert (one.process.pid, two.process.pid) == pids  # type: ignore[union-attr]
    assert one.process.poll() is None and two.process.poll() is None  # type: ignore[union-attr]


async def _is(readiness: Any, expected: tuple[int, dict[str, Any]]) -> bool:
    return bool(await readiness == expected)


# --- the database: PostgreSQL (in the sqlite pass) and MariaDB (in the mariadb pass) -------------


@pytest.fixture
def private_database(request: pytest.FixtureRequest) -> PrivatePostgres | PrivateMariaDB:
    """A private server of the parametrized kind, started by its own fixture."""
    return request.getfixturevalue(f"private_{request.param}")  # type: ignore[no-any-return]


@pytest.mark.parametrize(
    "private_database",
    [
        pytest.param(
            "postgres",
            marks=pytest.mark.skipif(TEST_DATABASE != "sqlite", reason="runs once, in the sqlite pass"),
        ),
        pytest.param(
            "mariadb",
            marks=pytest.mark.skipif(TEST_DATABASE != "mariadb", reason="runs once, in the mariadb pass"),
        ),
    ],
    indirect=True,
)
async def test_a_database_outage_refuses_sends_honestly_and_the_app_recovers_on_its_own(
    process_factory: ProcessFactory,
    settings_factory: SettingsFactory,
    private_database: PrivatePostgres | PrivateMariaDB,
) -> None:
    settings = settings_factory(database_url=private_database.url)
    server: ServerProcess = await process_factory(settings).start()  # migrates the empty database
    async with (
        httpx.AsyncClient(base_url=server.url + "/api/v1", timeout=30) as api,
        httpx.AsyncClient(base_url=server.url, timeout=30) as ops,
    ):
        alice = await register(api, "alice")
        ws = await join(server, alice)
        await ws.send({"type": "message", "body": "before 😀", "client_id": "c-0"})
        [before] = await ws.messages(1)
        assert await _readiness(ops) == (200, {"status": "ok", "database": "ok", "broker": "in-process"})

        private_database.stop()
        # Sends are refused, and say so; nothing is acknowledged.
        await ws.send({"type": "message", "body": "during", "client_id": "c-1"})
        error = await ws.recv_type("error")
        assert error["code"] == "unavailable" and error["detail"], error
        rest = await api.post(
            "/rooms/1/messages", json={"body": "during, by REST", "client_id": "c-2"}, headers=alice.headers
        )
        assert rest.status_code == 503 and rest.json()["detail"], rest.text
        assert (await api.get("/chat/history", params={"room_id": 1}, headers=alice.headers)).status_code == 503
        assert (await api.post("/token", data={"username": "alice", "password": alice.password})).status_code == 503
        status, body = await _readiness(ops)
        assert status == 503 and body["database"] == "unavailable", body
        assert (await ops.get("/healthz")).status_code == 200  # the process itself is up
        assert await (await open_socket(server, alice.access_token)).closed_with() == 1013  # try again later
        assert [f for f in await ws.frames_before_pong() if f["type"] == "message"] == []  # still nothing stored

        private_database.start()
        await _eventually(
            lambda: _is(_readiness(ops), (200, {"status": "ok", "database": "ok", "broker": "in-process"})),
            "/readyz is 200 again",
        )
        # The same socket works again; the refused sends are sent again and stored once.
        await ws.send({"type": "message", "body": "during", "client_id": "c-1"})
        [during] = await ws.messages(1)
        sent = await api.post(
            "/rooms/1/messages", json={"body": "during, by REST", "client_id": "c-2"}, headers=alice.headers
        )
        assert sent.status_code == 201, sent.text
        assert [m["body"] for m in await ws.messages(1)] == ["during, by REST"]
        history = (await api.get("/chat/history", params={"room_id": 1}, headers=alice.headers)).json()["messages"]
        assert [(m["id"], m["body"]) for m in history] == [
            (before["id"], "before 😀"),
            (during["id"], "during"),
            (sent.json()["id"], "during, by REST"),
        ]
        fresh = await join(server, alice)
        await fresh.close()
        await ws.close()
    assert server.process is not None and server.process.poll() is None  # recovered without a restart
