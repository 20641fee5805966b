"""Direct rooms: one private room per pair of people, created once, named after the other person."""

import asyncio

import httpx
import pytest

from tests.support.accounts import Account, AccountFactory
from tests.support.api import open_direct, rooms_by_id
from tests.support.servers import LiveServer
from tests.support.sockets import Socket, join


async def test_a_direct_room_is_private_for_two_and_named_after_the_other(
    client: httpx.AsyncClient, alice: Account, bob: Account
) -> None:
    response = await open_direct(client, alice, "bob")
    assert response.status_code == 200
    room = response.json()
    assert room["is_direct"] is True and room["is_private"] is True
    assert room["name"] == "bob" and room["member_count"] == 2 and room["joined"] is True
    assert room["owner_id"] is None and room["unread_count"] == 0
    assert (await rooms_by_id(client, bob))[room["id"]]["name"] == "alice"
    members = (await client.get(f"/rooms/{room['id']}/members", headers=bob.headers)).json()
    assert sorted(m["user"]["username"] for m in members) == ["alice", "bob"]


async def test_the_same_pair_always_gets_the_same_room(client: httpx.AsyncClient, alice: Account, bob: Account) -> None:
    first = (await open_direct(client, alice, "bob")).json()["id"]
    assert (await open_direct(client, alice, "bob")).json()["id"] == first
    assert (await open_direct(client, bob, "alice")).json()["id"] == first
    assert (await open_direct(client, alice, "BOB")).json()["id"] == first  # usernames ignore case


async def test_concurrent_first_calls_create_one_room(client: httpx.AsyncClient, alice: Account, bob: Account) -> None:
    answers = await asyncio.gather(*(open_direct(client, *pair) for pair in [(alice, "bob"), (bob, "alice")] * 8))
    assert {answer.status_code for answer in answers} == {200}
    assert len({answer.json()["id"] for answer in answers}) == 1
    directs = [room for room in (await rooms_by_id(client, alice)).values() if room["is_direct"]]
    assert len(directs) == 1


async def test_each_pair_has_a_room_of_its_own(
    client: httpx.AsyncClient, alice: Account, bob: Account, make_account: AccountFactory
) -> None:
    carol = await make_account("carol")
    with_bob = (await open_direct(client, alice, "bob")).json()["id"]
    with_carol = (await open_direct(client, alice, "carol")).json()["id"]
    bob_carol = (await open_direct(client, bob, "carol")).json()["id"]
    assert len({with_bob, with_carol, bob_carol}) == 3
    assert with_bob not in await rooms_by_id(client, carol)  # outsiders do not even see it listed


async def test_unknown_inactive_or_invalid_people_and_oneself_are_refused(
    client: httpx.AsyncClient, alice: Account, bob: Account, admin: Account
) -> None:
    assert (await open_direct(client, alice, "nobody")).status_code == 404
    await client.patch(f"/admin/users/{bob.id}", json={"is_active": False}, headers=admin.headers)
    assert (await open_direct(client, alice, "bob")).status_code == 404
    yourself = await open_direct(client, alice, "alice")
    assert yourself.status_code == 400 and "yourself" in yourself.json()["detail"]
    assert (await open_direct(client, alice, "ALICE")).status_code == 400


@pytest.mark.parametrize("username", ["", "a", "x" * 33, "bad name", None, 5])
async def test_malformed_usernames_are_422(client: httpx.AsyncClient, alice: Account, username: object) -> None:
    assert (await open_direct(client, alice, username)).status_code == 422


async def test_direct_rooms_need_a_token(client: httpx.AsyncClient, bob: Account) -> None:
    assert (await client.post("/dm", json={"username": "bob"})).status_code == 401


async def test_outsiders_cannot_see_join_or_be_added(
    client: httpx.AsyncClient, alice: Account, bob: Account, admin: Account, make_account: AccountFactory
) -> None:
    carol = await make_account("carol")
    room = (await open_direct(client, alice, "bob")).json()["id"]
    for method, path in [
        ("GET", f"/rooms/{room}"),
        ("POST", f"/rooms/{room}/join"),
        ("GET", f"/rooms/{room}/members"),
        ("GET", f"/chat/history?room_id={room}"),
    ]:
        assert (await client.request(method, path, headers=carol.headers)).status_code == 404, path
    # A direct room has exactly two members: nobody can invite a third, not even an admin.
    assert (
        await client.post(f"/rooms/{room}/members", json={"username": "carol"}, headers=alice.headers)
    ).status_code == 403
    added = await client.post(f"/rooms/{room}/members", json={"username": "carol"}, headers=admin.headers)
    assert added.status_code == 409
    assert (await client.get(f"/rooms/{room}", headers=alice.headers)).json()["member_count"] == 2


async def test_a_direct_room_one_of_them_left_comes_back_for_both(
    client: httpx.AsyncClient, alice: Account, bob: Account
) -> None:
    room = (await open_direct(client, alice, "bob")).json()["id"]
    assert (await client.post(f"/rooms/{room}/leave", headers=bob.headers)).status_code == 204
    assert room not in await rooms_by_id(client, bob)
    again = (await open_direct(client, alice, "bob")).json()
    assert again["id"] == room and again["member_count"] == 2
    assert (await rooms_by_id(client, bob))[room]["name"] == "alice"


async def test_two_people_chat_in_their_direct_room(
    server: LiveServer, client: httpx.AsyncClient, alice: Account, bob: Account, sockets: list[Socket]
) -> None:
    room = (await open_direct(client, alice, "bob")).json()["id"]
    alices, bobs = await join(server, alice, room), await join(server, bob, room)
    sockets.extend([alices, bobs])
    await alices.send({"type": "message", "body": "just between us"})
    assert (await bobs.messages(1))[0]["body"] == "just between us"
    assert (await client.get(f"/rooms/{room}", headers=bob.headers)).json()["unread_count"] == 1


async def test_a_direct_rooms_name_never_collides_with_a_room_someone_names(
    client: httpx.AsyncClient, alice: Account, bob: Account
) -> None:
    room = (await open_direct(client, alice, "bob")).json()
    key = f"{min(alice.id, bob.id)}:{max(alice.id, bob.id)}"
    for name in ["alice, bob", f" direct {key} ", key]:  # the second is trimmed like any name
        created = await client.post("/rooms", json={"name": name}, headers=alice.headers)
        assert created.status_code == 201, (name, created.text)
    assert (await open_direct(client, bob, "alice")).json()["id"] == room["id"]
