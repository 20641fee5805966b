"""The WebSocket routes, `/ws` and `/ws/{room_id}`, which main.ChatApp serves ahead of the HTTP
app, so that a socket meets none of the HTTP layers. What a socket does is in realtime/session.py.

Matched here by hand rather than by a Starlette Router: a socket lives for hours, and each layer
it is routed through keeps a coroutine frame alive all that time (the Router's two are about
0.9 KB per idle socket); three paths need no more than this."""

from collections.abc import Awaitable

from starlette.types import ASGIApp, Receive, Scope, Send

from app.realtime.session import RoomSockets
from app.server_internals import FastWrites

USER_SOCKET = "/ws"
ROOM_SOCKETS = "/ws/"
NOT_A_SOCKET_PATH = -1  # room ids are positive


class SocketRoutes:
    """`/ws` (every room of the user), `/ws/{room_id}` (one room; a path under `/ws/` that is
    not a room id names no room: accepted, then closed 4404), and any other WebSocket path to
    `default` (the HTTP app, which refuses it)."""

    __slots__ = ("default", "endpoint")

    def __init__(self, fast_writes: FastWrites | None, default: ASGIApp) -> None:
        self.endpoint = RoomSockets(fast_writes)
        self.default = default

    @staticmethod
    def room_of(path: str) -> int | None:
        """None for `/ws`, the room id (0: no such room) for `/ws/...`, NOT_A_SOCKET_PATH for any other path."""
        if path == USER_SOCKET:
            return None
        if path.startswith(ROOM_SOCKETS):
            rest = path[len(ROOM_SOCKETS) :]
            return int(rest) if rest.isascii() and rest.isdigit() else 0
        return NOT_A_SOCKET_PATH

    def __call__(self, scope: Scope, receive: Receive, send: Send) -> Awaitable[None]:
        # Not a coroutine itself: it hands on the one it picks, so a socket's life keeps no frame
        # of this routing step (a few hundred bytes per socket).
        room_id = self.room_of(scope["path"])
        if room_id == NOT_A_SOCKET_PATH:
            return self.default(scope, receive, send)
        return self.endpoint.serve(scope, receive, send, room_id)
