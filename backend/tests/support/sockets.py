"""A real WebSocket client over TCP that reads JSON frames, and the two ways to open one."""

import asyncio
import json
from typing import Any, Protocol

import pytest
from websockets.asyncio.client import ClientConnection
from websockets.asyncio.client import connect as ws_connect
from websockets.exceptions import ConnectionClosed

from tests.support.accounts import Account

Frame = dict[str, Any]

# The core protocol tests run on both ways a frame reaches a socket: written straight to
# uvicorn's transport (the fan-out fast path, the default) and through the ASGI `send` (under any
# other server, and for a socket that pushes back). They take `settings` with `ws_direct_writes`
# set by the conftest fixture of that name, which this parametrizes.
on_both_write_paths = pytest.mark.parametrize("ws_direct_writes", [True, False], ids=["fast-path", "asgi-send"])


class Server(Protocol):
    """What a socket needs of a server: a LiveServer or a ServerProcess."""

    @property
    def ws_url(self) -> str: ...


class Socket:
    """A real WebSocket client over TCP, with helpers that read JSON frames."""

    def __init__(self, connection: ClientConnection) -> None:
        self.connection = connection

    async def send(self, frame: Frame | str) -> None:
        await self.connection.send(frame if isinstance(frame, str) else json.dumps(frame))

    async def recv(self, timeout: float = 10) -> Frame:
        raw = await asyncio.wait_for(self.connection.recv(), timeout)
        frame: Frame = json.loads(raw)
        return frame

    async def recv_type(self, kind: str, timeout: float = 10) -> Frame:
        """The next frame of this type; frames of other types before it are skipped."""
        async with asyncio.timeout(timeout):
            while True:
                frame = await self.recv(timeout)
                if frame["type"] == kind:
                    return frame

    async def messages(self, count: int, timeout: float = 15) -> list[Frame]:
        """The next `count` chat messages (other frames skipped)."""
        found: list[Frame] = []
        async with asyncio.timeout(timeout):
            while len(found) < count:
                frame = await self.recv(timeout)
                if frame["type"] == "message":
                    found.append(frame["message"])
        return found

    async def frames_before_pong(self, timeout: float = 10) -> list[Frame]:
        """Every frame the server had queued for this socket when it read a ping sent now.

        To show that something did not arrive, without waiting for it: the server handles a
        socket's frames in order and writes its answers in order, behind whatever the room's
        events had already put on the socket. So an event published before this call (as far
        as the test knows: before the answer to the request that caused it, before a frame that
        came with it) is among these frames, or never comes."""
        await self.send({"type": "ping"})
        frames: list[Frame] = []
        async with asyncio.timeout(timeout):
            while (frame := await self.recv(timeout))["type"] != "pong":
                frames.append(frame)
        return frames

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

    async def close(self) -> None:
        await self.connection.close()


async def open_socket(
    server: Server,
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


async def join(server: Server, account: Account, room_id: int = 1, since: int | None = None) -> Socket:
    """Connect and read `hello`."""
    socket_ = await open_socket(server, account.access_token, room_id, since)
    hello = await socket_.recv()
    assert hello["type"] == "hello", hello
    return socket_


async def open_user_socket(server: Server, token: str | None, since: int | None = None, **options: Any) -> Socket:
    """Connect to /ws (every room of the user) with the token in the header."""
    url = f"{server.ws_url}/ws" + (f"?since={since}" if since is not None else "")
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    return Socket(await ws_connect(url, open_timeout=10, close_timeout=1, max_size=2**22, additional_headers=headers))


async def connect(server: Server, account: Account, since: int | None = None) -> tuple[Socket, Frame]:
    """Open /ws and read its `hello`: (socket, hello)."""
    socket_ = await open_user_socket(server, account.access_token, since)
    hello = await socket_.recv()
    assert hello["type"] == "hello", hello
    return socket_, hello
