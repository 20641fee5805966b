"""The WebSocket protocol over a real socket: auth, close codes, frames, ordering, resume."""

import asyncio
import json

import httpx
import pytest
from sqlalchemy import insert, select

from app.models import Message, utcnow
from app.realtime.frames import frames_json_schema
from tests.support.accounts import Account, AccountFactory, access_token_expiring
from tests.support.api import create_room, history
from tests.support.servers import LiveServer
from tests.support.sockets import Socket, join, on_both_write_paths, open_socket

# --- connecting ---------------------------------------------------------------------------------


async def test_hello_comes_first_with_room_user_online_and_last_id(
    server: LiveServer, client: httpx.AsyncClient, alice: Account, sockets: list[Socket]
) -> None:
    sent = (await client.post("/rooms/1/messages", json={"body": "earlier"}, headers=alice.headers)).json()
    sockets.append(ws := await open_socket(server, alice.access_token))
    hello = await ws.recv()
    assert hello["type"] == "hello"
    assert hello["room"]["id"] == 1 and hello["room"]["name"] == "general"
    assert hello["user"] == {"id": alice.id, "username": "alice"}
    assert hello["online"] == [{"id": alice.id, "username": "alice"}]
    assert hello["last_message_id"] == sent["id"]


async def test_browser_subprotocol_auth_is_accepted_with_bearer(
    server: LiveServer, alice: Account, sockets: list[Socket]
) -> None:
    sockets.append(ws := await open_socket(server, alice.access_token, subprotocol=True))
    assert ws.connection.subprotocol == "bearer"
    assert (await ws.recv())["type"] == "hello"


async def test_token_in_the_query_string_is_not_accepted(server: LiveServer, alice: Account) -> None:
    from websockets.asyncio.client import connect

    async with connect(f"{server.ws_url}/ws/1?token={alice.access_token}") as raw:
        with pytest.raises(Exception) as closed:
            await asyncio.wait_for(raw.recv(), 5)
    assert closed.value.rcvd.code == 4401  # type: ignore[attr-defined]


@pytest.mark.parametrize("token", [None, "garbage", "a.b.c"])
async def test_missing_or_invalid_token_closes_4401(server: LiveServer, token: str | None) -> None:
    ws = await open_socket(server, token)
    assert await ws.closed_with() == 4401


async def test_expired_token_closes_4401(server: LiveServer, alice: Account) -> None:
    expired = access_token_expiring(alice, server.settings, in_seconds=-10)
    assert await (await open_socket(server, expired)).closed_with() == 4401


async def test_refresh_token_as_bearer_closes_4401(server: LiveServer, alice: Account) -> None:
    assert await (await open_socket(server, alice.refresh_token)).closed_with() == 4401


async def test_unknown_room_closes_4404_and_private_room_4403(
    server: LiveServer, client: httpx.AsyncClient, alice: Account, bob: Account
) -> None:
    assert await (await open_socket(server, alice.access_token, room_id=424242)).closed_with() == 4404
    secret = (await create_room(client, alice, "secret", private=True))["id"]
    assert await (await open_socket(server, bob.access_token, room_id=secret)).closed_with() == 4403


async def test_bad_since_closes_1008(server: LiveServer, alice: Account) -> None:
    from websockets.asyncio.client import connect

    headers = {"Authorization": f"Bearer {alice.access_token}"}
    async with connect(f"{server.ws_url}/ws/1?since=-3", additional_headers=headers) as raw:
        with pytest.raises(Exception) as closed:
            await asyncio.wait_for(raw.recv(), 5)
    assert closed.value.rcvd.code == 1008  # type: ignore[attr-defined]


async def test_connecting_to_a_public_room_joins_it(
    server: LiveServer, client: httpx.AsyncClient, alice: Account, bob: Account, sockets: list[Socket]
) -> None:
    room = (await create_room(client, alice, "lobby"))["id"]
    sockets.append(await join(server, bob, room_id=room))
    assert (await client.get(f"/rooms/{room}", headers=bob.headers)).json()["joined"] is True


async def test_ws_schema_describes_every_frame(client: httpx.AsyncClient) -> None:
    schema = (await client.get("/ws-schema")).json()
    assert schema == json.loads(json.dumps(frames_json_schema()))
    names = set(schema["$defs"])
    for frame in [
        "SendMessage",
        "Typing",
        "Ping",
        "Auth",
        "Hello",
        "MessageFrame",
        "MessageUpdated",
        "MessageDeleted",
        "Presence",
        "TypingNotice",
        "Pong",
        "Gap",
        "ErrorFrame",
        "RoomDeleted",
    ]:
        assert frame in names, frame


# --- messages -----------------------------------------------------------------------------------


@on_both_write_paths
async def test_message_reaches_everyone_and_the_senders_copy_is_its_ack(
    server: LiveServer, alice: Account, bob: Account, sockets: list[Socket]
) -> None:
    sockets.append(a := await join(server, alice))
    sockets.append(b := await join(server, bob))
    await a.send({"type": "message", "body": "hello bob", "client_id": "k1"})
    ack = (await a.recv_type("message"))["message"]
    seen = (await b.recv_type("message"))["message"]
    assert ack == seen
    assert ack["client_id"] == "k1" and ack["body"] == "hello bob" and ack["sender"]["username"] == "alice"


async def test_a_delivered_message_is_already_committed(
    server: LiveServer, alice: Account, bob: Account, sockets: list[Socket]
) -> None:
    sockets.append(a := await join(server, alice))
    sockets.append(b := await join(server, bob))
    await a.send({"type": "message", "body": "durable"})
    seen = (await b.recv_type("message"))["message"]
    # Read through a separate connection of our own: only committed rows are visible to it.
    async with server.context.sessions() as session:
        stored = await session.scalar(select(Message).where(Message.id == seen["id"]))
    assert stored is not None and stored.body == "durable"


@on_both_write_paths
async def test_a_retried_client_id_is_acknowledged_but_stored_once(
    server: LiveServer, client: httpx.AsyncClient, alice: Account, bob: Account, sockets: list[Socket]
) -> None:
    sockets.append(a := await join(server, alice))
    sockets.append(b := await join(server, bob))
    frame = {"type": "message", "body": "only once", "client_id": "retry-1"}
    await a.send(frame)
    first = (await a.recv_type("message"))["message"]
    await a.send(frame)
    second = (await a.recv_type("message"))["message"]
    assert second == first
    assert [m["id"] for m in await b.messages(1)] == [first["id"]]
    # Had the retry been stored again, its broadcast would have gone out before its ack to alice.
    assert [f for f in await b.frames_before_pong() if f["type"] == "message"] == []
    assert len((await history(client, alice))["messages"]) == 1


@on_both_write_paths
async def test_two_senders_and_several_receivers_see_the_same_ascending_order(
    server: LiveServer, make_account: AccountFactory, sockets: list[Socket]
) -> None:
    senders = [await make_account(f"sender{i}") for i in range(2)]
    receivers = [await make_account(f"reader{i}") for i in range(4)]
    sender_sockets = [await join(server, s) for s in senders]
    receiver_sockets = [await join(server, r) for r in receivers]
    sockets.extend(sender_sockets + receiver_sockets)

    async def burst(ws: Socket, name: str) -> None:
        for i in range(40):
            await ws.send({"type": "message", "body": f"{name}-{i}", "client_id": f"{name}-{i}"})

    await asyncio.gather(*(burst(ws, f"s{i}") for i, ws in enumerate(sender_sockets)))
    orders = [[m["id"] for m in await ws.messages(80)] for ws in receiver_sockets + sender_sockets]
    assert all(order == orders[0] for order in orders)
    assert orders[0] == sorted(orders[0]) and len(set(orders[0])) == 80


# --- bad frames ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("frame", "code"),
    [
        ("not json", "bad_request"),
        ("[1, 2]", "bad_request"),
        ('{"no": "type"}', "bad_request"),
        ('{"type": "dance"}', "bad_request"),
        ('{"type": "message"}', "invalid_message"),
        ('{"type": "message", "body": "   "}', "invalid_message"),
        ('{"type": "message", "body": 12}', "invalid_message"),
        ('{"type": "message", "body": "' + "x" * 4001 + '"}', "invalid_message"),
        ('{"type": "message", "body": "ok", "client_id": "' + "c" * 65 + '"}', "invalid_message"),
        ('{"type": "message", "body": "nul \\u0000 inside"}', "invalid_message"),
        # Not text at all (a lone surrogate): the JSON parser itself refuses it.
        ('{"type": "message", "body": "lone \\ud800 surrogate"}', "bad_request"),
        ('{"type": "auth"}', "bad_request"),
    ],
)
async def test_bad_frames_get_an_error_frame_and_the_socket_stays_open(
    server: LiveServer, client: httpx.AsyncClient, alice: Account, sockets: list[Socket], frame: str, code: str
) -> None:
    sockets.append(ws := await join(server, alice))
    await ws.send(frame)
    error = await ws.recv_type("error")
    assert error["code"] == code and error["detail"]
    await ws.send({"type": "ping"})
    assert (await ws.recv_type("pong")) == {"type": "pong"}
    assert (await history(client, alice))["messages"] == []


async def test_binary_frames_get_an_error_frame(server: LiveServer, alice: Account, sockets: list[Socket]) -> None:
    sockets.append(ws := await join(server, alice))
    await ws.connection.send(b'{"type": "ping"}')
    assert (await ws.recv_type("error"))["code"] == "bad_request"


async def test_frame_over_64_kib_closes_1009(server: LiveServer, alice: Account) -> None:
    ws = await join(server, alice)
    await ws.send({"type": "message", "body": "x" * (65 * 1024)})
    assert await ws.closed_with() == 1009


async def test_ping_gets_pong(server: LiveServer, alice: Account, sockets: list[Socket]) -> None:
    sockets.append(ws := await join(server, alice))
    await ws.send({"type": "ping"})
    assert await ws.recv_type("pong") == {"type": "pong"}


async def test_typing_reaches_others_but_not_the_typist(
    server: LiveServer, alice: Account, bob: Account, sockets: list[Socket]
) -> None:
    sockets.append(a := await join(server, alice))
    sockets.append(a2 := await join(server, alice))  # alice's other tab
    sockets.append(b := await join(server, bob))
    await a.send({"type": "typing"})
    typing = await b.recv_type("typing")
    assert typing == {"type": "typing", "room_id": 1, "user": {"id": alice.id, "username": "alice"}}
    # Bob's copy went out with alice's, had there been one: her tabs would have it before a pong.
    for tab in (a, a2):
        assert [f for f in await tab.frames_before_pong() if f["type"] == "typing"] == []


# --- resume -------------------------------------------------------------------------------------


async def test_resume_with_since_gets_exactly_what_was_missed(
    server: LiveServer, alice: Account, bob: Account, sockets: list[Socket]
) -> None:
    sockets.append(a := await join(server, alice))
    b = await join(server, bob)
    for i in range(3):
        await a.send({"type": "message", "body": f"before {i}"})
    seen = await b.messages(3)
    await b.close()
    for i in range(5):
        await a.send({"type": "message", "body": f"while away {i}"})
    await a.messages(8)
    sockets.append(b := await join(server, bob, since=seen[-1]["id"]))
    missed = await b.messages(5)
    assert [m["body"] for m in missed] == [f"while away {i}" for i in range(5)]
    assert [f for f in await b.frames_before_pong() if f["type"] == "message"] == []


@on_both_write_paths
async def test_resume_during_live_traffic_has_no_gap_and_no_duplicate(
    server: LiveServer, alice: Account, bob: Account, sockets: list[Socket]
) -> None:
    sockets.append(a := await join(server, alice))
    total, window = 150, 10
    acknowledged = 0
    # Some are stored before bob connects, some while he does, and the last ones after.
    some_stored, bob_connected = asyncio.Event(), asyncio.Event()

    async def keep_sending() -> None:
        nonlocal acknowledged
        for start in range(0, total, window):
            if start == total - 3 * window:
                await bob_connected.wait()
            for i in range(start, start + window):
                await a.send({"type": "message", "body": f"m{i}", "client_id": f"m{i}"})
            acknowledged += len(await a.messages(window))  # at most a window in flight, as a client keeps
            if acknowledged >= 2 * window:
                some_stored.set()

    sender = asyncio.create_task(keep_sending())
    await some_stored.wait()
    sockets.append(b := await join(server, bob, since=0))
    bob_connected.set()
    received = await b.messages(total)
    await sender  # alice has every acknowledgement: every message has gone out to the room
    assert [m["body"] for m in received] == [f"m{i}" for i in range(total)]
    assert [f for f in await b.frames_before_pong() if f["type"] == "message"] == []


async def test_more_than_1000_missed_sends_gap_then_the_newest_1000(
    server: LiveServer, alice: Account, sockets: list[Socket]
) -> None:
    async with server.context.sessions() as session:
        now = utcnow()
        rows = [
            {"room_id": 1, "sender_id": alice.id, "body": f"bulk {i}", "created_at": now, "deleted": False}
            for i in range(1005)
        ]
        await session.execute(insert(Message), rows)
        await session.commit()
        first_id = await session.scalar(select(Message.id).order_by(Message.id).limit(1))
    assert first_id is not None
    sockets.append(ws := await join(server, alice, since=first_id - 1))
    assert (await ws.recv())["type"] == "gap"
    replayed = await ws.messages(1000)
    assert [m["body"] for m in replayed] == [f"bulk {i}" for i in range(5, 1005)]


async def test_a_path_that_names_no_room_closes_4404(server: LiveServer, alice: Account) -> None:
    from websockets.asyncio.client import connect

    headers = {"Authorization": f"Bearer {alice.access_token}"}
    for path in ("/ws/abc", "/ws/", "/ws/99999999999999999999999", "/ws/1/extra"):
        async with connect(f"{server.ws_url}{path}", additional_headers=headers) as raw:
            with pytest.raises(Exception) as closed:
                await asyncio.wait_for(raw.recv(), 5)
        assert closed.value.rcvd.code == 4404, path  # type: ignore[attr-defined]
