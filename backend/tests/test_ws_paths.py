"""Both ways a frame reaches a socket: straight to uvicorn's transport (the default fast path)
and through the ASGI `send` (any other server, and a socket that pushes back). The core
protocol tests run here again with the fast path off."""

from typing import Any

import httpx
import pytest

from app.config import Settings
from tests.conftest import Account, LiveServer, Socket, join, register
from tests.test_ws import (  # noqa: F401 (collected again, under this module's settings)
    test_a_retried_client_id_is_acknowledged_but_stored_once,
    test_message_reaches_everyone_and_the_senders_copy_is_its_ack,
    test_resume_during_live_traffic_has_no_gap_and_no_duplicate,
    test_two_senders_and_several_receivers_see_the_same_ascending_order,
)
from tests.test_ws_lifecycle import (  # noqa: F401
    test_presence_is_per_user_across_tabs_with_a_grace_period,
    test_room_deletion_sends_room_deleted_then_closes_4404,
)


@pytest.fixture
def settings(settings_factory: Any) -> Settings:
    """Every test of this module runs with the fast path off."""
    result: Settings = settings_factory(ws_direct_writes=False)
    return result


async def _socket_on_default_settings(
    server_factory: Any, settings_factory: Any, sockets: list[Socket]
) -> tuple[Socket, Any]:
    """A socket on a server with the default settings (this module's `settings` turn the fast
    path off), and the server's connection object for it."""
    live: LiveServer = await server_factory(settings_factory())
    async with httpx.AsyncClient(base_url=live.url + "/api/v1") as http:
        alice: Account = await register(http, "alice")
    socket_ = await join(live, alice)
    sockets.append(socket_)
    [conn] = live.context.hub._rooms[1]
    return socket_, conn


async def test_the_fast_path_is_on_by_default_under_uvicorn(
    server_factory: Any, settings_factory: Any, sockets: list[Socket]
) -> None:
    _, conn = await _socket_on_default_settings(server_factory, settings_factory, sockets)
    assert conn._direct is not None


async def test_an_accepted_fast_path_socket_keeps_no_handshake_and_still_reads_frames(
    server_factory: Any, settings_factory: Any, sockets: list[Socket]
) -> None:
    socket_, conn = await _socket_on_default_settings(server_factory, settings_factory, sockets)
    protocol = conn._direct._protocol
    assert protocol.request is None and protocol.response is None
    assert type(protocol.queue).__name__ == "InboundQueue"
    # The parser that read the handshake (and kept its request) gave way to the frame parser.
    assert protocol.conn.parser.gi_code.co_qualname == "Protocol.parse"
    assert "request" not in protocol.conn.parser.gi_frame.f_locals
    # ... which reads the frames that follow.
    await socket_.send({"type": "message", "body": "after the handshake", "client_id": "c1"})
    echoed = await socket_.recv_type("message")
    assert echoed["message"]["body"] == "after the handshake"
    await socket_.send({"type": "ping"})
    assert (await socket_.recv_type("pong"))["type"] == "pong"


async def test_this_module_runs_without_the_fast_path(
    server: LiveServer, alice: Account, sockets: list[Socket]
) -> None:
    sockets.append(await join(server, alice))
    [conn] = server.context.hub._rooms[1]
    assert conn._direct is None
