"""MariaDB stops under a running server (a private MariaDB server the test starts and kills):
sends get an `error` frame (`unavailable`) or a 503, `/readyz` is 503, nothing is reported stored
that is not; MariaDB comes back: the app recovers on its own. (PostgreSQL's and Redis's outages
are in test_outages.py.)"""

import asyncio
import time
from typing import Any

import httpx
import pytest

from tests.support.accounts import register
from tests.support.database import TEST_DATABASE
from tests.support.servers import ProcessFactory, ServerProcess, SettingsFactory
from tests.support.services import PrivateMariaDB
from tests.support.sockets import join, open_socket

pytestmark = pytest.mark.skipif(
    TEST_DATABASE != "mariadb", reason="runs once, in the mariadb pass: it brings its own MariaDB"
)


async def _readiness(http: httpx.AsyncClient) -> tuple[int, dict[str, Any]]:
    response = await http.get("/readyz")
    return response.status_code, response.json()


async def _ready_again(http: httpx.AsyncClient, timeout: float = 60) -> None:
    """Poll /readyz until the database is back (recovery takes a pool retry or two)."""
    deadline = time.monotonic() + timeout
    while await _readiness(http) != (200, {"status": "ok", "database": "ok", "broker": "in-process"}):
        assert time.monotonic() < deadline, f"/readyz not 200 again within {timeout} s"
        await asyncio.sleep(0.1)


async def test_mariadb_outage_refuses_sends_honestly_and_the_app_recovers_on_its_own(
    process_factory: ProcessFactory, settings_factory: SettingsFactory, private_mariadb: PrivateMariaDB
) -> None:
    settings = settings_factory(database_url=private_mariadb.url)
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

        private_mariadb.stop()
        await ws.send({"type": "message", "body": "during", "client_id": "c-1"})
        error = await ws.recv_type("error")
        assert error["code"] == "unavailable" and error["detail"], error
        rest = await api.post(
            "/rooms/1/messages", json={"body": "during, by REST", "client_id": "c-2"}, headers=alice.headers
        )
        assert rest.status_code == 503 and rest.json()["detail"], rest.text
        assert (await api.get("/chat/history", params={"room_id": 1}, headers=alice.headers)).status_code == 503
        assert (await api.get("/chat/search", params={"q": "before"}, headers=alice.headers)).status_code == 503
        status, body = await _readiness(ops)
        assert status == 503 and body["database"] == "unavailable", body
        assert await (await open_socket(server, alice.access_token)).closed_with() == 1013

        private_mariadb.start()
        await _ready_again(ops)
        await ws.send({"type": "message", "body": "during", "client_id": "c-1"})
        [during] = await ws.messages(1)
        sent = await api.post(
            "/rooms/1/messages", json={"body": "during, by REST", "client_id": "c-2"}, headers=alice.headers
        )
        assert sent.status_code == 201, sent.text
        history = (await api.get("/chat/history", params={"room_id": 1}, headers=alice.headers)).json()["messages"]
        assert [(m["id"], m["body"]) for m in history] == [
            (before["id"], "before 😀"),
            (during["id"], "during"),
            (sent.json()["id"], "during, by REST"),
        ]
        await ws.close()
    assert server.process is not None and server.process.poll() is None  # recovered without a restart
