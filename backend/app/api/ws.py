"""The WebSocket routes, `/ws` and `/ws/{room_id}`: a Starlette router that main.ChatApp serves ahead of
the HTTP app, so that a socket meets none of the HTTP layers. What a socket does is in
realtime/session.py."""

from starlette.routing import Router, WebSocketRoute
from starlette.types import ASGIApp

from app.realtime.session import RoomSockets
from app.server_internals import FastWrites


def socket_router(fast_writes: FastWrites | None, default: ASGIApp) -> Router:
    """The WebSocket routes; any other WebSocket path goes to `default` (the HTTP app, which
    refuses it)."""
    endpoint = RoomSockets(fast_writes)
    return Router(
        [
            WebSocketRoute("/ws", endpoint, name="user_socket"),
            WebSocketRoute("/ws/{room_id:int}", endpoint, name="room_socket"),
            # Any other path under /ws/ names no room: accepted, then closed 4404.
            WebSocketRoute("/ws/{rest:path}", endpoint, name="no_room_socket"),
        ],
        default=default,
    )
