"""Fixtures, by concern: database, settings, redis, servers, accounts, sockets. The helpers they
use, and that tests import, are in tests/support/.

The whole suite runs once per database: `TEST_DATABASE=sqlite` (default), `postgresql` or
`mariadb`, and in parallel test processes (pytest-xdist, `-n 2`), each with a database of its own. Every test gets an
empty schema (migrated by Alembic) and its own data folder; servers listen on 127.0.0.1."""

import contextlib
import secrets
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis.asyncio as aioredis

from app.config import Settings
from tests.support.accounts import Account, AccountFactory, make_admin, register
from tests.support.database import Database, run_database
from tests.support.servers import (
    LiveServer,
    ProcessFactory,
    ServerFactory,
    ServerProcess,
    SettingsFactory,
    server_settings,
    start_server,
)
from tests.support.services import REDIS_URL, PrivateMariaDB, PrivatePostgres, PrivateRedis
from tests.support.sockets import Socket

# --- database and settings ---------------------------------------------------------------------


@pytest.fixture(scope="session")
def database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    """This test process's migrated database (one per pytest-xdist worker)."""
    with run_database(tmp_path_factory.mktemp("database")) as migrated:
        yield migrated


@pytest.fixture
def settings_factory(database: Database, tmp_path: Path) -> SettingsFactory:
    """Settings for a server of this test; every call after the first shares its database."""
    database_url = database.fresh(tmp_path)

    def make(**overrides: Any) -> Settings:
        return server_settings(tmp_path, **{"database_url": database_url, **overrides})

    return make


@pytest.fixture
def ws_direct_writes() -> bool:
    """Whether the test's server writes fan-out frames straight to the socket's transport (the
    default). `tests.support.sockets.on_both_write_paths` parametrizes it."""
    return True


@pytest.fixture
def settings(settings_factory: SettingsFactory, ws_direct_writes: bool) -> Settings:
    return settings_factory(ws_direct_writes=ws_direct_writes)


# --- redis -------------------------------------------------------------------------------------


@pytest.fixture
async def redis_prefix() -> AsyncIterator[str]:
    """A key and channel prefix of this test's own on the machine's Redis; its keys go after."""
    prefix = f"chat-test-{secrets.token_hex(4)}"
    client = aioredis.from_url(REDIS_URL)
    try:
        await client.ping()
    except Exception as exc:
        pytest.fail(f"Redis is not reachable at {REDIS_URL}: {exc}")
    yield prefix
    keys = [key async for key in client.scan_iter(f"{prefix}:*")]
    if keys:
        await client.delete(*keys)
    await client.aclose()


@pytest.fixture
def private_redis(tmp_path: Path) -> Iterator[PrivateRedis]:
    """A redis-server of this test's own, running; the test may stop and start it."""
    server = PrivateRedis(tmp_path)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def private_postgres() -> Iterator[PrivatePostgres]:
    """A PostgreSQL cluster of this test's own, running; the test may stop and start it."""
    cluster = PrivatePostgres()
    try:
        cluster.initdb()
        cluster.start()
        yield cluster
    finally:
        cluster.destroy()


@pytest.fixture
def private_mariadb() -> Iterator[PrivateMariaDB]:
    """A MariaDB server of this test's own, running, with an empty database `chat`; the test may
    stop and start it."""
    server = PrivateMariaDB()
    try:
        server.install()
        yield server
    finally:
        server.destroy()


# --- servers -----------------------------------------------------------------------------------


@pytest.fixture
async def server_factory() -> AsyncIterator[ServerFactory]:
    """Start servers (several may share the test's database); all are stopped at the end."""
    started: list[LiveServer] = []

    async def start(settings: Settings) -> LiveServer:
        live = await start_server(settings)
        started.append(live)
        return live

    yield start
    for live in reversed(started):
        if not live.stopped:
            await live.stop()


@pytest.fixture
async def server(server_factory: ServerFactory, settings: Settings) -> LiveServer:
    return await server_factory(settings)


@pytest.fixture
async def client(server: LiveServer) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=server.url + "/api/v1", timeout=30) as http:
        yield http


@pytest.fixture
def process_factory(tmp_path: Path) -> Iterator[ProcessFactory]:
    """Server processes (started by the test); every one still running at the end is stopped
    (by its own PID)."""
    started: list[ServerProcess] = []

    def make(settings: Settings, **env: str) -> ServerProcess:
        process = ServerProcess(settings, tmp_path / f"server-{len(started)}.log", **env)
        started.append(process)
        return process

    yield make
    for process in started:
        process.stop()


# --- accounts ----------------------------------------------------------------------------------


@pytest.fixture
def make_account(client: httpx.AsyncClient) -> AccountFactory:
    counter = iter(range(1, 10_000))

    async def make(username: str | None = None) -> Account:
        return await register(client, username or f"user{next(counter)}")

    return make


@pytest.fixture
async def alice(make_account: AccountFactory) -> Account:
    return await make_account("alice")


@pytest.fixture
async def bob(make_account: AccountFactory) -> Account:
    return await make_account("bob")


@pytest.fixture
async def admin(server: LiveServer, client: httpx.AsyncClient) -> Account:
    return await make_admin(server, client)


# --- sockets -----------------------------------------------------------------------------------


@pytest.fixture
async def sockets() -> AsyncIterator[list[Socket]]:
    """Sockets a test opened, closed at its end (append to it)."""
    opened: list[Socket] = []
    yield opened
    for item in opened:
        with contextlib.suppress(Exception):
            await item.close()
