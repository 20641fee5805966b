"""Servers for a test: the app served by uvicorn in the test's own event loop (LiveServer), or
`python -m app.server` as a process of its own (ServerProcess), each on a port of 127.0.0.1."""

import asyncio
import contextlib
import os
import socket
import subprocess
import sys
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from fastapi import FastAPI

from app.config import Settings
from app.context import AppContext
from app.main import create_app
from app.server import BACKEND_DIR, protocol_options

# Limits have tests of their own, with their own settings; elsewhere they would only make bursts
# of test traffic flaky.
LIMITS_OFF = {
    "upload_rate_limit": "0",
    "message_rate_limit": "0",
    "login_rate_limit": "0",
    "signup_rate_limit": "0",
    "edit_rate_limit": "0",
    "reaction_rate_limit": "0",
    "room_rate_limit": "0",
    "invite_rate_limit": "0",
    "read_marker_rate_limit": "0",
}


def server_settings(data_dir: Path, database_url: str | None = None, **overrides: Any) -> Settings:
    """The settings of a test's server: its data folder and database, cheap password hashes, no
    frontend, a short presence grace, and no rate limits (unless `overrides` say otherwise)."""
    values: dict[str, Any] = {
        "data_dir": data_dir,
        "database_url": database_url,
        "bcrypt_rounds": 4,  # the cost is a setting; tests need speed, not strength
        "frontend_dir": data_dir / "no-frontend",
        "presence_grace_seconds": 0.5,
        **LIMITS_OFF,
        **overrides,
    }
    return Settings(**values)


def free_port() -> int:
    """A port no one listens on now (for a process that binds it itself, soon)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class OnLoopback(ABC):
    """A server of the test's on 127.0.0.1: its `port`, and the URLs clients use."""

    @property
    @abstractmethod
    def port(self) -> int: ...

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"


@dataclass
class LiveServer(OnLoopback):
    """The app, served by a real uvicorn server in the test's event loop on a socket of its own."""

    settings: Settings
    app: FastAPI
    server: uvicorn.Server
    listener: socket.socket
    ticking: asyncio.Task[None]

    @property
    def port(self) -> int:
        port: int = self.listener.getsockname()[1]
        return port

    @property
    def context(self) -> AppContext:
        """The app's services, as its lifespan built them."""
        context: AppContext = self.app.state.context
        return context

    @property
    def stopped(self) -> bool:
        return self.ticking.done()

    async def stop(self) -> None:
        self.server.should_exit = True
        try:
            await asyncio.wait_for(self.ticking, timeout=15)
            await asyncio.wait_for(self.server.shutdown(sockets=[self.listener]), timeout=15)
        except TimeoutError:
            # Where the shutdown is stuck (the lifespan runs in a task of its own, still waiting):
            # in the test's report, since a hang seen once in CI may not come back on demand.
            for task in asyncio.all_tasks():
                task.print_stack(limit=30, file=sys.stderr)
            raise


async def start_server(settings: Settings) -> LiveServer:
    """Serve `create_app(settings)` with the protocol options of `make run`, once it is listening.

    What uvicorn's `Server.serve()` does, step by step, without its signal handlers (which would
    take the test process's Ctrl+C for themselves): load the config, start the lifespan and listen
    (`startup`), tick until told to exit (`main_loop`), then `shutdown`. The socket is bound here,
    on a port the kernel picks, so servers of parallel test processes never race for one."""
    app = create_app(settings)
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    config = uvicorn.Config(app, log_level="warning", lifespan="on", **protocol_options(settings))
    config.load()
    server = uvicorn.Server(config)
    server.lifespan = config.lifespan_class(config)
    try:
        await server.startup(sockets=[listener])
    except SystemExit:  # uvicorn's way of saying the lifespan failed (it logged why)
        listener.close()
        raise RuntimeError("the server did not start: its lifespan failed (see the log above)") from None
    return LiveServer(settings, app, server, listener, asyncio.create_task(server.main_loop()))


class ServerProcess(OnLoopback):
    """`python -m app.server` as a real process (what `make run` starts), on a free port."""

    def __init__(self, settings: Settings, log_path: Path, **env: str) -> None:
        self.settings = settings
        self._port = free_port()
        self.log_path = log_path
        self.env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "DATA_DIR": str(settings.data_dir),
            "PORT": str(self._port),
            "BCRYPT_ROUNDS": "4",
            **{name.upper(): value for name, value in LIMITS_OFF.items()},
            "PRESENCE_GRACE_SECONDS": str(settings.presence_grace_seconds),
            "FRONTEND_DIR": str(settings.frontend_dir),
            "LOG_LEVEL": "warning",
            **({"DATABASE_URL": settings.database_url} if settings.database_url else {}),
            **env,
        }
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def port(self) -> int:
        return self._port

    def on_port(self, port: int) -> "ServerProcess":
        """Listen on `port` instead (a restart where the clients expect the server)."""
        self._port = port
        self.env["PORT"] = str(port)
        return self

    async def start(self) -> "ServerProcess":
        """Start, and return once /healthz answers (polled: the process gives no other sign)."""
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


# The fixtures that make them: settings_factory(**overrides), server_factory(settings),
# process_factory(settings, **environment).
SettingsFactory = Callable[..., Settings]
ServerFactory = Callable[[Settings], Awaitable[LiveServer]]
ProcessFactory = Callable[..., ServerProcess]


@contextlib.asynccontextmanager
async def two_processes_over_redis(
    process_factory: ProcessFactory, settings: Settings, redis_url: str, redis_prefix: str
) -> AsyncIterator[tuple[ServerProcess, ServerProcess, httpx.AsyncClient, httpx.AsyncClient]]:
    """Two server processes on one database sharing rooms through Redis, started, each with an
    HTTP client on its /api/v1: (first, second, client of first, client of second)."""
    env = {"REDIS_URL": redis_url, "REDIS_PREFIX": redis_prefix}
    first, second = process_factory(settings, **env), process_factory(settings, **env)
    await asyncio.gather(first.start(), second.start())
    async with (
        httpx.AsyncClient(base_url=first.url + "/api/v1") as one,
        httpx.AsyncClient(base_url=second.url + "/api/v1") as two,
    ):
        yield first, second, one, two
