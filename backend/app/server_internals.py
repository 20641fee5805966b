"""The one module that reaches into uvicorn's, websockets' and httptools' internals, each use
checked against the versions it was written for (pinned in requirements.txt).

What it does, and what each buys (figures in bench/README.md, "Server internals"):
- `DirectSocket`: writes a pre-built WebSocket frame straight to a socket's transport. A server
  frame is not masked and (without compression, which the server turns off) is the same bytes for
  every socket, so a room's message is framed once and each socket costs one `transport.write`:
  the fan-out fast path.
- `DirectSocket.forget_handshake`: an accepted socket drops what it keeps of its handshake
  (uvicorn's request and response, websockets' handshake parser): memory per idle socket.
- `http_protocol`: uvicorn's httptools protocol with limits on request heads, which it lacks.

At start, `fast_writes()` and `http_protocol()` compare the installed versions with `CHECKED`:
when one differs, the server uses the public paths instead (ASGI `send`; uvicorn's own
"httptools" protocol), and says so in one log line each. `make test-ws-latest` runs the
WebSocket tests against the newest releases, so an upgrade that breaks a fast path is seen at
once; tests/test_server_internals.py runs the fallbacks."""

import asyncio
import importlib.metadata
import logging
from functools import cache
from typing import TYPE_CHECKING, Any

from websockets.protocol import Protocol, State

if TYPE_CHECKING:  # imported when the versions check out (see `fast_writes`)
    from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol

log = logging.getLogger(__name__)

# The versions this module was written for and tested with: requirements.txt pins the same
# (tests/test_server_internals.py checks that they agree).
CHECKED = {"uvicorn": "0.55.0", "websockets": "17.4", "httptools": "0.9.0"}


def installed_version(package: str) -> str | None:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return None


def _unchecked(packages: tuple[str, ...], consequence: str) -> bool:
    """True, and one log line saying what the server does instead, when one of `packages` is
    not at the version this module was written for."""
    found = {package: installed_version(package) for package in packages}
    if all(found[package] == CHECKED[package] for package in packages):
        return False
    log.warning(
        "%s installed, %s checked: %s",
        ", ".join(f"{package} {found[package]}" for package in packages),
        ", ".join(f"{package} {CHECKED[package]}" for package in packages),
        consequence,
    )
    return True


# --- the WebSocket fast path ---------------------------------------------------------------------


class FastWrites:
    """The fast path, available: finds the uvicorn protocol behind a socket's ASGI `send`."""

    __slots__ = ("_protocol_type",)

    def __init__(self, protocol_type: "type[WebSocketsSansIOProtocol]") -> None:
        self._protocol_type = protocol_type

    def socket_for(self, send: Any) -> "DirectSocket | None":
        """The socket behind `send`, if `send` is the server's own (uvicorn's websockets-sansio
        protocol, which `make run` uses); None under any other server or wrapped `send`: then
        frames go through `send`, which is always correct, only slower."""
        protocol = getattr(send, "__self__", None)
        return DirectSocket(protocol) if isinstance(protocol, self._protocol_type) else None


def fast_writes() -> FastWrites | None:
    """The fast path when uvicorn and websockets are the checked versions; None (and one log
    line) otherwise. Called once per app, at its creation."""
    if _unchecked(("uvicorn", "websockets"), "WebSocket frames go through ASGI send (no fan-out fast path)"):
        return None
    from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol

    return FastWrites(WebSocketsSansIOProtocol)


class DirectSocket:
    """One socket's transport, for frames built once for every socket of a room."""

    __slots__ = ("_protocol",)

    def __init__(self, protocol: "WebSocketsSansIOProtocol") -> None:
        self._protocol = protocol

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
        no further use, yet uvicorn keeps them for the socket's lifetime. So does websockets'
        parser: its generator still holds the request as a local; it is replaced by the frame
        parser it had moved on to, which keeps its state in `reader`. The inbound queue becomes
        an InboundQueue (no one awaits it yet: the app is here), and the `writable` event a
        WritableFlag (while it is set no send can be waiting on it)."""
        protocol = self._protocol
        if not protocol.handshake_complete:
            return
        protocol.request = protocol.response = None  # type: ignore[assignment]
        if type(protocol.writable) is asyncio.Event and protocol.writable.is_set():
            protocol.writable = WritableFlag()  # type: ignore[assignment]
        queue = protocol.queue
        if type(queue) is asyncio.Queue:  # its only reader is this app, which is here: no getter waits
            items = []
            while not queue.empty():
                items.append(queue.get_nowait())
            protocol.queue = InboundQueue(items)  # type: ignore[assignment]
        conn = protocol.conn
        # Only between frames with nothing buffered: then the fresh parser, started, waits for
        # data exactly where the old one did and cannot parse a frame no one will collect.
        if conn.state is State.OPEN and not conn.reader.buffer:
            conn.parser = Protocol.parse(conn)
            next(conn.parser)


class InboundQueue:
    """What uvicorn's protocol uses of its asyncio.Queue of inbound ASGI events (`put_nowait`,
    `get`, `empty`), for its one reader, without the Queue's four deques."""

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


class WritableFlag:
    """What uvicorn's protocol uses of its `writable` asyncio.Event (`set`, `clear`, `is_set`,
    `wait`), set to begin with; the list of waiting sends exists only while a send waits, where
    the Event keeps a deque (760 bytes) for every socket for its whole life."""

    __slots__ = ("_set", "_waiters")

    def __init__(self) -> None:
        self._set = True
        self._waiters: list[asyncio.Future[None]] | None = None

    def is_set(self) -> bool:
        return self._set

    def set(self) -> None:
        self._set = True
        waiters, self._waiters = self._waiters, None
        for waiter in waiters or ():
            if not waiter.done():
                waiter.set_result(None)

    def clear(self) -> None:
        self._set = False

    async def wait(self) -> bool:
        if self._set:
            return True
        waiter = asyncio.get_running_loop().create_future()
        if self._waiters is None:
            self._waiters = []
        self._waiters.append(waiter)
        try:
            await waiter
        finally:
            if self._waiters is not None and waiter in self._waiters:
                self._waiters.remove(waiter)
        return True


# --- limits on request heads --------------------------------------------------------------------

# Below what websockets accepts in a handshake (8 KiB a line, 128 headers), so a handshake that
# passes here is always answered by it; far above what a browser sends (about 2 KiB in all).
MAX_HEADER_LINE_BYTES = 8000
MAX_HEADERS = 100
MAX_HEAD_BYTES = 64 * 1024
# How long a refused connection keeps reading (and discarding) what the client still sends.
LINGER_SECONDS = 5.0

RESPONSE_431 = (
    b"HTTP/1.1 431 Request Header Fields Too Large\r\n"
    b"content-type: text/plain; charset=utf-8\r\n"
    b"content-length: 31\r\n"
    b"connection: close\r\n"
    b"\r\n"
    b"Request header fields too large"
)


class HeadTooLarge(Exception):
    pass


def http_protocol() -> type[asyncio.Protocol] | str:
    """What `uvicorn.run(http=...)` gets: uvicorn's httptools protocol with limits on request
    heads when uvicorn and httptools are the checked versions, else uvicorn's own (one log line)."""
    if _unchecked(("uvicorn", "httptools"), "request heads are not size-limited by the app (no 431)"):
        return "httptools"
    return _limited_httptools_protocol()


@cache
def _limited_httptools_protocol() -> type[asyncio.Protocol]:
    """Left alone, uvicorn's httptools protocol buffers a request head of any size (a 16 MB
    header, 20,000 headers) and hands a WebSocket handshake whose header line passes websockets'
    8 KiB limit to a parser that fails without answering: the client waits forever. This one
    counts the head as it arrives and answers `431 Request Header Fields Too Large` and closes,
    for HTTP and handshakes alike, through httptools' parser callbacks (`on_header`,
    `on_headers_complete`, `on_message_complete`)."""
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

    class LimitedHttpToolsProtocol(HttpToolsProtocol):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._in_head = True  # reading a request head (from the first byte until it is complete)
            self._head_bytes = 0
            self._head_ended_here = False
            self._refused = False

        def data_received(self, data: bytes) -> None:
            if self._refused:
                return
            counted, self._head_ended_here = self._in_head, False
            # HeadTooLarge raised in a callback comes back as the parser's error: a 400, suppressed below.
            super().data_received(data)
            if self._refused:
                return
            # A chunk in which the head ended may carry a body (even whole requests) behind it:
            # only chunks wholly inside a head count; a head ending in one is bounded by on_header.
            if counted and not self._head_ended_here:
                self._head_bytes += len(data)
                if self._head_bytes > MAX_HEAD_BYTES:
                    self._refuse()

        def on_header(self, name: bytes, value: bytes) -> None:
            if len(self.headers) >= MAX_HEADERS or len(name) + len(value) > MAX_HEADER_LINE_BYTES:
                self._refuse()
                raise HeadTooLarge
            super().on_header(name, value)

        def on_headers_complete(self) -> None:
            self._in_head, self._head_ended_here = False, True
            super().on_headers_complete()

        def on_message_complete(self) -> None:
            super().on_message_complete()
            self._in_head, self._head_bytes = True, 0

        def send_400_response(self, msg: str) -> None:
            if not self._refused:  # the parser's own complaint; a refused head was answered already
                super().send_400_response(msg)

        def _refuse(self) -> None:
            """Answer 431, then close the way servers close on a client still sending: closing
            with unread bytes would reset the connection, and the client might never read the
            answer. So the writing side is shut and whatever still arrives is discarded, for a
            few seconds."""
            if self._refused:
                return
            self._refused = True
            self.transport.write(RESPONSE_431)
            if self.transport.can_write_eof():
                self.transport.write_eof()
                self.loop.call_later(LINGER_SECONDS, self.transport.close)
            else:
                self.transport.close()

    return LimitedHttpToolsProtocol
