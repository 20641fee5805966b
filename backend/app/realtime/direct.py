"""The fan-out fast path: writing a pre-built WebSocket frame straight to a socket's transport.

A server frame is not masked and (without compression, which the server turns off) is the same
bytes for every socket, so a room's message is framed once and each socket costs one
`transport.write`. This reaches into uvicorn's websockets-sansio protocol, the server `make run`
uses (pinned in requirements.txt, and tests/test_ws_paths.py covers both paths); under any other
server the connection falls back to the ASGI `send`, which is always correct, only slower."""

import asyncio
from typing import Any

from starlette.types import Scope
from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from websockets.protocol import Protocol, State

RAW_SEND = "chat.raw_send"  # scope key: the server's own `send`, kept by api/ws.SocketLane


class InboundQueue:
    """What uvicorn's protocol uses of its asyncio.Queue of inbound ASGI events (`put_nowait`,
    `get`, `empty`), for its one reader, without the Queue's four deques: ~2.4 KB a socket."""

    __slots__ = ("_items", "_waiter")

    def __init__(self, items: list[Any]) -> None:
        self._items = items
        self._waiter: asyncio.Future[None] | None = None

    def put_nowait(self, item: Any) -> None:
        self._items.append(item)
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)

    async def get(self) -> Any:
        while not self._items:
            self._waiter = asyncio.get_running_loop().create_future()
            try:
                await self._waiter
            finally:
                self._waiter = None
        return self._items.pop(0)

    def empty(self) -> bool:
        return not self._items


class DirectSocket:
    __slots__ = ("_protocol",)

    def __init__(self, protocol: WebSocketsSansIOProtocol) -> None:
        self._protocol = protocol

    @classmethod
    def for_scope(cls, scope: Scope) -> "DirectSocket | None":
        protocol = getattr(scope.get(RAW_SEND), "__self__", None)
        return cls(protocol) if isinstance(protocol, WebSocketsSansIOProtocol) else None

    def writable(self) -> bool:
        """Open, and not pushing back: once the transport's buffer passes its high-water mark
        the connection queues instead (and a socket that stays behind is closed)."""
        protocol = self._protocol
        return (
            protocol.writable.is_set()
            and not protocol.close_sent
            and not protocol.disconnected
            and protocol.conn.state is State.OPEN
        )

    def write(self, wire: bytes) -> None:
        self._protocol.transport.write(wire)

    def forget_handshake(self) -> None:
        """Once accepted, the handshake's request and response (with all their headers) are of
        no further use, yet uvicorn keeps them for the socket's lifetime: ~5 KB a socket. So does
        websockets' parser: its generator still holds the request as a local (~3.5 KB); it is
        replaced by the frame parser it had moved on to, which keeps its state in `reader`.
        The inbound queue becomes an InboundQueue (no one awaits it yet: the app is here)."""
        protocol = self._protocol
        if not protocol.handshake_complete:
            return
        protocol.request = protocol.response = None  # type: ignore[assignment]
        queue = protocol.queue
        if type(queue) is asyncio.Queue and not queue._getters:  # type: ignore[attr-defined]
            protocol.queue = InboundQueue(list(queue._queue))  # type: ignore[attr-defined,assignment]
        conn = protocol.conn
        # Only between frames with nothing buffered: then the fresh parser, started, waits for
        # data exactly where the old one did and cannot parse a frame no one will collect.
        if conn.state is State.OPEN and not conn.reader.buffer:
            conn.parser = Protocol.parse(conn)
            next(conn.parser)
