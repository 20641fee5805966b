"""Which of the two ways a frame reaches a socket the server takes: straight to uvicorn's
transport (the default fast path), or through the ASGI `send`. The core protocol tests run on both
(`tests.support.sockets.on_both_write_paths`); these show that each variant takes the path it
names, from what uvicorn itself (its public `server_state`) holds for the socket.

A socket on the fast path gives up what uvicorn keeps of its handshake once accepted (see
app/server_internals.py, `DirectSocket.forget_handshake`); one on the ASGI path keeps it."""

import httpx
from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol

from tests.support.accounts import Account, register
from tests.support.servers import LiveServer, ServerFactory, SettingsFactory
from tests.support.sockets import Socket, join, on_both_write_paths


def socket_protocols(server: LiveServer) -> list[WebSocketsSansIOProtocol]:
    """uvicorn's protocol objects of the server's open WebSockets."""
    return [c for c in server.server.server_state.connections if isinstance(c, WebSocketsSansIOProtocol)]


@on_both_write_paths
async def test_each_variant_takes_the_path_it_names(
    server: LiveServer, alice: Account, sockets: list[Socket], ws_direct_writes: bool
) -> None:
    sockets.append(await join(server, alice))
    [protocol] = socket_protocols(server)
    handshake_forgotten = protocol.request is None and protocol.response is None
    assert handshake_forgotten is ws_direct_writes


async def test_the_fast_path_is_on_by_default_under_uvicorn(
    server_factory: ServerFactory, settings_factory: SettingsFactory, sockets: list[Socket]
) -> None:
    live = await server_factory(settings_factory())  # ws_direct_writes as the settings have it by default
    async with httpx.AsyncClient(base_url=live.url + "/api/v1") as http:
        alice = await register(http, "alice")
    sockets.append(await join(live, alice))
    [protocol] = socket_protocols(live)
    assert protocol.request is None and protocol.response is None


async def test_an_accepted_fast_path_socket_keeps_no_handshake_and_still_reads_frames(
    server: LiveServer, alice: Account, sockets: list[Socket]
) -> None:
    sockets.append(socket_ := await join(server, alice))
    [protocol] = socket_protocols(server)
    assert protocol.request is None and protocol.response is None
    assert type(protocol.queue).__name__ == "InboundQueue"
    assert type(protocol.writable).__name__ == "WritableFlag"
    # The parser that read the handshake (and kept its request) gave way to the frame parser.
    assert protocol.conn.parser.gi_code.co_qualname == "Protocol.parse"
    assert "request" not in protocol.conn.parser.gi_frame.f_locals
    # ... which reads the frames that follow.
    await socket_.send({"type": "message", "body": "after the handshake", "client_id": "c1"})
    echoed = await socket_.recv_type("message")
    assert echoed["message"]["body"] == "after the handshake"
    await socket_.send({"type": "ping"})
    assert (await socket_.recv_type("pong"))["type"] == "pong"
