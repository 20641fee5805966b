"""`/ws`, one socket for the whole app, over real sockets: every room of the user, membership as
it changes, presence per user, resume across rooms."""

import asyncio

import httpx

from tests.support.accounts import Account, AccountFactory, register
from tests.support.api import create_room, open_direct, send_message
from tests.support.servers import LiveServer, ProcessFactory, ServerFactory, SettingsFactory, two_processes_over_redis
from tests.support.services import REDIS_URL
from tests.support.sockets import Socket, connect, join, open_user_socket

# --- hello ----------------------------------------------------------------------------------------


async def test_hello_lists_every_room_with_its_newest_message_unread_count_and_who_is_online(
    server: LiveServer, client: httpx.AsyncClient, alice: Account, bob: Account, sockets: list[Socket]
) -> None:
    lounge = await create_room(client, alice, "lounge")
    await create_room(client, bob, "bobs-own")  # alice is not in it: not listed
    earlier = await send_message(client, bob, "hi all")
    newest = await send_message(client, alice, "in the lounge", lounge["id"])
    sockets.append(b := await join(server, bob))  # bob is online (a room socket counts too)
    ws, hello = await connect(server, alice)
    sockets.append(ws)
    assert hello["user"] == {"id": alice.id, "username": "alice"}
    assert hello["room"] is None
    rooms = {room["id"]: room for room in hello["rooms"]}
    assert set(rooms) == {1, lounge["id"]}
    assert rooms[1]["last_message_id"] == earlier["id"] and rooms[1]["unread_count"] == 1
    assert rooms[lounge["id"]]["last_message_id"] == newest["id"] and rooms[lounge["id"]]["unread_count"] == 0
    assert hello["last_message_id"] == newest["id"]
    assert hello["online"] == [{"id": bob.id, "username": "bob"}]
    await b.close()


async def test_frames_must_name_a_room_of_the_user(
    server: LiveServer, client: httpx.AsyncClient, alice: Account, bob: Account, sockets: list[Socket]
) -> None:
    private = await create_room(client, bob, "secret", private=True)
    ws, _ = await connect(server, alice)
    sockets.append(ws)
    await ws.send({"type": "message", "body": "where?", "client_id": "c1"})
    error = await ws.recv_type("error")
    assert error["code"] == "bad_request" and error["client_id"] == "c1"
    await ws.send({"type": "message", "room_id": private["id"], "body": "let me in", "client_id": "c2"})
    error = await ws.recv_type("error")
    assert (error["code"], error["client_id"], error["room_id"]) == ("forbidden", "c2", private["id"])
    await ws.send({"type": "typing"})
    assert (await ws.recv_type("error"))["code"] == "bad_request"
    await send_message(client, bob, "still secret", private["id"])
    assert [f for f in await ws.frames_before_pong() if f["type"] == "message"] == []


# --- every room on one socket ---------------------------------------------------------------------


async def test_a_user_in_fifty_rooms_gets_every_rooms_messages_on_one_socket_in_order(
    server: LiveServer, client: httpx.AsyncClient, alice: Account, bob: Account, sockets: list[Socket]
) -> None:
    rooms = [await create_room(client, bob, f"room-{i}") for i in range(50)]
    for room in rooms:
        assert (await client.post(f"/rooms/{room['id']}/join", headers=alice.headers)).status_code == 200
    ws, hello = await connect(server, alice)
    sockets.append(ws)
    assert len(hello["rooms"]) == 51
    sockets.append(b := await open_user_socket(server, bob.access_token))
    assert (await b.recv())["type"] == "hello"
    # Bob sends over his own /ws, to each room in turn, twice round.
    for round_ in range(2):
        for room in rooms:
            await b.send({"type": "message", "room_id": room["id"], "body": f"{round_}:{room['name']}"})
    got = await ws.messages(100)
    assert [m["body"] for m in got] == [f"{r}:{room['name']}" for r in range(2) for room in rooms]
    assert [m["id"] for m in got] == sorted(m["id"] for m in got)
    assert [m["room_id"] for m in got[:50]] == [room["id"] for room in rooms]
    # Typing names its room, and is not echoed to the typist.
    await b.send({"type": "typing", "room_id": rooms[7]["id"]})
    typing = await ws.recv_type("typing")
    assert typing == {"type": "typing", "room_id": rooms[7]["id"], "user": {"id": bob.id, "username": "bob"}}
    assert [f for f in await b.frames_before_pong() if f["type"] == "typing"] == []


async def test_read_markers_reach_the_users_other_devices(
    server: LiveServer, client: httpx.AsyncClient, alice: Account, bob: Account, sockets: list[Socket]
) -> None:
    sent = await send_message(client, bob, "read me")
    ws, _ = await connect(server, alice)
    sockets.append(ws)
    assert (
        await client.post("/rooms/1/read", json={"message_id": sent["id"]}, headers=alice.headers)
    ).status_code == 204
    assert await ws.recv_type("read") == {"type": "read", "room_id": 1, "message_id": sent["id"]}


# --- live membership ------------------------------------------------------------------------------


async def test_an_invitation_starts_the_rooms_frames_without_reconnecting(
    server: LiveServer, client: httpx.AsyncClient, alice: Account, bob: Account, sockets: list[Socket]
) -> None:
    private = await create_room(client, bob, "plans", private=True)
    await send_message(client, bob, "before alice", private["id"])
    ws, _ = await connect(server, alice)
    sockets.append(ws)
    added = await client.post(f"/rooms/{private['id']}/members", json={"username": "alice"}, headers=bob.headers)
    assert added.status_code == 200
    frame = await ws.recv_type("room_added")
    assert frame["room"]["id"] == private["id"] and frame["room"]["joined"] is True
    assert frame["room"]["unread_count"] == 0  # what was there before counts as read
    sent = await send_message(client, bob, "welcome", private["id"])
    assert (await ws.messages(1))[0]["id"] == sent["id"]
    await ws.send({"type": "message", "room_id": private["id"], "body": "thanks", "client_id": "t1"})
    assert (await ws.messages(1))[0]["client_id"] == "t1"


async def test_creating_a_room_joining_one_and_a_dm_starting_are_announced(
    server: LiveServer, client: httpx.AsyncClient, make_account: AccountFactory, sockets: list[Socket]
) -> None:
    alice, bob = await make_account("alice"), await make_account("bob")
    a, _ = await connect(server, alice)
    b, _ = await connect(server, bob)
    sockets.extend([a, b])
    mine = await create_room(client, alice, "mine")
    assert (await a.recv_type("room_added"))["room"]["id"] == mine["id"]
    theirs = await create_room(client, bob, "theirs")
    assert (await b.recv_type("room_added"))["room"]["id"] == theirs["id"]
    assert (await client.post(f"/rooms/{theirs['id']}/join", headers=alice.headers)).status_code == 200
    assert (await a.recv_type("room_added"))["room"]["id"] == theirs["id"]
    direct = (await open_direct(client, alice, "bob")).json()
    for ws, peer in ((a, "bob"), (b, "alice")):
        room = (await ws.recv_type("room_added"))["room"]
        assert room["id"] == direct["id"] and room["is_direct"] and room["name"] == peer
    # Opening it again adds nobody: nothing more is announced.
    assert (await open_direct(client, bob, "alice")).status_code == 200
    assert [f for f in await a.frames_before_pong() if f["type"] == "room_added"] == []


async def test_leaving_stops_the_rooms_frames_at_once_and_refuses_sends_there(
    server: LiveServer, client: httpx.AsyncClient, alice: Account, bob: Account, sockets: list[Socket]
) -> None:
    lounge = await create_room(client, bob, "lounge")
    assert (await client.post(f"/rooms/{lounge['id']}/join", headers=alice.headers)).status_code == 200
    ws, _ = await connect(server, alice)
    sockets.append(ws)
    assert (await client.post(f"/rooms/{lounge['id']}/leave", headers=alice.headers)).status_code == 204
    assert await ws.recv_type("room_removed") == {"type": "room_removed", "room_id": lounge["id"], "reason": "left"}
    await send_message(client, bob, "after alice left", lounge["id"])
    general = await send_message(client, bob, "in general")
    # The general message comes; the lounge one, published before it, never did.
    assert [m["body"] for m in await ws.messages(1)] == [general["body"]]
    await ws.send({"type": "message", "room_id": lounge["id"], "body": "hello?", "client_id": "x"})
    error = await ws.recv_type("error")
    assert (error["code"], error["client_id"]) == ("forbidden", "x")


async def test_removal_by_the_owner_stops_the_room_on_every_socket_of_the_member(
    server: LiveServer, client: httpx.AsyncClient, alice: Account, bob: Account, sockets: list[Socket]
) -> None:
    private = await create_room(client, bob, "team", private=True)
    await client.post(f"/rooms/{private['id']}/members", json={"username": "alice"}, headers=bob.headers)
    ws, _ = await connect(server, alice)
    room_socket = await join(server, alice, private["id"])
    sockets.extend([ws, room_socket])
    removed = await client.delete(f"/rooms/{private['id']}/members/{alice.id}", headers=bob.headers)
    assert removed.status_code == 204, removed.text
    frame = await ws.recv_type("room_removed")
    assert (frame["room_id"], frame["reason"]) == (private["id"], "removed")
    assert await room_socket.closed_with() == 4403
    await send_message(client, bob, "alice is gone", private["id"])
    general = await send_message(client, bob, "general news")
    assert [m["body"] for m in await ws.messages(1)] == [general["body"]]


async def test_a_deleted_room_is_removed_and_renames_are_announced(
    server: LiveServer, client: httpx.AsyncClient, alice: Account, admin: Account, sockets: list[Socket]
) -> None:
    lounge = await create_room(client, alice, "lounge")
    ws, _ = await connect(server, alice)
    sockets.append(ws)
    renamed = await client.patch(
        f"/rooms/{lounge['id']}", json={"name": "salon", "topic": "tea"}, headers=alice.headers
    )
    assert renamed.status_code == 200, renamed.text
    update = await ws.recv_type("room_updated")
    assert update == {"type": "room_updated", "room_id": lounge["id"], "name": "salon", "topic": "tea"}
    assert (await client.delete(f"/admin/rooms/{lounge['id']}", headers=admin.headers)).status_code == 204
    gone = await ws.recv_type("room_removed")
    assert (gone["room_id"], gone["reason"]) == (lounge["id"], "deleted")


# --- presence -------------------------------------------------------------------------------------


async def test_presence_tells_of_people_sharing_a_room_coming_and_going_once_each(
    server: LiveServer, client: httpx.AsyncClient, make_account: AccountFactory, sockets: list[Socket]
) -> None:
    alice, bob = await make_account("alice"), await make_account("bob")
    for i in range(3):  # several rooms shared: still one frame per change
        room = await create_room(client, alice, f"shared-{i}")
        await client.post(f"/rooms/{room['id']}/join", headers=bob.headers)
    ws, _ = await connect(server, alice)
    sockets.append(ws)
    b, _ = await connect(server, bob)
    online = await ws.recv_type("presence")
    assert online == {"type": "presence", "event": "join", "online": True, "user": {"id": bob.id, "username": "bob"}}
    second_tab = await join(server, bob)  # another socket of bob's: nothing to announce
    await b.close()
    await second_tab.close()
    offline = await ws.recv_type("presence", timeout=server.settings.presence_grace_seconds + 10)
    assert (offline["event"], offline["online"], offline["user"]["id"]) == ("leave", False, bob.id)
    assert [f for f in await ws.frames_before_pong() if f["type"] == "presence"] == []
    members = (await client.get("/rooms/1/members", headers=alice.headers)).json()
    assert {m["user"]["username"]: m["online"] for m in members} == {"alice": True, "bob": False}


# --- resume ---------------------------------------------------------------------------------------


async def test_resume_replays_every_room_in_id_order_with_no_gap_and_no_duplicate(
    server: LiveServer, client: httpx.AsyncClient, alice: Account, bob: Account, sockets: list[Socket]
) -> None:
    rooms = [1] + [(await create_room(client, bob, f"r{i}"))["id"] for i in range(3)]
    for room_id in rooms[1:]:
        await client.post(f"/rooms/{room_id}/join", headers=alice.headers)
    seen = await send_message(client, bob, "seen before the reconnect")
    edited = await send_message(client, bob, "to be edited", rooms[1])
    missed = [await send_message(client, bob, f"missed {i}", rooms[i % 4]) for i in range(12)]
    await client.patch(f"/messages/{edited['id']}", json={"body": "edited"}, headers=bob.headers)
    # Live traffic while the socket resumes: each message once, replayed or live, in id order.
    sender, _ = await connect(server, bob)
    sockets.append(sender)

    async def keep_sending() -> None:
        for i in range(40):
            await sender.send({"type": "message", "room_id": rooms[i % 4], "body": f"live {i}"})

    sending = asyncio.create_task(keep_sending())
    ws = await open_user_socket(server, alice.access_token, since=seen["id"])
    sockets.append(ws)
    assert (await ws.recv())["type"] == "hello"
    await sending
    got = await ws.messages(53)
    ids = [m["id"] for m in got]
    assert ids == sorted(set(ids)) and len(ids) == 53
    assert got[0]["body"] == "edited"  # its current state
    assert [m["body"] for m in got[1:13]] == [m["body"] for m in missed]
    assert {m["room_id"] for m in got} == set(rooms)
    assert [f for f in await ws.frames_before_pong() if f["type"] == "message"] == []


async def test_past_the_replay_limit_each_room_with_news_gets_a_gap(
    settings_factory: SettingsFactory, server_factory: ServerFactory, sockets: list[Socket]
) -> None:
    server = await server_factory(settings_factory(ws_replay_limit=5))
    async with httpx.AsyncClient(base_url=server.url + "/api/v1") as client:
        alice, bob = await register(client, "alice"), await register(client, "bob")
        quiet = await create_room(client, bob, "quiet")
        busy = await create_room(client, bob, "busy")
        for room in (quiet, busy):
            await client.post(f"/rooms/{room['id']}/join", headers=alice.headers)
        since = (await send_message(client, bob, "start", quiet["id"]))["id"]
        for i in range(6):
            await send_message(client, bob, f"busy {i}", busy["id"])
        await send_message(client, bob, "general too")
        ws = await open_user_socket(server, alice.access_token, since=since)
        sockets.append(ws)
        assert (await ws.recv())["type"] == "hello"
        frames = await ws.frames_before_pong()
        assert frames == [{"type": "gap", "room_id": 1}, {"type": "gap", "room_id": busy["id"]}]


# --- across server processes ----------------------------------------------------------------------


async def test_membership_presence_and_messages_cross_server_processes_over_redis(
    process_factory: ProcessFactory, settings_factory: SettingsFactory, redis_prefix: str
) -> None:
    settings = settings_factory()
    async with two_processes_over_redis(process_factory, settings, REDIS_URL, redis_prefix) as (
        first,
        second,
        one,
        two,
    ):
        alice, bob = await register(one, "alice"), await register(two, "bob")
        a, _ = await connect(first, alice)
        b, _ = await connect(second, bob)
        # Bob came online on the second process: alice hears it on the first.
        assert (await a.recv_type("presence"))["user"]["id"] == bob.id
        # Bob, on the second, invites alice to a room no socket of the first process was in.
        private = await create_room(two, bob, "across", private=True)
        added = await two.post(f"/rooms/{private['id']}/members", json={"username": "alice"}, headers=bob.headers)
        assert added.status_code == 200
        assert (await a.recv_type("room_added"))["room"]["id"] == private["id"]
        await b.send({"type": "message", "room_id": private["id"], "body": "over redis", "client_id": "r1"})
        assert [m["body"] for m in await a.messages(1)] == ["over redis"]
        # Removed on the second: the first stops delivering the room at once.
        assert (await two.delete(f"/rooms/{private['id']}/members/{alice.id}", headers=bob.headers)).status_code == 204
        assert (await a.recv_type("room_removed"))["room_id"] == private["id"]
        await send_message(two, bob, "alice cannot see this", private["id"])
        last = await send_message(two, bob, "but this, in general")
        assert [m["id"] for m in await a.messages(1)] == [last["id"]]
        # Bob goes: offline, on the other process, after the grace period.
        await b.close()
        gone = await a.recv_type("presence", timeout=settings.presence_grace_seconds + 10)
        assert (gone["user"]["id"], gone["online"]) == (bob.id, False)
        await a.close()


async def test_the_other_members_hear_of_someone_joining_and_leaving(
    server: LiveServer, client: httpx.AsyncClient, alice: Account, bob: Account, sockets: list[Socket]
) -> None:
    lounge = await create_room(client, alice, "lounge")
    ws, _ = await connect(server, alice)
    room_socket = await join(server, alice, lounge["id"])
    sockets.extend([ws, room_socket])
    assert (await client.post(f"/rooms/{lounge['id']}/join", headers=bob.headers)).status_code == 200
    joined = {"type": "member_changed", "room_id": lounge["id"], "user_id": bob.id, "joined": True}
    assert await ws.recv_type("member_changed") == joined
    assert await room_socket.recv_type("member_changed") == joined
    assert (await client.post(f"/rooms/{lounge['id']}/leave", headers=bob.headers)).status_code == 204
    left = {**joined, "joined": False}
    assert await ws.recv_type("member_changed") == left
    assert await room_socket.recv_type("member_changed") == left
