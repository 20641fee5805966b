"""Managing a room over HTTP: its owner (or an admin) renames it, sets its topic, removes members;
and migration 0004, which gave rooms their topic."""

from pathlib import Path
from typing import Any

import httpx
import pytest
from alembic import command
from sqlalchemy import inspect, text
from websockets.asyncio.client import connect as ws_connect

from tests.support.accounts import Account, AccountFactory, register
from tests.support.api import JSON, create_room, open_direct, rooms_by_id
from tests.support.database import database_at_0001
from tests.support.servers import LiveServer, ServerFactory, SettingsFactory
from tests.support.sockets import Socket, join


async def patch_room(http: httpx.AsyncClient, account: Account, room_id: int, **fields: Any) -> httpx.Response:
    return await http.patch(f"/rooms/{room_id}", json=fields, headers=account.headers)


async def remove(http: httpx.AsyncClient, account: Account, room_id: int, user_id: int) -> httpx.Response:
    return await http.delete(f"/rooms/{room_id}/members/{user_id}", headers=account.headers)


async def member_names(http: httpx.AsyncClient, account: Account, room_id: int) -> list[str]:
    members = (await http.get(f"/rooms/{room_id}/members", headers=account.headers)).json()
    return [member["user"]["username"] for member in members]


async def app_socket_of(server: LiveServer, account: Account) -> Socket:
    """The app's one socket (`/ws`, every room of the user), past its `hello`."""
    url, headers = f"{server.ws_url}/ws", {"Authorization": f"Bearer {account.access_token}"}
    socket_ = Socket(await ws_connect(url, open_timeout=10, close_timeout=1, additional_headers=headers))
    assert (await socket_.recv())["type"] == "hello"
    return socket_


async def public_room_with(http: httpx.AsyncClient, owner: Account, *members: Account, name: str = "lounge") -> JSON:
    room = await create_room(http, owner, name)
    for member in members:
        assert (await http.post(f"/rooms/{room['id']}/join", headers=member.headers)).status_code == 200
    return room


# --- rename and topic ------------------------------------------------------------------------------


async def test_the_owner_renames_a_room_and_sets_its_topic(
    client: httpx.AsyncClient, alice: Account, bob: Account
) -> None:
    room = await create_room(client, alice, "lounge")
    assert room["topic"] is None  # a new room has none
    changed = await patch_room(client, alice, room["id"], name="  Parlour ", topic="  tea at five  ")
    assert changed.status_code == 200, changed.text
    body = changed.json()
    assert (body["id"], body["name"], body["topic"], body["joined"]) == (room["id"], "Parlour", "tea at five", True)
    # Everyone who sees the room sees it changed, listed and alone.
    for account in (alice, bob):
        one = (await client.get(f"/rooms/{room['id']}", headers=account.headers)).json()
        listed = (await rooms_by_id(client, account))[room["id"]]
        assert (one["name"], one["topic"]) == (listed["name"], listed["topic"]) == ("Parlour", "tea at five")


async def test_only_what_is_sent_changes_and_a_blank_or_null_topic_clears_it(
    client: httpx.AsyncClient, alice: Account
) -> None:
    room_id = (await create_room(client, alice, "lounge"))["id"]

    async def state(**fields: Any) -> tuple[str, str | None]:
        response = await patch_room(client, alice, room_id, **fields)
        assert response.status_code == 200, response.text
        return response.json()["name"], response.json()["topic"]

    assert await state(topic="board games") == ("lounge", "board games")
    assert await state(name="Games") == ("Games", "board games")  # topic absent: kept
    assert await state(name=None) == ("Games", "board games")  # null name: kept
    assert await state() == ("Games", "board games")
    assert await state(topic="   ") == ("Games", None)
    assert await state(topic="again") == ("Games", "again")
    assert await state(topic=None) == ("Games", None)
    assert await state(topic="x" * 250) == ("Games", "x" * 250)
    assert (await client.get(f"/rooms/{room_id}", headers=alice.headers)).json()["topic"] == "x" * 250


@pytest.mark.parametrize(
    "fields",
    [
        {"name": ""},
        {"name": "   "},
        {"name": "x" * 65},
        {"name": "bad\x00name"},
        {"name": 7},
        {"topic": "x" * 251},
        {"topic": " " + "x" * 251 + " "},
        {"topic": "bad\x00topic"},
        {"topic": ["a list"]},
    ],
)
async def test_names_and_topics_are_checked_like_at_creation(
    client: httpx.AsyncClient, alice: Account, fields: JSON
) -> None:
    room = await create_room(client, alice, "lounge")
    response = await patch_room(client, alice, room["id"], **fields)
    assert response.status_code == 422, response.text
    after = (await client.get(f"/rooms/{room['id']}", headers=alice.headers)).json()
    assert (after["name"], after["topic"]) == ("lounge", None)


async def test_a_taken_name_is_a_409_but_a_rooms_own_name_in_other_case_is_not(
    client: httpx.AsyncClient, alice: Account
) -> None:
    await create_room(client, alice, "Games")
    room = await create_room(client, alice, "lounge")
    for taken in ("Games", "GAMES", " games ", "general"):
        assert (await patch_room(client, alice, room["id"], name=taken)).status_code == 409, taken
    recased = await patch_room(client, alice, room["id"], name="LOUNGE")
    assert recased.status_code == 200 and recased.json()["name"] == "LOUNGE"
    # The old name is free again; the new one is taken.
    assert (await client.post("/rooms", json={"name": "Lounge"}, headers=alice.headers)).status_code == 409
    assert (await patch_room(client, alice, room["id"], name="Parlour")).status_code == 200
    await create_room(client, alice, "lounge")


async def test_only_the_owner_or_an_admin_changes_a_room(
    client: httpx.AsyncClient, alice: Account, bob: Account, admin: Account
) -> None:
    public = await public_room_with(client, alice, bob)
    secret = await create_room(client, alice, "secret", private=True)
    assert (await patch_room(client, bob, public["id"], topic="mine now")).status_code == 403  # a member
    assert (await patch_room(client, bob, secret["id"], topic="mine now")).status_code == 404  # cannot see it
    assert (await patch_room(client, alice, 1, topic="everyone")).status_code == 403  # general: nobody's
    for room_id in (public["id"], secret["id"]):
        assert (await client.get(f"/rooms/{room_id}", headers=alice.headers)).json()["topic"] is None
    # An admin changes any room, even a private one they are not in (and sees it as an outsider).
    by_admin = await patch_room(client, admin, secret["id"], topic="audited")
    assert by_admin.status_code == 200, by_admin.text
    assert by_admin.json()["topic"] == "audited" and by_admin.json()["joined"] is False
    assert (await patch_room(client, admin, 1, topic="everyone")).json()["topic"] == "everyone"
    for account in (alice, admin):
        assert (await patch_room(client, account, 987654, topic="x")).status_code == 404


async def test_an_owner_who_left_a_private_room_no_longer_manages_it(client: httpx.AsyncClient, alice: Account) -> None:
    secret = await create_room(client, alice, "secret", private=True)
    assert (await client.post(f"/rooms/{secret['id']}/leave", headers=alice.headers)).status_code == 204
    assert (await patch_room(client, alice, secret["id"], topic="back")).status_code == 404


async def test_a_direct_room_has_no_name_or_topic_to_change(
    client: httpx.AsyncClient, alice: Account, bob: Account, admin: Account
) -> None:
    direct = (await open_direct(client, alice, "bob")).json()
    for account in (alice, bob, admin):
        for fields in ({"name": "ours"}, {"topic": "us"}):
            response = await patch_room(client, account, direct["id"], **fields)
            assert response.status_code == 409, (account.username, fields)
            assert "direct room" in response.json()["detail"]
    room = (await client.get(f"/rooms/{direct['id']}", headers=alice.headers)).json()
    assert (room["name"], room["topic"]) == ("bob", None)


async def test_members_hear_of_a_change_and_of_nothing_when_nothing_changed(
    server: LiveServer, client: httpx.AsyncClient, alice: Account, bob: Account, sockets: list[Socket]
) -> None:
    room = await public_room_with(client, alice, bob)
    sockets.append(ws := await join(server, bob, room["id"]))
    await patch_room(client, alice, room["id"], name="Parlour", topic="tea")
    assert await ws.recv_type("room_updated") == {
        "type": "room_updated",
        "room_id": room["id"],
        "name": "Parlour",
        "topic": "tea",
    }
    for same in ({"name": "Parlour", "topic": "tea"}, {"topic": " tea "}, {}):
        assert (await patch_room(client, alice, room["id"], **same)).status_code == 200
    assert [frame["type"] for frame in await ws.frames_before_pong()] == []
    await patch_room(client, alice, room["id"], topic=None)
    assert (await ws.recv_type("room_updated"))["topic"] is None


async def test_changes_count_with_room_creations(
    server_factory: ServerFactory, settings_factory: SettingsFactory
) -> None:
    live = await server_factory(settings_factory(room_rate_limit="3/60s"))
    async with httpx.AsyncClient(base_url=live.url + "/api/v1", timeout=30) as http:
        alice = await register(http, "alice")
        room = await create_room(http, alice, "lounge")
        for topic in ("one", "two"):
            assert (await patch_room(http, alice, room["id"], topic=topic)).status_code == 200
        refused = await patch_room(http, alice, room["id"], topic="three")
        assert refused.status_code == 429 and 1 <= int(refused.headers["retry-after"]) <= 60
        assert (await http.get(f"/rooms/{room['id']}", headers=alice.headers)).json()["topic"] == "two"


# --- removing members ------------------------------------------------------------------------------


async def test_the_owner_removes_a_member(client: httpx.AsyncClient, alice: Account, bob: Account) -> None:
    room = await public_room_with(client, alice, bob)
    removed = await remove(client, alice, room["id"], bob.id)
    assert removed.status_code == 204 and removed.content == b""
    assert await member_names(client, alice, room["id"]) == ["alice"]
    after = (await client.get(f"/rooms/{room['id']}", headers=bob.headers)).json()
    assert after["joined"] is False and after["member_count"] == 1
    assert (await remove(client, alice, room["id"], bob.id)).status_code == 404  # no longer a member


async def test_someone_removed_from_a_private_room_can_no_longer_see_it(
    client: httpx.AsyncClient, alice: Account, bob: Account
) -> None:
    secret = await create_room(client, alice, "secret", private=True)
    await client.post(f"/rooms/{secret['id']}/members", json={"username": "bob"}, headers=alice.headers)
    assert (await client.get(f"/rooms/{secret['id']}", headers=bob.headers)).status_code == 200
    assert (await remove(client, alice, secret["id"], bob.id)).status_code == 204
    assert (await client.get(f"/rooms/{secret['id']}", headers=bob.headers)).status_code == 404
    assert (await client.post(f"/rooms/{secret['id']}/join", headers=bob.headers)).status_code == 404


async def test_only_the_owner_or_an_admin_removes_members(
    client: httpx.AsyncClient, alice: Account, bob: Account, make_account: AccountFactory, admin: Account
) -> None:
    carol = await make_account("carol")
    room = await public_room_with(client, alice, bob, carol)
    assert (await remove(client, bob, room["id"], carol.id)).status_code == 403
    secret = await create_room(client, alice, "secret", private=True)
    await client.post(f"/rooms/{secret['id']}/members", json={"username": "carol"}, headers=alice.headers)
    assert (await remove(client, bob, secret["id"], carol.id)).status_code == 404  # bob cannot see it
    assert await member_names(client, alice, room["id"]) == ["alice", "bob", "carol"]
    # An admin removes from any room, a private one they are not in included.
    assert (await remove(client, admin, secret["id"], carol.id)).status_code == 204
    assert (await remove(client, admin, room["id"], carol.id)).status_code == 204
    assert await member_names(client, alice, room["id"]) == ["alice", "bob"]
    assert await member_names(client, alice, secret["id"]) == ["alice"]


@pytest.mark.parametrize("who", ["owner", "admin"])
async def test_no_room_or_no_such_member_is_a_404(
    client: httpx.AsyncClient, alice: Account, bob: Account, admin: Account, who: str
) -> None:
    caller = alice if who == "owner" else admin
    room = await create_room(client, alice, "lounge")
    assert (await remove(client, caller, 987654, bob.id)).status_code == 404
    assert (await remove(client, caller, room["id"], bob.id)).status_code == 404  # bob is not in it
    assert (await remove(client, caller, room["id"], 987654)).status_code == 404  # nobody
    assert (await client.delete(f"/rooms/{room['id']}/members/0", headers=caller.headers)).status_code == 422


async def test_the_owner_cannot_be_removed_nor_remove_themselves(
    client: httpx.AsyncClient, alice: Account, bob: Account, admin: Account
) -> None:
    room = await public_room_with(client, alice, bob, admin)
    owner_leaves = await remove(client, alice, room["id"], alice.id)
    assert owner_leaves.status_code == 409 and "leave" in owner_leaves.json()["detail"]
    assert (await remove(client, admin, room["id"], alice.id)).status_code == 409
    admin_leaves = await remove(client, admin, room["id"], admin.id)  # leaving is POST /leave
    assert admin_leaves.status_code == 409 and "leave" in admin_leaves.json()["detail"]
    assert await member_names(client, alice, room["id"]) == ["alice", "bob", "root"]


async def test_nobody_is_removed_from_a_direct_room(
    client: httpx.AsyncClient, alice: Account, bob: Account, admin: Account
) -> None:
    direct = (await open_direct(client, alice, "bob")).json()
    for caller, member in ((alice, bob), (admin, bob), (admin, alice)):
        assert (await remove(client, caller, direct["id"], member.id)).status_code == 409
    assert await member_names(client, alice, direct["id"]) == ["alice", "bob"]


async def test_a_removed_members_sockets_stop_getting_the_room(
    server: LiveServer, client: httpx.AsyncClient, alice: Account, bob: Account, sockets: list[Socket]
) -> None:
    """The room's own socket closes 4403 (as on leaving); the app socket says why: "removed"."""
    room = await public_room_with(client, alice, bob)
    sockets.append(in_room := await join(server, bob, room["id"]))
    sockets.append(in_general := await join(server, bob))
    sockets.append(app_socket := await app_socket_of(server, bob))
    assert (await remove(client, alice, room["id"], bob.id)).status_code == 204
    assert await in_room.closed_with() == 4403
    removed = await app_socket.recv_type("room_removed")
    assert removed == {"type": "room_removed", "room_id": room["id"], "reason": "removed"}
    assert [frame["type"] for frame in await in_general.frames_before_pong()] == []  # other rooms go on


async def test_removals_count_with_invitations(
    server_factory: ServerFactory, settings_factory: SettingsFactory
) -> None:
    live = await server_factory(settings_factory(invite_rate_limit="3/60s"))
    async with httpx.AsyncClient(base_url=live.url + "/api/v1", timeout=30) as http:
        alice = await register(http, "alice")
        others = [await register(http, f"user{n}") for n in range(3)]
        room = await public_room_with(http, alice, *others)
        invited = await http.post(f"/rooms/{room['id']}/members", json={"username": "user0"}, headers=alice.headers)
        assert invited.status_code == 200  # already a member: counted all the same
        assert [(await remove(http, alice, room["id"], other.id)).status_code for other in others] == [204, 204, 429]
        assert await member_names(http, alice, room["id"]) == ["alice", "user2"]


# --- migration 0004 --------------------------------------------------------------------------------


def test_migration_0004_adds_the_topic_and_takes_it_away_keeping_everything_else(tmp_path: Path) -> None:
    with database_at_0001(tmp_path, [("hello", False)]) as (config, engine):
        command.upgrade(config, "0003")
        with engine.connect() as connection:
            assert "topic" not in {column["name"] for column in inspect(connection).get_columns("rooms")}
        command.upgrade(config, "0004")
        with engine.begin() as connection:
            assert connection.execute(text("SELECT name, topic FROM rooms")).all() == [("general", None)]
            connection.execute(text("UPDATE rooms SET topic = :topic"), {"topic": "é" * 250})
            assert connection.execute(text("SELECT topic FROM rooms")).scalar() == "é" * 250
        command.downgrade(config, "0003")
        with engine.connect() as connection:
            assert "topic" not in {column["name"] for column in inspect(connection).get_columns("rooms")}
            # The column went without a copy of `rooms`: its members and messages are all there.
            assert connection.execute(text("SELECT count(*) FROM memberships")).scalar() == 1
            assert connection.execute(text("SELECT count(*) FROM messages")).scalar() == 1
        command.upgrade(config, "head")
        command.check(config)
