"""Test fixtures, by concern: database, redis, server, auth.

The whole suite runs once per database: `TEST_DATABASE=sqlite` (default) or `postgresql`
(a database of its own, created for the run and dropped after). Every test gets an empty
schema (migrated by Alembic) and its own data folder; servers listen on 127.0.0.1, free ports."""

import asyncio
import contextlib
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis.asyncio as aioredis
import uvicorn
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine
from websockets.asyncio.client import ClientConnection
from websockets.asyncio.client import connect as ws_connect
from websockets.exceptions import ConnectionClosed

from app.config import Settings
from app.context import AppContext
from app.main import create_app
from app.models import Base
from app.server import BACKEND_DIR, migrate, protocol_options

TEST_DATABASE = os.environ.get("TEST_DATABASE", "sqlite")
PG_ADMIN_URL = os.environ.get("TEST_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
PASSWORD = "correct horse battery"
GENERAL_ROOM_SQL = (
    "INSERT INTO rooms (name, name_key, is_private, created_at) VALUES ('general', 'general', false, now())"
)
TABLES = [table.name for table in Base.metadata.sorted_tables]


# --- database ----------------------------------------------------------------------------------


@dataclass
class Database:
    """One migrated database for the run; `reset()` empties it between tests."""

    url: str | None  # None: SQLite, a fresh copy of a migrated template file per test
    template: Path | None
    sync_engine: Engine | None

    def fresh(self, data_dir: Path) -> str | None:
        if self.template is not None:
            shutil.copy(self.template, data_dir / "chat.db")
            return None
        assert self.sync_engine is not None
        with self.sync_engine.begin() as connection:
            connection.execute(text(f"TRUNCATE {', '.join(TABLES)} RESTART IDENTITY CASCADE"))
            connection.execute(text(GENERAL_ROOM_SQL))
        return self.url


def _pg_url(database: str) -> str:
    return PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + database


@contextmanager
def empty_database(data_dir: Path) -> Iterator[Settings]:
    """Settings naming a database with nothing in it (dropped afterwards on PostgreSQL)."""
    if TEST_DATABASE == "sqlite":
        yield Settings(data_dir=data_dir)
        return
    name = f"chat_empty_{secrets.token_hex(4)}"
    admin = create_engine(_sync(PG_ADMIN_URL), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield Settings(data_dir=data_dir, database_url=_pg_url(name))
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _sync(url: str) -> str:
    return url.replace("postgresql://", "postgresql+psycopg://", 1)


@pytest.fixture(scope="session")
def database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    if TEST_DATABASE == "sqlite":
        template_dir = tmp_path_factory.mktemp("template")
        migrate(Settings(data_dir=template_dir, database_url=None))
        yield Database(None, template_dir / "chat.db", None)
        return
    if TEST_DATABASE != "postgresql":
        raise pytest.UsageError(f"TEST_DATABASE must be sqlite or postgresql, not {TEST_DATABASE!r}")
    name = f"chat_test_{secrets.token_hex(4)}"
    admin = create_engine(_sync(PG_ADMIN_URL), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:
        pytest.exit(f"PostgreSQL is not reachable at {PG_ADMIN_URL}: {exc}", returncode=3)
    url = _pg_url(name)
    migrate(Settings(database_url=url, data_dir=tmp_path_factory.mktemp("pg")))
    engine = create_engine(_sync(url))
    try:
        yield Database(url, None, engine)
    finally:
        engine.dispose()
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def settings_factory(database: Database, tmp_path: Path) -> Any:
    """Settings for a server of this test; every call after the first shares its database."""
    database_url = database.fresh(tmp_path)

    def make(**overrides: Any) -> Settings:
        values: dict[str, Any] = {
            "data_dir": tmp_path,
            "database_url": database_url,
            "bcrypt_rounds": 4,  # the cost is a setting; tests need speed, not strength
            "frontend_dir": tmp_path / "no-frontend",
            "presence_grace_seconds": 0.5,
            # Limits have tests of their own, with their own settings; elsewhere they would only
            # make bursts of test traffic flaky.
            "message_rate_limit": "0",
            "login_rate_limit": "0",
            "signup_rate_limit": "0",
            "edit_rate_limit": "0",
            "reaction_rate_limit": "0",
            "room_rate_limit": "0",
            "invite_rate_limit": "0",
            "read_marker_rate_limit": "0",
        }
        values.update(overrides)
        return Settings(**values)

    return make


@pytest.fixture
def settings(settings_factory: Any) -> Settings:
    result: Settings = settings_factory()
    return result


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


# --- servers -----------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class LiveServer:
    """A real uvicorn server in this test's event loop, on a free port of 127.0.0.1."""

    settings: Settings
    port: int
    server: uvicorn.Server
    task: asyncio.Task[None]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    @property
    def context(self) -> AppContext:
        context: AppContext = self.server.config.loaded_app.app.state.context  # type: ignore[union-attr]
        return context

    async def stop(self) -> None:
        self.server.should_exit = True
        await asyncio.wait_for(self.task, timeout=15)


async def start_server(settings: Settings) -> LiveServer:
    app = create_app(settings)
    port = free_port()
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=port,
        log_level="warning",
        **protocol_options(settings),
        lifespan="on",
    )
    server = uvicorn.Server(config)
    server.capture_signals = _no_signals  # type: ignore[method-assign]
    task = asyncio.create_task(server.serve())
    for _ in range(500):
        if server.started or task.done():
            break
        await asyncio.sleep(0.01)
    if not server.started:
        if task.done() and task.exception():
            raise task.exception()  # type: ignore[misc]
        raise RuntimeError("server did not start")
    return LiveServer(settings, port, server, task)


class _NoSignals:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None


def _no_signals() -> _NoSignals:
    return _NoSignals()


@pytest.fixture
async def server_factory() -> AsyncIterator[Any]:
    """Start servers (several may share the test's database); all are stopped at the end."""
    started: list[LiveServer] = []

    async def start(settings: Settings) -> LiveServer:
        live = await start_server(settings)
        started.append(live)
        return live

    yield start
    for live in reversed(started):
        if not live.task.done():
            await live.stop()


@pytest.fixture
async def server(server_factory: Any, settings: Settings) -> LiveServer:
    live: LiveServer = await server_factory(settings)
    return live


@pytest.fixture
async def client(server: LiveServer) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=server.url + "/api/v1", timeout=30) as http:
        yield http


# --- auth --------------------------------------------------------------------------------------


@dataclass
class Account:
    id: int
    username: str
    password: str
    access_token: str
    refresh_token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.access_token}"}


async def login(http: httpx.AsyncClient, username: str, password: str = PASSWORD) -> httpx.Response:
    return await http.post("/token", data={"username": username, "password": password})


async def register(http: httpx.AsyncClient, username: str, password: str = PASSWORD) -> Account:
    """Sign up and log in through the real endpoints."""
    created = await http.post("/signup", json={"username": username, "password": password})
    assert created.status_code == 201, created.text
    tokens = await login(http, username, password)
    assert tokens.status_code == 200, tokens.text
    body = tokens.json()
    return Account(created.json()["id"], username, password, body["access_token"], body["refresh_token"])


@pytest.fixture
def make_account(client: httpx.AsyncClient) -> Any:
    counter = iter(range(1, 10_000))

    async def make(username: str | None = None) -> Account:
        return await register(client, username or f"user{next(counter)}")

    return make


@pytest.fixture
async def alice(make_account: Any) -> Account:
    account: Account = await make_account("alice")
    return account


@pytest.fixture
async def bob(make_account: Any) -> Account:
    account: Account = await make_account("bob")
    return account


async def make_admin(server: LiveServer, http: httpx.AsyncClient, username: str = "root") -> Account:
    """An admin made the way an operator would (the same service `create-admin` calls)."""
    context = server.context
    async with context.sessions() as session:
        await context.admin.ensure_admin(session, username, PASSWORD, reset_password=True)
    tokens = (await login(http, username)).json()
    me = (await http.get("/users/me", headers={"Authorization": f"Bearer {tokens['access_token']}"})).json()
    return Account(me["id"], username, PASSWORD, tokens["access_token"], tokens["refresh_token"])


@pytest.fixture
async def admin(server: LiveServer, client: httpx.AsyncClient) -> Account:
    return await make_admin(server, client)


# --- websocket clients -------------------------------------------------------------------------


class Socket:
    """A real WebSocket client over TCP, with helpers that read JSON frames."""

    def __init__(self, connection: ClientConnection) -> None:
        self.connection = connection

    async def send(self, frame: dict[str, Any] | str) -> None:
        await self.connection.send(frame if isinstance(frame, str) else json.dumps(frame))

    async def recv(self, timeout: float = 10) -> dict[str, Any]:
        raw = await asyncio.wait_for(self.connection.recv(), timeout)
        frame: dict[str, Any] = json.loads(raw)
        return frame

    async def recv_type(self, kind: str, timeout: float = 10) -> dict[str, Any]:
        """The next frame of this type; frames of other types before it are skipped."""
        async with asyncio.timeout(timeout):
            while True:
                frame = await self.recv(timeout)
                if frame["type"] == kind:
                    return frame

    async def messages(self, count: int, timeout: float = 15) -> list[dict[str, Any]]:
        """The next `count` chat messages (other frames skipped)."""
        found = []
        async with asyncio.timeout(timeout):
            while len(found) < count:
                frame = await self.recv(timeout)
                if frame["type"] == "message":
                    found.append(frame["message"])
        return found

    async def closed_with(self, timeout: float = 10) -> int:
        """Read until the server closes; the close code."""
        try:
            async with asyncio.timeout(timeout):
                while True:
                    await self.connection.recv()
        except ConnectionClosed as closed:
            assert closed.rcvd is not None, "closed without a close frame"
            return closed.rcvd.code
        raise AssertionError("unreachable")

    async def silent(self, seconds: float = 0.3) -> list[dict[str, Any]]:
        """Frames that arrive within `seconds` (to show that something did not arrive)."""
        frames = []
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(seconds):
                while True:
                    frames.append(await self.recv(seconds))
        return frames

    async def close(self) -> None:
        await self.connection.close()


async def open_socket(
    server: LiveServer,
    token: str | None,
    room_id: int = 1,
    since: int | None = None,
    *,
    subprotocol: bool = False,
    **options: Any,
) -> Socket:
    """Connect to /ws/{room_id} with the token in the header (or the browser's subprotocol)."""
    url = f"{server.ws_url}/ws/{room_id}" + (f"?since={since}" if since is not None else "")
    if subprotocol:
        options["subprotocols"] = ["bearer", token]
    elif token is not None:
        options["additional_headers"] = {"Authorization": f"Bearer {token}"}
    # close_timeout: a test client that stopped reading cannot see the server's close frame behind
    # its unread backlog; waiting the default 10 s for it would only slow the suite down.
    return Socket(await ws_connect(url, open_timeout=10, close_timeout=1, max_size=2**22, **options))


async def join(server: LiveServer, account: Account, room_id: int = 1, since: int | None = None) -> Socket:
    """Connect and read `hello`."""
    socket_ = await open_socket(server, account.access_token, room_id, since)
    hello = await socket_.recv()
    assert hello["type"] == "hello", hello
    return socket_


@pytest.fixture
async def sockets() -> AsyncIterator[list[Socket]]:
    """Sockets a test opened, closed at its end (append to it)."""
    opened: list[Socket] = []
    yield opened
    for item in opened:
        with contextlib.suppress(Exception):
            await item.close()


# --- server processes --------------------------------------------------------------------------


class ServerProcess:
    """`python -m app.server` as a real process (what `make run` starts), on a free port."""

    def __init__(self, settings: Settings, log_path: Path, **env: str) -> None:
        self.settings = settings
        self.port = free_port()
        self.log_path = log_path
        self.env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "DATA_DIR": str(settings.data_dir),
            "PORT": str(self.port),
            "BCRYPT_ROUNDS": "4",
            "MESSAGE_RATE_LIMIT": "0",
            "LOGIN_RATE_LIMIT": "0",
            "SIGNUP_RATE_LIMIT": "0",
            "EDIT_RATE_LIMIT": "0",
            "REACTION_RATE_LIMIT": "0",
            "ROOM_RATE_LIMIT": "0",
            "INVITE_RATE_LIMIT": "0",
            "READ_MARKER_RATE_LIMIT": "0",
            "PRESENCE_GRACE_SECONDS": str(settings.presence_grace_seconds),
            "FRONTEND_DIR": str(settings.frontend_dir),
            "LOG_LEVEL": "warning",
            **({"DATABASE_URL": settings.database_url} if settings.database_url else {}),
            **env,
        }
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    async def start(self) -> "ServerProcess":
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "app.server"], cwd=BACKEND_DIR, env=self.env, stdout=log, stderr=log
            )
        async with httpx.AsyncClient() as http:
            for _ in range(300):
                if self.process.poll() is not None:
                    raise RuntimeError(f"server exited with {self.process.returncode}: {self.log_path.read_text()}")
                with contextlib.suppress(httpx.TransportError):
                    if (await http.get(self.url + "/healthz", timeout=1)).status_code == 200:
                        return self
                await asyncio.sleep(0.05)
        raise RuntimeError(f"server did not start: {self.log_path.read_text()}")

    def kill(self) -> None:
        """SIGKILL: no shutdown of any kind, as in a crash."""
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()


@pytest.fixture
def process_factory(tmp_path: Path) -> Iterator[Any]:
    """Start server processes; every one still running at the end is stopped (by its own PID)."""
    started: list[ServerProcess] = []

    def make(settings: Settings, **env: str) -> ServerProcess:
        process = ServerProcess(settings, tmp_path / f"server-{len(started)}.log", **env)
        started.append(process)
        return process

    yield make
    for process in started:
        process.stop()
