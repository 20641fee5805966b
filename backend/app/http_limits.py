"""Limits on request heads, which uvicorn's httptools protocol does not have.

Left alone, it buffers a request head of any size (a 16 MB header, 20,000 headers) and hands a
WebSocket handshake whose header line passes websockets' 8 KiB limit to a parser that fails
without answering: the client waits forever. This protocol counts the head as it arrives and
answers `431 Request Header Fields Too Large` and closes, for HTTP and handshakes alike.

It subclasses uvicorn's protocol and hooks httptools' parser callbacks (`on_header`,
`on_headers_complete`, `on_message_complete`), so it is used only with the uvicorn version it
was written against; with any other, the server runs uvicorn's own protocol and says so once."""

import logging
from typing import Any

import uvicorn
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

log = logging.getLogger(__name__)

CHECKED_UVICORN = "0.54.0"
# Below what websockets accepts in a handshake (8 KiB a line, 128 headers), so a handshake that
# passes here is always answered by it; far above what a browser sends (about 2 KiB in all).
MAX_HEADER_LINE_BYTES = 8000
MAX_HEADERS = 100
MAX_HEAD_BYTES = 64 * 1024
# How long a refused connection keeps reading (and discarding) what the client still sends.
LINGER_SECONDS = 5.0

_RESPONSE_431 = (
    b"HTTP/1.1 431 Request Header Fields Too Large\r\n"
    b"content-type: text/plain; charset=utf-8\r\n"
    b"content-length: 31\r\n"
    b"connection: close\r\n"
    b"\r\n"
    b"Request header fields too large"
)


class HeadTooLarge(Exception):
    pass


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
        # A chunk in which the head ended may carry a body (even whole requests) behind it: only
        # chunks wholly inside a head count; a head ending in one is bounded by on_header.
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
        """Answer 431, then close the way servers close on a client still sending: closing with
        unread bytes would reset the connection, and the client might never read the answer. So
        the writing side is shut and whatever still arrives is discarded, for a few seconds."""
        if self._refused:
            return
        self._refused = True
        self.transport.write(_RESPONSE_431)
        if self.transport.can_write_eof():
            self.transport.write_eof()
            self.loop.call_later(LINGER_SECONDS, self.transport.close)
        else:
            self.transport.close()


def http_protocol() -> type[HttpToolsProtocol] | str:
    """What `uvicorn.run(http=...)` gets: the limited protocol, or uvicorn's own elsewhere."""
    if uvicorn.__version__ != CHECKED_UVICORN:
        log.warning(
            "uvicorn %s is not %s: request heads are not size-limited by the app", uvicorn.__version__, CHECKED_UVICORN
        )
        return "httptools"
    return LimitedHttpToolsProtocol
