"""Read markers and unread counts: forward only, per member, counted by the database."""

import asyncio
from pathlib import Path

import httpx
import pytest
from alembic import command
from sqlalchemy import text

from tests.conftest import Account, LiveServer, Socket, join, open_socket
from tests.legacy import database_at_0001
from tests.statements import recorded_statements


async def _room(client: httpx.AsyncClient, owner: Account, name: str, private: bool = False) -> int:
    response = await client.post("/rooms", json={"name": name, "is_private": private}, headers=owner.headers)
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


async def _send(client: httpx.AsyncClient, account: Account, body: str, room_id: int = 1) -> int:
    response = await client.post(f"/rooms/{room_id}/messages", json={"body": body}, headers=account.headers)
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


async def _read(client: httpx.AsyncClient, account: Account, room_id: int, message_id: object) -> httpx.Response:
    return await client.post(f"/rooms/{room_id}/read", json={"message_id": message_id}, headers=account.headers)


async def _state(client: httpx.AsyncClient, account: Account, room_id: int = 1) -> tuple[int | None, int]:
    room = (await client.get(f"/rooms/{room_id}", headers=account.headers)).json()
    return room["last_read_id"], room["unread_count"]


async def test_a_new_member_starts_with_nothing_unread(
    client: httpx.AsyncClient, alice: Account, make_account: object
) -> None:
    ids = [await _send(client, alice, f"before {i}") for i in range(3)]
    carol: Account = await make_account("carol")  # type: ignore[operator]
    assert await _state(client, carol) == (ids[-1], 0)
    assert await _state(client, alice) == (None, 0)  # her own messages are never unread


async def test_unread_counts_messages_by_others_after_the_marker_but_not_deleted_ones(
    client: httpx.AsyncClient, alice: Account, bob: Account
) -> None:
    first = await _send(client, alice, "one")
    await _send(client, bob, "bob's own: never unread for bob")
    second = await _send(client, alice, "two")
    third = await _send(client, alice, "three")
    assert await _state(client, bob) == (None, 3)
    assert (await client.delete(f"/messages/{third}", headers=alice.headers)).status_code == 204
    assert (await _state(client, bob))[1] == 2
    assert (await _read(client, bob, 1, first)).status_code == 204
    assert await _state(client, bob) == (first, 1)
    assert (await _read(client, bob, 1, second)).status_code == 204
    assert await _state(client, bob) == (second, 0)


async def test_the_marker_never_moves_back(client: httpx.AsyncClient, alice: Account, bob: Account) -> None:
    ids = [await _send(client, alice, f"m{i}") for i in range(4)]
    assert (await _read(client, bob, 1, ids[2])).status_code == 204
    assert (await _read(client, bob, 1, ids[0])).status_code == 204  # accepted, and ignored
    assert (await _read(client, bob, 1, ids[2])).status_code == 204
    assert await _state(client, bob) == (ids[2], 1)


async def test_racing_markers_end_at_the_furthest(client: httpx.AsyncClient, alice: Account, bob: Account) -> None:
    ids = [await _send(client, alice, f"m{i}") for i in range(12)]
    answers = await asyncio.gather(*(_read(client, bob, 1, message_id) for message_id in reversed(ids)))
    assert {answer.status_code for answer in answers} == {204}
    assert await _state(client, bob) == (ids[-1], 0)


async def test_each_member_has_a_marker_of_their_own(
    client: httpx.AsyncClient, alice: Account, bob: Account, make_account: object
) -> None:
    carol: Account = await make_account("carol")  # type: ignore[operator]
    ids = [await _send(client, alice, f"m{i}") for i in range(3)]
    await _read(client, bob, 1, ids[1])
    assert await _state(client, bob) == (ids[1], 1)
    assert (await _state(client, carol))[1] == 3


async def test_non_members_and_outsiders_get_404(client: httpx.AsyncClient, alice: Account, bob: Account) -> None:
    public = await _room(client, alice, "public")
    secret = await _room(client, alice, "secret", private=True)
    in_public = await _send(client, alice, "hello", public)
    in_secret = await _send(client, alice, "psst", secret)
    assert (await _read(client, bob, public, in_public)).status_code == 404  # public, but bob never joined
    assert (await _read(client, bob, secret, in_secret)).status_code == 404
    assert (await _read(client, bob, 987654, in_public)).status_code == 404
    await client.post(f"/rooms/{public}/join", headers=bob.headers)
    assert (await _read(client, bob, public, in_public)).status_code == 204


async def test_a_message_of_another_room_or_none_at_all_is_404(
    client: httpx.AsyncClient, alice: Account, bob: Account
) -> None:
    other = await _room(client, alice, "other")
    elsewhere = await _send(client, alice, "not in general", other)
    response = await _read(client, alice, 1, elsewhere)
    assert response.status_code == 404 and "message" in response.json()["detail"]
    assert (await _read(client, alice, 1, 987654)).status_code == 404
    assert await _state(client, alice) == (None, 0)


@pytest.mark.parametrize("message_id", [0, -1, "x", None, 2**53, 2**63, 1.5])
async def test_bad_message_ids_are_422(client: httpx.AsyncClient, alice: Account, message_id: object) -> None:
    assert (await _read(client, alice, 1, message_id)).status_code == 422


async def test_reading_needs_a_token(client: httpx.AsyncClient) -> None:
    assert (await client.post("/rooms/1/read", json={"message_id": 1})).status_code == 401


async def test_a_moved_marker_reaches_all_the_readers_sockets_and_nobody_elses(
    server: LiveServer, client: httpx.AsyncClient, alice: Account, bob: Account, sockets: list[Socket]
) -> None:
    other = await _room(client, bob, "other")
    await client.post(f"/rooms/{other}/join", headers=alice.headers)
    first = await _send(client, alice, "one")
    second = await _send(client, alice, "two")
    tab_in_general = await join(server, bob, 1)
    tab_in_other = await join(server, bob, other)
    alices = await join(server, alice, 1)
    sockets.extend([tab_in_general, tab_in_other, alices])
    await _read(client, bob, 1, second)
    for tab in (tab_in_general, tab_in_other):
        assert await tab.recv_type("read") == {"type": "read", "room_id": 1, "message_id": second}
    await _read(client, bob, 1, first)  # backwards: nothing moved, nobody is told
    assert [f for f in await tab_in_general.silent() if f["type"] == "read"] == []
    assert [f for f in await alices.silent() if f["type"] == "read"] == []


async def test_every_room_answer_carries_the_read_state(
    server: LiveServer, client: httpx.AsyncClient, alice: Account, bob: Account, sockets: list[Socket]
) -> None:
    public = await _room(client, alice, "public")
    first = await _send(client, alice, "one", public)
    listed = {r["id"]: r for r in (await client.get("/rooms", headers=bob.headers)).json()}
    assert (listed[public]["last_read_id"], listed[public]["unread_count"]) == (None, 0)  # not a member
    joined = (await client.post(f"/rooms/{public}/join", headers=bob.headers)).json()
    assert (joined["last_read_id"], joined["unread_count"]) == (first, 0)
    await _send(client, alice, "two", public)
    socket = await open_socket(server, bob.access_token, public)
    sockets.append(socket)
    hello = await socket.recv()
    assert hello["type"] == "hello"
    assert (hello["room"]["last_read_id"], hello["room"]["unread_count"]) == (first, 1)


async def test_leaving_and_coming_back_starts_from_the_newest_message(
    client: httpx.AsyncClient, alice: Account, bob: Account
) -> None:
    public = await _room(client, alice, "public")
    await client.post(f"/rooms/{public}/join", headers=bob.headers)
    await _send(client, alice, "while bob was in", public)
    assert (await _state(client, bob, public))[1] == 1
    await client.post(f"/rooms/{public}/leave", headers=bob.headers)
    newest = await _send(client, alice, "while bob was away", public)
    await client.post(f"/rooms/{public}/join", headers=bob.headers)
    assert await _state(client, bob, public) == (newest, 0)


async def test_unread_counts_are_counted_by_the_database_not_loaded(
    server: LiveServer, client: httpx.AsyncClient, alice: Account, bob: Account
) -> None:
    rooms = [await _room(client, alice, f"room {i}") for i in range(3)]
    for room in rooms:
        await client.post(f"/rooms/{room}/join", headers=bob.headers)
        for i in range(5):
            await _send(client, alice, f"m{i}", room)
    with recorded_statements(server) as statements:
        listed = (await client.get("/rooms", headers=bob.headers)).json()
    assert [r["unread_count"] for r in listed if r["id"] in rooms] == [5, 5, 5]
    touching_messages = [s for s in statements if "from messages" in s]
    # One statement for the whole list (a COUNT per room inside it); no message row is fetched.
    assert len(touching_messages) == 1 and "count(" in touching_messages[0]
    assert not any("messages.body" in s for s in statements)


def test_migration_marks_existing_members_as_having_read_everything(tmp_path: Path) -> None:
    """Upgrading a database with history: nobody wakes up to thousands of unread messages."""
    with database_at_0001(tmp_path, [("a", False), ("b", False)]) as (config, engine):
        command.upgrade(config, "head")
        with engine.connect() as connection:
            assert connection.execute(text("SELECT last_read_id FROM memberships")).scalar() == 2
