"""Routing through public APIs only: the WebSocket endpoint is a route of a Starlette router that
the app serves ahead of FastAPI, and a path of the API asked with a method it does not take gets
405 with every method the path takes in `Allow` (404 for a path the API does not have), from the
`/api/...` catch-all."""

import httpx
import pytest
from starlette.routing import Router, WebSocketRoute

from app.main import ChatApp
from app.realtime.session import RoomSockets
from tests.support.servers import LiveServer


def test_the_websocket_endpoint_is_a_route_of_a_router_ahead_of_the_http_app(server: LiveServer) -> None:
    app = server.app
    assert isinstance(app, ChatApp) and isinstance(app.sockets, Router)
    assert app.sockets.default == app.serve_http  # every other WebSocket path: the HTTP app
    user, room = app.sockets.routes[:2]
    assert isinstance(user, WebSocketRoute) and isinstance(user.endpoint, RoomSockets)
    assert isinstance(room, WebSocketRoute) and room.endpoint is user.endpoint
    assert (user.path, room.path) == ("/ws", "/ws/{room_id:int}")
    assert app.sockets.url_path_for("user_socket") == "/ws"
    assert app.sockets.url_path_for("room_socket", room_id=42) == "/ws/42"


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("PUT", "/api/v1/messages/1", "PATCH, DELETE"),  # two routes share the path
        ("TRACE", "/api/v1/messages/1", "PATCH, DELETE"),
        ("HEAD", "/api/v1/messages/1", "PATCH, DELETE"),
        ("DELETE", "/api/v1/rooms", "GET, POST"),
        ("OPTIONS", "/api/v1/rooms/1/members", "GET, POST"),
        ("GET", "/api/v1/rooms/1/messages", "POST"),
        ("PATCH", "/api/v1/messages/1/reactions/x", "DELETE"),
        ("POST", "/api/v1/ws-schema", "GET"),
    ],
)
async def test_a_method_the_path_does_not_take_is_405_with_every_method_it_takes(
    client: httpx.AsyncClient, method: str, path: str, allow: str
) -> None:
    response = await client.request(method, path.removeprefix("/api/v1"))
    assert response.status_code == 405
    assert response.headers["allow"] == allow
    if method != "HEAD":
        assert response.json() == {"detail": "Method Not Allowed"}


@pytest.mark.parametrize("method", ["GET", "HEAD", "POST", "DELETE", "OPTIONS", "TRACE"])
@pytest.mark.parametrize("path", ["/api/v1/nothing", "/api/elsewhere", "/api/v1/rooms/1/nothing"])
async def test_a_path_the_api_does_not_have_is_404_whatever_the_method(
    server: LiveServer, method: str, path: str
) -> None:
    async with httpx.AsyncClient(base_url=server.url) as http:
        response = await http.request(method, path)
    assert response.status_code == 404
    assert "allow" not in response.headers
    if method != "HEAD":
        assert response.json() == {"detail": "Not Found"}


async def test_the_methods_a_path_takes_still_answer(client: httpx.AsyncClient) -> None:
    assert (await client.get("/ws-schema")).status_code == 200
    assert (await client.get("/rooms")).status_code == 401  # the route, asking for a token
