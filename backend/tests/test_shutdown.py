"""Graceful shutdown (app/shutdown.py): SIGTERM to a real `python -m app.server` beside another
one, both sharing PostgreSQL and Redis.

To catch the process with a group commit in flight, the test holds the publish lock every
writer takes before it stores a group (services/publish_order.py: a PostgreSQL advisory lock):
a message sent then waits in the commit. Under SIGTERM the process stops listening, says 503 on
`/readyz`, closes its sockets with 1012 at once, and still stores and publishes that message
once the lock is free, then exits; held for good, the process exits all the same, within
SHUTDOWN_TIMEOUT_SECONDS. PostgreSQL pass only (the lock is PostgreSQL's)."""

import asyncio
import contextlib
import signal
import time
from collections.abc import AsyncIterator

import httpx
import psycopg
import pytest
from websockets.asyncio.client import connect as ws_connect

from app.services.publish_order import DatabasePublishLock
from tests.support.accounts import register
from tests.support.database import TEST_DATABASE
from tests.support.servers import ProcessFactory, ServerProcess, SettingsFactory
from tests.support.services import REDIS_URL
from tests.support.sockets import connect

pytestmark = pytest.mark.skipif(TEST_DATABASE != "postgresql", reason="PostgreSQL pass: holds its advisory lock")

TIMEOUT = 4  # SHUTDOWN_TIMEOUT_SECONDS of the process under test


@contextlib.asynccontextmanager
async def publish_lock_held(database_url: str) -> AsyncIterator[psycopg.AsyncConnection]:
    async with await psycopg.AsyncConnection.connect(database_url, autocommit=True) as db:
        await db.execute("SELECT pg_advisory_lock(%s, %s)", (DatabasePublishLock.NAMESPACE, DatabasePublishLock.KEY))
        yield db


async def until_a_writer_waits(db: psycopg.AsyncConnection) -> None:
    """Until a server's writer is waiting for the lock: its group commit is in flight (polled)."""
    async with asyncio.timeout(20):
        while True:
            cursor = await db.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")
            row = await cursor.fetchone()
            if row is not None and row[0] > 0:
                return
            await asyncio.sleep(0.02)


async def exit_code(server: ServerProcess, within: float) -> int:
    assert server.process is not None
    async with asyncio.timeout(within):
        while (code := server.process.poll()) is None:
            await asyncio.sleep(0.05)
    return code


async def test_sigterm_drains_finishes_the_commit_in_flight_and_closes_sockets_with_1012(
    process_factory: ProcessFactory, settings_factory: SettingsFactory, redis_prefix: str
) -> None:
    settings = settings_factory()
    assert settings.database_url is not None
    env = {"REDIS_URL": REDIS_URL, "REDIS_PREFIX": redis_prefix, "SHUTDOWN_TIMEOUT_SECONDS": str(TIMEOUT)}
    leaving, staying = process_factory(settings, **env), process_factory(settings, **env)
    await asyncio.gather(leaving.start(), staying.start())
    async with (
        httpx.AsyncClient(base_url=leaving.url) as ops,  # one kept-alive connection, opened before
        httpx.AsyncClient(base_url=staying.url + "/api/v1", timeout=30) as api,
    ):
        assert (await ops.get("/readyz")).status_code == 200
        alice, bob = await register(api, "alice"), await register(api, "bob")
        alices, _ = await connect(leaving, alice)
        bobs, _ = await connect(staying, bob)
        async with publish_lock_held(settings.database_url) as db:
            await alices.send({"type": "message", "room_id": 1, "body": "in flight", "client_id": "c1"})
            await until_a_writer_waits(db)
            leaving.process.send_signal(signal.SIGTERM)  # type: ignore[union-attr]
            started = time.monotonic()

            assert await alices.closed_with() == 1012  # at once: the commit is still waiting
            readiness = await ops.get("/readyz")
            assert readiness.status_code == 503 and readiness.json()["status"] == "unavailable"
            with pytest.raises(OSError):  # no longer listening
                await ws_connect(f"{leaving.ws_url}/ws", open_timeout=5)
            assert leaving.process.poll() is None  # type: ignore[union-attr]  # still finishing its commit
        # The lock is free: the message is stored, published to the other process, and the first exits.
        (message,) = await bobs.messages(1)
        assert (message["body"], message["client_id"]) == ("in flight", "c1")
        await exit_code(leaving, within=TIMEOUT + 10)
        print(f"\nSIGTERM: sockets closed 1012, commit finished, exit {time.monotonic() - started:.2f} s after")

        # alice resumes on the other process and finds her message: acknowledged by the replay.
        resumed, _ = await connect(staying, alice, since=message["id"] - 1)
        replayed = [f["message"]["client_id"] for f in await resumed.frames_before_pong() if f["type"] == "message"]
        assert replayed == ["c1"]
        for ws in (resumed, bobs):
            await ws.close()


async def test_sigterm_exits_within_the_bound_when_the_commit_cannot_finish(
    process_factory: ProcessFactory, settings_factory: SettingsFactory, redis_prefix: str
) -> None:
    settings = settings_factory()
    assert settings.database_url is not None
    env = {"REDIS_URL": REDIS_URL, "REDIS_PREFIX": redis_prefix, "SHUTDOWN_TIMEOUT_SECONDS": str(TIMEOUT)}
    server = await process_factory(settings, **env).start()
    async with httpx.AsyncClient(base_url=server.url + "/api/v1", timeout=30) as api:
        alice = await register(api, "alice")
    ws, _ = await connect(server, alice)
    async with publish_lock_held(settings.database_url) as db:
        await ws.send({"type": "message", "room_id": 1, "body": "stuck", "client_id": "c1"})
        await until_a_writer_waits(db)
        server.process.send_signal(signal.SIGTERM)  # type: ignore[union-attr]
        assert await ws.closed_with() == 1012
        # Never let go of: the process gives up on it after SHUTDOWN_TIMEOUT_SECONDS, and exits.
        await exit_code(server, within=TIMEOUT + 10)
