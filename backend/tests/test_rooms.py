"""Rooms over HTTP: who sees what, creating, joining, leaving, members, invitations, deletion."""

import httpx
import pytest

from tests.support.accounts import Account, AccountFactory
from tests.support.api import create_room
from tests.support.servers import LiveServer
from tests.support.sockets import Socket, join


async def test_create_room_makes_the_caller_owner_and_member(client: httpx.AsyncClient, alice: Account) -> None:
    room = await create_room(client, alice, "  Lounge  ")
    assert room["name"] == "Lounge"  # trimmed
    assert room["owner_id"] == alice.id and room["joined"] is True and room["member_count"] == 1
    assert room["is_private"] is False
    assert set(room) == {
        "id",
        "name",
        "is_private",
        "owner_id",
        "created_at",
        "member_count",
        "joined",
        "topic",
        "last_message_id",
        "last_read_id",
        "unread_count",
        "mention_count",
        "notify",
        "is_direct",
    }
    assert room["last_read_id"] is None and room["unread_count"] == 0 and room["is_direct"] is False


async def test_room_names_are_unique_case_insensitively(client: httpx.AsyncClient, alice: Account) -> None:
    await create_room(client, alice, "Lounge")
    again = await client.post("/rooms", json={"name": "LOUNGE"}, headers=alice.headers)
    assert again.status_code == 409


@pytest.mark.parametrize("name", ["", "   ", "x" * 65, None, "bad\x00name"])
async def test_invalid_room_names_are_422(client: httpx.AsyncClient, alice: Account, name: object) -> None:
    response = await client.post("/rooms", json={"name": name}, headers=alice.headers)
    assert response.status_code == 422


async def test_list_shows_public_rooms_and_own_private_rooms(
    client: httpx.AsyncClient, alice: Account, bob: Account
) -> None:
    await create_room(client, alice, "public")
    await create_room(client, alice, "secret", private=True)
    alices = {r["name"]: r["joined"] for r in (await client.get("/rooms", headers=alice.headers)).json()}
    bobs = {r["name"]: r["joined"] for r in (await client.get("/rooms", headers=bob.headers)).json()}
    assert alices == {"general": True, "public": True, "secret": True}
    assert bobs == {"general": True, "public": False}


async def test_private_room_is_a_404_for_outsiders(client: httpx.AsyncClient, alice: Account, bob: Account) -> None:
    secret = await create_room(client, alice, "secret", private=True)
    for method, path in [
        ("GET", f"/rooms/{secret['id']}"),
        ("POST", f"/rooms/{secret['id']}/join"),
        ("GET", f"/rooms/{secret['id']}/members"),
        ("GET", f"/chat/history?room_id={secret['id']}"),
        ("POST", f"/rooms/{secret['id']}/messages"),
    ]:
        response = await client.request(method, path, headers=bob.headers, json={"body": "hi"})
        assert response.status_code == 404, (method, path)
    assert (await client.get("/rooms/987654", headers=bob.headers)).status_code == 404


async def test_join_and_leave_a_public_room(client: httpx.AsyncClient, alice: Account, bob: Account) -> None:
    room = await create_room(client, alice, "public")
    joined = await client.post(f"/rooms/{room['id']}/join", headers=bob.headers)
    assert joined.status_code == 200 and joined.json()["joined"] is True and joined.json()["member_count"] == 2
    again = await client.post(f"/rooms/{room['id']}/join", headers=bob.headers)  # idempotent
    assert again.json()["member_count"] == 2
    assert (await client.post(f"/rooms/{room['id']}/leave", headers=bob.headers)).status_code == 204
    after = (await client.get(f"/rooms/{room['id']}", headers=bob.headers)).json()
    assert after["joined"] is False and after["member_count"] == 1


async def test_non_members_cannot_read_a_public_rooms_members_or_history(
    client: httpx.AsyncClient, alice: Account, bob: Account
) -> None:
    room = await create_room(client, alice, "public")
    assert (await client.get(f"/rooms/{room['id']}/members", headers=bob.headers)).status_code == 403
    assert (await client.get(f"/chat/history?room_id={room['id']}", headers=bob.headers)).status_code == 403


async def test_members_list_shows_who_is_online(
    server: LiveServer, client: httpx.AsyncClient, alice: Account, bob: Account, sockets: list[Socket]
) -> None:
    sockets.append(await join(server, alice))
    members = (await client.get("/rooms/1/members", headers=bob.headers)).json()
    assert members == [
        {"user": {"id": alice.id, "username": "alice"}, "online": True},
        {"user": {"id": bob.id, "username": "bob"}, "online": False},
    ]


async def test_owner_adds_a_member_to_a_private_room(client: httpx.AsyncClient, alice: Account, bob: Account) -> None:
    secret = await create_room(client, alice, "secret", private=True)
    added = await client.post(f"/rooms/{secret['id']}/members", json={"username": "BOB"}, headers=alice.headers)
    assert added.status_code == 200
    assert added.json() == {"user": {"id": bob.id, "username": "bob"}, "online": False}
    assert (await client.get(f"/rooms/{secret['id']}", headers=bob.headers)).json()["joined"] is True


async def test_only_owner_or_admin_adds_members(
    client: httpx.AsyncClient,
    alice: Account,
    bob: Account,
    make_account: AccountFactory,
    admin: Account,
) -> None:
    carol = await make_account("carol")
    room = await create_room(client, alice, "public")
    await client.post(f"/rooms/{room['id']}/join", headers=bob.headers)
    refused = await client.post(f"/rooms/{room['id']}/members", json={"username": "carol"}, headers=bob.headers)
    assert refused.status_code == 403
    secret = await create_room(client, alice, "secret", private=True)
    by_admin = await client.post(f"/rooms/{secret['id']}/members", json={"username": "carol"}, headers=admin.headers)
    assert by_admin.status_code == 200
    assert (await client.get(f"/rooms/{secret['id']}", headers=carol.headers)).status_code == 200
    unknown = await client.post(f"/rooms/{secret['id']}/members", json={"username": "nobody"}, headers=alice.headers)
    assert unknown.status_code == 404


async def test_admin_deletes_a_room_with_its_messages(
    client: httpx.AsyncClient, admin: Account, alice: Account
) -> None:
    room = await create_room(client, alice, "doomed")
    await client.post(f"/rooms/{room['id']}/messages", json={"body": "bye"}, headers=alice.headers)
    assert (await client.delete(f"/admin/rooms/{room['id']}", headers=admin.headers)).status_code == 204
    assert (await client.get(f"/rooms/{room['id']}", headers=alice.headers)).status_code == 404
    assert (await client.delete(f"/admin/rooms/{room['id']}", headers=admin.headers)).status_code == 404
    stats = (await client.get("/admin/stats", headers=admin.headers)).json()
    assert stats["messages"] == 0 and stats["rooms"] == 1


async def test_admin_lists_every_room_including_private_ones(
    client: httpx.AsyncClient, admin: Account, alice: Account
) -> None:
    await create_room(client, alice, "secret", private=True)
    names = {r["name"] for r in (await client.get("/admin/rooms", headers=admin.headers)).json()}
    assert names == {"general", "secret"}
