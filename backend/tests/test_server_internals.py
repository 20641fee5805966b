"""app/server_internals.py: the one module that reaches into uvicorn's, websockets' and
httptools' internals. It is written for the versions requirements.txt pins; with any other
version the server takes the public paths (ASGI `send`, uvicorn's own httptools protocol) and
says so once each. `make test-ws-latest` runs this module (and the WebSocket tests) against the
newest releases; here the fallbacks are forced by changing the versions it checks."""

import asyncio
import logging
import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from app import server_internals
from app.server import BACKEND_DIR
from tests.support.accounts import register
from tests.support.servers import LiveServer
from tests.support.sockets import Socket, join

PACKAGES = ("uvicorn", "websockets", "httptools")


def _pinned() -> dict[str, str]:
    text = (BACKEND_DIR / "requirements.txt").read_text()
    found = {}
    for package in PACKAGES:
        match = re.search(rf"^{package}(\[[a-z,]+\])?==(\S+)$", text, re.M)
        assert match, f"{package} is not pinned in requirements.txt"
        found[package] = match.group(2)
    return found


def test_the_checked_versions_are_the_pinned_ones() -> None:
    assert _pinned() == server_internals.CHECKED


class _Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


@pytest.fixture
def warnings() -> Iterator[list[str]]:
    """What app.server_internals warns about (on its own logger: the app's logging set-up
    replaces the root logger's handlers, pytest's too)."""
    handler = _Lines()
    logger = logging.getLogger("app.server_internals")
    logger.addHandler(handler)
    yield handler.lines
    logger.removeHandler(handler)


async def _one_socket(server_factory: Any, settings_factory: Any, sockets: list[Socket]) -> tuple[LiveServer, Any]:
    live: LiveServer = await server_factory(settings_factory())
    async with httpx.AsyncClient(base_url=live.url + "/api/v1") as http:
        alice = await register(http, "alice")
    socket_ = await join(live, alice)
    sockets.append(socket_)
    # What uvicorn holds for the socket: on the fast path, its handshake is forgotten.
    [conn] = [c for c in live.server.server_state.connections if type(c).__name__ == "WebSocketsSansIOProtocol"]
    # The socket reads and writes, whichever path its frames take.
    await socket_.send({"type": "message", "body": "hello there", "client_id": "c1"})
    assert (await socket_.recv_type("message"))["message"]["body"] == "hello there"
    await socket_.send({"type": "ping"})
    await socket_.recv_type("pong")
    return live, conn


def _installed_are_checked(*packages: str) -> bool:
    return all(server_internals.installed_version(p) == server_internals.CHECKED[p] for p in packages)


async def test_the_installed_versions_get_the_fast_paths_if_they_are_the_checked_ones(
    server_factory: Any, settings_factory: Any, sockets: list[Socket], warnings: list[str]
) -> None:
    """With the pinned versions: the fast path and the head limits. With others (the newest
    releases, in `make test-ws-latest`): the public paths, and the server works the same."""
    _, conn = await _one_socket(server_factory, settings_factory, sockets)
    fast = _installed_are_checked("uvicorn", "websockets")
    limited = _installed_are_checked("uvicorn", "httptools")
    assert (conn.request is None) is fast
    assert (server_internals.http_protocol() != "httptools") is limited
    assert len(warnings) == (not fast) + 2 * (not limited)  # create_app once, http_protocol twice


@pytest.mark.parametrize("package", PACKAGES)
async def test_another_version_falls_back_to_the_public_paths_with_one_log_line(
    package: str,
    monkeypatch: pytest.MonkeyPatch,
    server_factory: Any,
    settings_factory: Any,
    sockets: list[Socket],
    warnings: list[str],
) -> None:
    monkeypatch.setitem(server_internals.CHECKED, package, "0.0.0")
    live, conn = await _one_socket(server_factory, settings_factory, sockets)

    socket_fallback = package in ("uvicorn", "websockets") or not _installed_are_checked("uvicorn", "websockets")
    head_fallback = package in ("uvicorn", "httptools") or not _installed_are_checked("uvicorn", "httptools")
    assert len(warnings) == socket_fallback + head_fallback, warnings
    assert sum(f"{package} " in line and "0.0.0" in line for line in warnings) == (package != "uvicorn") + 2 * (
        package == "uvicorn"
    ), warnings
    if package in ("uvicorn", "websockets"):
        assert conn.request is not None  # uvicorn's state untouched: frames go through ASGI `send`
    if package in ("uvicorn", "httptools"):
        assert server_internals.http_protocol() == "httptools"
        # uvicorn's own protocol serves HTTP.
        async with httpx.AsyncClient(base_url=live.url) as http:
            assert (await http.get("/healthz")).status_code == 200


async def test_under_the_fallback_a_socket_keeps_uvicorns_own_state(
    monkeypatch: pytest.MonkeyPatch, server_factory: Any, settings_factory: Any, sockets: list[Socket]
) -> None:
    """Nothing of uvicorn's or websockets' is touched: the handshake is kept, the queue is
    uvicorn's asyncio.Queue, the handshake parser is websockets' own."""
    monkeypatch.setitem(server_internals.CHECKED, "websockets", "0.0.0")
    _, conn = await _one_socket(server_factory, settings_factory, sockets)
    assert conn.request is not None and conn.response is not None
    assert type(conn.queue) is asyncio.Queue
    assert type(conn.writable) is asyncio.Event


async def test_the_writable_flag_holds_sends_while_cleared_and_wakes_them_when_set() -> None:
    """What uvicorn's protocol relies on of its `writable` Event, of the flag that replaces it."""
    flag = server_internals.WritableFlag()
    assert flag.is_set() and await flag.wait()  # set: a send goes on at once
    flag.clear()
    first, second = asyncio.ensure_future(flag.wait()), asyncio.ensure_future(flag.wait())
    cancelled = asyncio.ensure_future(flag.wait())
    await asyncio.sleep(0)  # all three are waiting now
    assert not (first.done() or second.done())
    cancelled.cancel()
    with pytest.raises(asyncio.CancelledError):
        await cancelled
    flag.set()
    assert await first and await second
    flag.clear()
    flag.set()  # nothing waiting: nothing to wake
    assert flag.is_set()
