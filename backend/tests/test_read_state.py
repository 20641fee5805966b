"""Read markers and unread counts: forward only, per member, counted by the database."""

import asyncio
from pathlib import Path

import httpx
import pytest
from alembic import command
from sqlalchemy import text

from tests.support.accounts import Account, AccountFactory
from tests.support.api import create_room, mark_read, read_state, send_message
from tests.support.database import database_at_0001
from tests.support.servers import LiveServer
from tests.support.sockets import Socket, join, open_socket
from tests.support.statements import recorded_statements


async def new_room_id(client: httpx.AsyncClient, owner: Account, name: str, private: bool = False) -> int:
    """A new room's id."""
    return int((await create_room(client, owner, name, private=private))["id"])


async def new_message_id(client: httpx.AsyncClient, account: Account, body: str, room_id: int = 1) -> int:
    """A new message's id."""
    return int((await send_message(client, account, body, room_id))["id"])


async def test_a_new_member_starts_with_nothing_unread(
    client: httpx.AsyncClient, alice: Account, make_account: AccountFactory
) -> None:
    ids = [await new_message_id(client, alice, f"before {i}") for i in range(3)]
    carol = await make_account("carol")
    assert await read_state(client, carol) == (ids[-1], 0)
    assert await read_state(client, alice) == (None, 0)  # her own messages are never unread


async def test_unread_counts_messages_by_others_after_the_marker_but_not_deleted_ones(
    client: httpx.AsyncClient, alice: Account, bob: Account
) -> None:
    first = await new_message_id(client, alice, "one")
    await new_message_id(client, bob, "bob's own: never unread for bob")
    second = await new_message_id(client, alice, "two")
    third = await new_message_id(client, alice, "three")
    assert await read_state(client, bob) == (None, 3)
    assert (await client.delete(f"/messages/{third}", headers=alice.headers)).status_code == 204
    assert (await read_state(client, bob))[1] == 2
    assert (await mark_read(client, bob, 1, first)).status_code == 204
    assert await read_state(client, bob) == (first, 1)
    assert (await mark_read(client, bob, 1, second)).status_code == 204
    assert await read_state(client, bob) == (second, 0)


async def test_the_marker_never_moves_back(client: httpx.AsyncClient, alice: Account, bob: Account) -> None:
    ids = [await new_message_id(client, alice, f"m{i}") for i in range(4)]
    assert (await mark_read(client, bob, 1, ids[2])).status_code == 204
    assert (await mark_read(client, bob, 1, ids[0])).status_code == 204  # accepted, and ignored
    assert (await mark_read(client, bob, 1, ids[2])).status_code == 204
    assert await read_state(client, bob) == (ids[2], 1)


async def test_racing_markers_end_at_the_furthest(client: httpx.AsyncClient, alice: Account, bob: Account) -> None:
    ids = [await new_message_id(client, alice, f"m{i}") for i in range(12)]
    answers = await asyncio.gather(*(mark_read(client, bob, 1, message_id) for message_id in reversed(ids)))
    assert {answer.status_code for answer in answers} == {204}
    assert await read_state(client, bob) == (ids[-1], 0)


async def test_each_member_has_a_marker_of_their_own(
    client: httpx.AsyncClient, alice: Account, bob: Account, make_account: AccountFactory
) -> None:
    carol = await make_account("carol")
    ids = [await new_message_id(client, alice, f"m{i}") for i in range(3)]
    await mark_read(client, bob, 1, ids[1])
    assert await read_state(client, bob) == (ids[1], 1)
    assert (await read_state(client, carol))[1] == 3


async def test_non_members_and_outsiders_get_404(client: httpx.AsyncClient, alice: Account, bob: Account) -> None:
    public = await new_room_id(client, alice, "public")
    secret = await new_room_id(client, alice, "secret", private=True)
    in_public = await new_message_id(client, alice, "hello", public)
    in_secret = await new_message_id(client, alice, "psst", secret)
    assert (await mark_read(client, bob, public, in_public)).status_code == 404  # public, but bob never joined
    assert (await mark_read(client, bob, secret, in_secret)).status_code == 404
    assert (await mark_read(client, bob, 987654, in_public)).status_code == 404
    await client.post(f"/rooms/{public}/join", headers=bob.headers)
    assert (await mark_read(client, bob, public, in_public)).status_code == 204


async def test_a_message_of_another_room_or_none_at_all_is_404(
    client: httpx.AsyncClient, alice: Account, bob: Account
) -> None:
    other = await new_room_id(client, alice, "other")
    elsewhere = await new_message_id(client, alice, "not in general", other)
    response = await mark_read(client, alice, 1, elsewhere)
    assert response.status_code == 404 and "message" in response.json()["detail"]
    assert (await mark_read(client, alice, 1, 987654)).status_code == 404
    assert await read_state(client, alice) == (None, 0)


@pytest.mark.parametrize("message_id", [0, -1, "x", None, 2**53, 2**63, 1.5])
async def test_bad_message_ids_are_422(client: httpx.AsyncClient, alice: Account, message_id: object) -> None:
    assert (await mark_read(client, alice, 1, message_id)).status_code == 422


async def test_reading_needs_a_token(client: httpx.AsyncClient) -> None:
    assert (await client.post("/rooms/1/read", json={"message_id": 1})).status_code == 401


async def test_a_moved_marker_reaches_all_the_readers_sockets_and_nobody_elses(
    server: LiveServer, client: httpx.AsyncClient, alice: Account, bob: Account, sockets: list[Socket]
) -> None:
    other = await new_room_id(client, bob, "other")
    await client.post(f"/rooms/{other}/join", headers=alice.headers)
    first = await new_message_id(client, alice, "one")
    second = await new_message_id(client, alice, "two")
    tab_in_general = await join(server, bob, 1)
    tab_in_other = await join(server, bob, other)
    alices = await join(server, alice, 1)
    sockets.extend([tab_in_general, tab_in_other, alices])
    await mark_read(client, bob, 1, second)
    for tab in (tab_in_general, tab_in_other):
        assert await tab.recv_type("read") == {"type": "read", "room_id": 1, "message_id": second}
    await mark_read(client, bob, 1, first)  # backwards: nothing moved, nobody is told
    # A move is published once committed, before the answer goes out: none is on its way.
    assert [f for f in await tab_in_general.frames_before_pong() if f["type"] == "read"] == []
    assert [f for f in await alices.frames_before_pong() if f["type"] == "read"] == []


async def test_every_room_answer_carries_the_read_state(
    server: LiveServer, client: httpx.AsyncClient, alice: Account, bob: Account, sockets: list[Socket]
) -> None:
    public = await new_room_id(client, alice, "public")
    first = await new_message_id(client, alice, "one", public)
    listed = {r["id"]: r for r in (await client.get("/rooms", headers=bob.headers)).json()}
    assert (listed[public]["last_read_id"], listed[public]["unread_count"]) == (None, 0)  # not a member
    joined = (await client.post(f"/rooms/{public}/join", headers=bob.headers)).json()
    assert (joined["last_read_id"], joined["unread_count"]) == (first, 0)
    await new_message_id(client, alice, "two", public)
    socket = await open_socket(server, bob.access_token, public)
    sockets.append(socket)
    hello = await socket.recv()
    assert hello["type"] == "hello"
    assert (hello["room"]["last_read_id"], hello["room"]["unread_count"]) == (first, 1)


async def test_leaving_and_coming_back_starts_from_the_newest_message(
    client: httpx.AsyncClient, alice: Account, bob: Account
) -> None:
    public = await new_room_id(client, alice, "public")
    await client.post(f"/rooms/{public}/join", headers=bob.headers)
    await new_message_id(client, alice, "while bob was in", public)
    assert (await read_state(client, bob, public))[1] == 1
    await client.post(f"/rooms/{public}/leave", headers=bob.headers)
    newest = await new_message_id(client, alice, "while bob was away", public)
    await client.post(f"/rooms/{public}/join", headers=bob.headers)
    assert await read_state(client, bob, public) == (newest, 0)


async def test_unread_counts_are_counted_by_the_database_not_loaded(
    client: httpx.AsyncClient, alice: Account, bob: Account
) -> None:
    rooms = [await new_room_id(client, alice, f"room {i}") for i in range(3)]
    for room in rooms:
        await client.post(f"/rooms/{room}/join", headers=bob.headers)
        for i in range(5):
            await new_message_id(client, alice, f"m{i}", room)
    with recorded_statements() as statements:
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
