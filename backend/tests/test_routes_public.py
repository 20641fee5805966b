"""Routing through public APIs only: the WebSocket paths are matched by the app's own socket
routes, served ahead of FastAPI; a path of the API asked with a method it does not take gets
405 with every method the path takes in `Allow` (404 for a path the API does not have), from the
`/api/...` catch-all. Proxy headers count for HTTP requests, from trusted proxies only."""

import httpx
import pytest

from app.api.ws import NOT_A_SOCKET_PATH, SocketRoutes
from app.main import ChatApp
from app.realtime.session import RoomSockets
from tests.support.accounts import PASSWORD, Account, login
from tests.support.servers import LiveServer


def test_the_websocket_paths_are_served_ahead_of_the_http_app(server: LiveServer) -> None:
    app = server.app
    assert isinstance(app, ChatApp) and isinstance(app.sockets, SocketRoutes)
    assert app.sockets.default == app.serve_http  # every other WebSocket path: the HTTP app
    assert isinstance(app.sockets.endpoint, RoomSockets)


@pytest.mark.parametrize(
    ("path", "room"),
    [
        ("/ws", None),
        ("/ws/42", 42),
        ("/ws/0042", 42),
        ("/ws/abc", 0),
        ("/ws/", 0),
        ("/ws/42/more", 0),
        ("/ws/\u0664\u0662", 0),  # Arabic-Indic digits are digits to str.isdigit, not a room id
        ("/ws/-1", 0),
        ("/wsx", NOT_A_SOCKET_PATH),
        ("/api/v1/rooms", NOT_A_SOCKET_PATH),
    ],
)
def test_which_room_a_socket_path_names(path: str, room: int | None) -> None:
    assert SocketRoutes.room_of(path) == room


async def test_a_trusted_proxy_gives_the_client_address_of_a_request(client: httpx.AsyncClient, alice: Account) -> None:
    """The test server is reached from 127.0.0.1, the default FORWARDED_ALLOW_IPS."""
    forwarded = {"X-Forwarded-For": "203.0.113.9"}
    tokens = await client.post("/token", data={"username": alice.username, "password": PASSWORD}, headers=forwarded)
    assert tokens.status_code == 200
    await login(client, alice.username)
    devices = (await client.get("/sessions", headers=alice.headers)).json()
    assert sorted(device["ip"] for device in devices) == ["127.0.0.1", "127.0.0.1", "203.0.113.9"]


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
