"""What happens to open sockets over time: presence, token expiry and renewal, being signed out,
deactivated, removed or deleted, rate limits, and a reader that stops reading."""

import asyncio
import socket
from pathlib import Path

import httpx

from tests.support.accounts import Account, AccountFactory, access_token_expiring, login, register
from tests.support.servers import LiveServer, ServerFactory, SettingsFactory
from tests.support.sockets import Frame, Socket, join, on_both_write_paths, open_socket


def presence(event: str, account: Account) -> Frame:
    user = {"id": account.id, "username": account.username}
    return {"type": "presence", "event": event, "online": event == "join", "user": user}


async def presence_until_a_visit_ends(server: LiveServer, observer: Socket, visitor: Account) -> list[Frame]:
    """The presence frames `observer` gets until `visitor`, who comes in now, has gone again: a
    `leave` is announced once a grace period has passed since the last socket closed, so every
    `leave` of a socket closed before the visit is among these frames, or never comes."""
    await (await join(server, visitor)).close()
    frames = []
    async with asyncio.timeout(server.settings.presence_grace_seconds + 10):
        while (frame := await observer.recv_type("presence")) != presence("leave", visitor):
            frames.append(frame)
    return [*frames, frame]


@on_both_write_paths
async def test_presence_is_per_user_across_tabs_with_a_grace_period(
    server: LiveServer, alice: Account, bob: Account, make_account: AccountFactory, sockets: list[Socket]
) -> None:
    sockets.append(b := await join(server, bob))
    tab1 = await join(server, alice)
    assert await b.recv_type("presence") == presence("join", alice)
    tab2 = await join(server, alice)
    await tab1.close()
    # A second tab is no news, and closing one of two tabs is no leave.
    carol = await make_account("carol")
    assert await presence_until_a_visit_ends(server, b, carol) == [presence("join", carol), presence("leave", carol)]
    await tab2.close()
    leave = await b.recv_type("presence", timeout=server.settings.presence_grace_seconds + 5)
    assert leave == presence("leave", alice)


async def test_a_reload_within_the_grace_period_announces_nothing(
    server: LiveServer, alice: Account, bob: Account, make_account: AccountFactory, sockets: list[Socket]
) -> None:
    sockets.append(b := await join(server, bob))
    first = await join(server, alice)
    await b.recv_type("presence")
    await first.close()
    sockets.append(await join(server, alice))  # the reload
    carol = await make_account("carol")
    assert await presence_until_a_visit_ends(server, b, carol) == [presence("join", carol), presence("leave", carol)]


async def test_hello_lists_who_is_online(
    server: LiveServer, alice: Account, bob: Account, sockets: list[Socket]
) -> None:
    sockets.append(await join(server, alice))
    sockets.append(b := await open_socket(server, bob.access_token))
    hello = await b.recv()
    assert {u["username"] for u in hello["online"]} == {"alice", "bob"}


async def test_token_expiry_closes_4401_unless_renewed_in_band(
    server: LiveServer, client: httpx.AsyncClient, alice: Account
) -> None:
    # Both sockets open with a token that expires in a few seconds (signed with the server's key).
    expiring = access_token_expiring(alice, server.settings, in_seconds=3)
    renewed = await open_socket(server, expiring)
    lapsing = await open_socket(server, expiring)
    for ws in (renewed, lapsing):
        assert (await ws.recv())["type"] == "hello"
    fresh = (await client.post("/token/refresh", json={"refresh_token": alice.refresh_token})).json()
    await renewed.send({"type": "auth", "token": fresh["access_token"]})
    assert await renewed.frames_before_pong() == []  # renewed: no error frame
    assert await lapsing.closed_with(timeout=15) == 4401  # the first token's expiry
    await renewed.send({"type": "ping"})
    assert await renewed.recv_type("pong") == {"type": "pong"}
    await renewed.close()


async def test_renewal_with_a_bad_or_foreign_token_is_an_error_frame(
    server: LiveServer, alice: Account, bob: Account, sockets: list[Socket]
) -> None:
    sockets.append(ws := await join(server, alice))
    await ws.send({"type": "auth", "token": "garbage"})
    assert (await ws.recv_type("error"))["code"] == "forbidden"
    await ws.send({"type": "auth", "token": bob.access_token})
    error = await ws.recv_type("error")
    assert error["code"] == "forbidden" and "another user" in error["detail"]


async def test_deactivation_closes_the_users_sockets_4403(
    server: LiveServer, client: httpx.AsyncClient, admin: Account, alice: Account, sockets: list[Socket]
) -> None:
    ws = await join(server, alice)
    sockets.append(observer := await join(server, admin))
    await client.patch(f"/admin/users/{alice.id}", json={"is_active": False}, headers=admin.headers)
    assert await ws.closed_with() == 4403
    await observer.send({"type": "ping"})
    assert await observer.recv_type("pong")
    assert await (await open_socket(server, alice.access_token)).closed_with() == 4401


async def test_signing_a_device_out_closes_its_sockets_4401(
    server: LiveServer, client: httpx.AsyncClient, alice: Account, sockets: list[Socket]
) -> None:
    phone = (await login(client, "alice")).json()
    phone_socket = await open_socket(server, phone["access_token"])
    await phone_socket.recv_type("hello")
    sockets.append(laptop := await join(server, alice))
    devices = (await client.get("/sessions", headers=alice.headers)).json()
    phone_id = next(d["id"] for d in devices if not d["current"])
    assert (await client.delete(f"/sessions/{phone_id}", headers=alice.headers)).status_code == 204
    assert await phone_socket.closed_with() == 4401
    await laptop.send({"type": "ping"})
    assert await laptop.recv_type("pong")


async def test_logout_closes_that_devices_sockets_4401(
    server: LiveServer, client: httpx.AsyncClient, alice: Account
) -> None:
    ws = await join(server, alice)
    await client.post("/logout", json={"refresh_token": alice.refresh_token})
    assert await ws.closed_with() == 4401


@on_both_write_paths
async def test_room_deletion_sends_room_deleted_then_closes_4404(
    server: LiveServer, client: httpx.AsyncClient, admin: Account, alice: Account
) -> None:
    room = (await client.post("/rooms", json={"name": "doomed"}, headers=alice.headers)).json()
    ws = await join(server, alice, room_id=room["id"])
    await client.delete(f"/admin/rooms/{room['id']}", headers=admin.headers)
    assert await ws.recv_type("room_deleted") == {"type": "room_deleted", "room_id": room["id"]}
    assert await ws.closed_with() == 4404


async def test_leaving_a_room_closes_its_sockets_4403(
    server: LiveServer, client: httpx.AsyncClient, alice: Account, bob: Account
) -> None:
    room = (await client.post("/rooms", json={"name": "lobby"}, headers=alice.headers)).json()
    ws = await join(server, bob, room_id=room["id"])
    in_general = await join(server, bob)
    await client.post(f"/rooms/{room['id']}/leave", headers=bob.headers)
    assert await ws.closed_with() == 4403
    await in_general.send({"type": "ping"})
    assert await in_general.recv_type("pong")
    await in_general.close()


async def test_message_rate_limit_answers_rate_limited_and_stores_nothing(
    server_factory: ServerFactory, settings_factory: SettingsFactory
) -> None:
    live = await server_factory(settings_factory(message_rate_limit="3/60s"))
    async with httpx.AsyncClient(base_url=live.url + "/api/v1") as http:
        alice = await register(http, "alice")
        ws = await join(live, alice)
        for i in range(4):
            await ws.send({"type": "message", "body": f"m{i}"})
        # Three acknowledgements (each sent once its message is committed) and one refusal.
        acknowledged, errors = [], []
        while len(acknowledged) < 3 or not errors:
            frame = await ws.recv()
            (acknowledged if frame["type"] == "message" else errors).append(frame)
        [error] = errors
        assert error["code"] == "rate_limited" and 0 < error["retry_after"] <= 20
        assert [m["message"]["body"] for m in acknowledged] == ["m0", "m1", "m2"]
        history = (await http.get("/chat/history", params={"room_id": 1}, headers=alice.headers)).json()
        assert [m["body"] for m in history["messages"]] == ["m0", "m1", "m2"]
        await ws.send({"type": "ping"})
        assert await ws.recv_type("pong")
        await ws.close()


async def test_a_reader_that_stops_reading_is_cut_off_without_delaying_the_room(
    server_factory: ServerFactory, settings_factory: SettingsFactory
) -> None:
    outbox = 200
    live = await server_factory(settings_factory(ws_send_queue_limit=outbox))
    async with httpx.AsyncClient(base_url=live.url + "/api/v1") as http:
        sender, reader, stalled = [await register(http, name) for name in ("sender", "reader", "stalled")]
    # The stalled client takes (almost) nothing from its socket: a tiny receive buffer, never read.
    raw = socket.socket()
    raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # before connecting, or the window scales
    raw.connect(("127.0.0.1", live.port))
    slow = await open_socket(live, stalled.access_token, sock=raw)
    s = await join(live, sender)
    r = await join(live, reader)
    body = "x" * 3900
    # More than the stalled socket can hold: what the kernel buffers for it (the server's send
    # buffer at its largest, the client's receive buffer) and what the transport takes before it
    # pushes back (64 KiB), then its outbox.
    largest_send_buffer = int(Path("/proc/sys/net/ipv4/tcp_wmem").read_text().split()[2])
    buffered = largest_send_buffer + raw.getsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF) + 64 * 1024
    sent = 0
    while sent < buffered // len(body) + outbox:
        for _ in range(50):
            await s.send({"type": "message", "body": body, "client_id": f"c{sent}"})
            sent += 1
        received = await r.messages(50)
        assert len(received) == 50  # the room keeps moving
    # It looks at last: behind what it was sent, the server's word that it was too slow.
    assert await slow.closed_with(timeout=30) == 1013
    await s.close()
    await r.close()
