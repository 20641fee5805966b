"""Reactions: one of each emoji per person, counted per message, `me` per viewer, live to the room."""

from typing import Any
from urllib.parse import quote

import httpx
import pytest

from app.services.reactions import MAX_EMOJI_PER_PERSON
from tests.support.accounts import Account
from tests.support.api import create_room, history, react, send_message, unreact
from tests.support.servers import LiveServer
from tests.support.sockets import Socket, join
from tests.support.statements import recorded_statements

FAMILY = "👨\u200d👩\u200d👧\u200d👦"  # one emoji, seven code points (a ZWJ sequence)


async def new_message_id(client: httpx.AsyncClient, account: Account, body: str, room_id: int = 1) -> int:
    """A new message's id."""
    return int((await send_message(client, account, body, room_id))["id"])


async def shown_reactions(client: httpx.AsyncClient, account: Account) -> dict[int, list[dict[str, Any]]]:
    """Each message's reactions, as `general`'s history shows them to the account."""
    return {m["id"]: m["reactions"] for m in (await history(client, account))["messages"]}


async def test_a_reaction_is_counted_once_per_person_and_me_is_per_viewer(
    client: httpx.AsyncClient, alice: Account, bob: Account
) -> None:
    message = await new_message_id(client, alice, "react to me")
    first = await react(client, alice, message, "👍")
    assert first.status_code == 200
    assert first.json()["id"] == message and first.json()["body"] == "react to me"
    assert first.json()["reactions"] == [{"emoji": "👍", "count": 1, "me": True}]
    again = await react(client, alice, message, "👍")  # idempotent
    assert again.json()["reactions"] == [{"emoji": "👍", "count": 1, "me": True}]
    bobs = await react(client, bob, message, "👍")
    assert bobs.json()["reactions"] == [{"emoji": "👍", "count": 2, "me": True}]
    await react(client, bob, message, "🎉")
    assert (await shown_reactions(client, alice))[message] == [
        {"emoji": "👍", "count": 2, "me": True},
        {"emoji": "🎉", "count": 1, "me": False},  # in order of first use
    ]
    assert (await shown_reactions(client, bob))[message] == [
        {"emoji": "👍", "count": 2, "me": True},
        {"emoji": "🎉", "count": 1, "me": True},
    ]


async def test_who_reacted_lists_people_per_emoji_for_members_only(
    client: httpx.AsyncClient, alice: Account, bob: Account
) -> None:
    message = await new_message_id(client, alice, "who likes this?")
    await react(client, bob, message, "👍")
    await react(client, alice, message, "🎉")
    await react(client, alice, message, "👍")
    who = await client.get(f"/messages/{message}/reactions", headers=bob.headers)
    assert who.status_code == 200
    assert who.json() == [
        {"emoji": "👍", "users": [{"id": bob.id, "username": "bob"}, {"id": alice.id, "username": "alice"}]},
        {"emoji": "🎉", "users": [{"id": alice.id, "username": "alice"}]},
    ]
    private = await create_room(client, alice, "secret", private=True)
    hidden = await new_message_id(client, alice, "members only", private["id"])
    assert (await client.get(f"/messages/{hidden}/reactions", headers=bob.headers)).status_code == 404


async def test_removing_is_idempotent_and_an_emoji_nobody_uses_disappears(
    client: httpx.AsyncClient, alice: Account, bob: Account
) -> None:
    message = await new_message_id(client, alice, "hi")
    await react(client, alice, message, "👍")
    await react(client, bob, message, "👍")
    removed = await unreact(client, alice, message, "👍")
    assert removed.status_code == 200
    assert removed.json()["reactions"] == [{"emoji": "👍", "count": 1, "me": False}]
    assert (await unreact(client, alice, message, "👍")).json()["reactions"] == [
        {"emoji": "👍", "count": 1, "me": False}
    ]
    assert (await unreact(client, bob, message, "👍")).json()["reactions"] == []
    assert (await unreact(client, bob, message, "never-used")).status_code == 200


@pytest.mark.parametrize("emoji", ["👍", FAMILY, "🇫🇷", ":+1:", "+1", "x" * 32, "❤️", "東"])
async def test_emoji_and_short_tokens_are_accepted_and_removable_by_path(
    client: httpx.AsyncClient, alice: Account, emoji: str
) -> None:
    message = await new_message_id(client, alice, "hi")
    assert (await react(client, alice, message, emoji)).json()["reactions"] == [
        {"emoji": emoji, "count": 1, "me": True}
    ]
    assert (await unreact(client, alice, message, emoji)).json()["reactions"] == []


@pytest.mark.parametrize("emoji", ["", " ", "👍 ", "a b", "x" * 33, "\n", "a/b", "\x00", "\x7f", 7, None])
async def test_blank_long_or_odd_emoji_are_422(client: httpx.AsyncClient, alice: Account, emoji: object) -> None:
    message = await new_message_id(client, alice, "hi")
    assert (await react(client, alice, message, emoji)).status_code == 422
    assert (await shown_reactions(client, alice))[message] == []


@pytest.mark.parametrize("emoji", [" ", "a b", "x" * 33, "%0A"])
async def test_odd_emoji_in_the_path_are_422(client: httpx.AsyncClient, alice: Account, emoji: str) -> None:
    message = await new_message_id(client, alice, "hi")
    path = f"/messages/{message}/reactions/{emoji if emoji.startswith('%') else quote(emoji, safe='')}"
    assert (await client.delete(path, headers=alice.headers)).status_code == 422


async def test_one_person_may_use_a_bounded_number_of_emoji_per_message(
    client: httpx.AsyncClient, alice: Account, bob: Account
) -> None:
    message = await new_message_id(client, alice, "hi")
    for number in range(MAX_EMOJI_PER_PERSON):
        assert (await react(client, alice, message, f":e{number}:")).status_code == 200
    assert (await react(client, alice, message, ":one-too-many:")).status_code == 409
    assert (await react(client, alice, message, ":e0:")).status_code == 200  # one she has: fine
    assert (await react(client, bob, message, ":e0:")).status_code == 200  # others are not limited by her


async def test_outsiders_unknown_and_deleted_messages_are_404(
    client: httpx.AsyncClient, alice: Account, bob: Account
) -> None:
    public = (await create_room(client, alice, "public"))["id"]
    secret = (await create_room(client, alice, "secret", private=True))["id"]
    for room in (public, secret):
        message = await new_message_id(client, alice, "members only", room)
        assert (await react(client, bob, message, "👍")).status_code == 404
        assert (await unreact(client, bob, message, "👍")).status_code == 404
    assert (await react(client, alice, 987654, "👍")).status_code == 404
    gone = await new_message_id(client, alice, "soon gone")
    await react(client, bob, gone, "👍")
    assert (await client.delete(f"/messages/{gone}", headers=alice.headers)).status_code == 204
    assert (await react(client, bob, gone, "👍")).status_code == 404
    assert (await shown_reactions(client, bob))[gone] == []  # a deleted message shows no reactions


async def test_reactions_need_a_token(client: httpx.AsyncClient, alice: Account) -> None:
    message = await new_message_id(client, alice, "hi")
    assert (await client.post(f"/messages/{message}/reactions", json={"emoji": "👍"})).status_code == 401
    assert (await client.delete(f"/messages/{message}/reactions/x")).status_code == 401


async def test_every_member_sees_a_reaction_live_with_who_and_what(
    server: LiveServer, client: httpx.AsyncClient, alice: Account, bob: Account, sockets: list[Socket]
) -> None:
    message = await new_message_id(client, alice, "hi")
    alices, bobs = await join(server, alice), await join(server, bob)
    sockets.extend([alices, bobs])
    await react(client, bob, message, "🎉")
    for socket in (alices, bobs):
        frame = await socket.recv_type("reaction")
        assert frame["user"] == {"id": bob.id, "username": "bob"}
        assert frame["emoji"] == "🎉" and frame["added"] is True
        assert frame["message"]["id"] == message
        # One copy for everyone: `me` is nobody's; clients apply user/emoji/added themselves.
        assert frame["message"]["reactions"] == [{"emoji": "🎉", "count": 1, "me": False}]
    await react(client, bob, message, "🎉")  # nothing changes: nobody is told
    # A change is published once committed, before the answer goes out: none is on its way.
    assert [f for f in await alices.frames_before_pong() if f["type"] == "reaction"] == []
    await unreact(client, bob, message, "🎉")
    frame = await alices.recv_type("reaction")
    assert frame["added"] is False and frame["message"]["reactions"] == []


async def test_reactions_come_with_every_kind_of_message_answer(
    client: httpx.AsyncClient, alice: Account, bob: Account
) -> None:
    message = await new_message_id(client, alice, "hello there")
    await react(client, bob, message, "👍")
    latest = (await client.get("/chat", headers=bob.headers)).json()["messages"]
    assert latest[-1]["reactions"] == [{"emoji": "👍", "count": 1, "me": True}]
    edited = (await client.patch(f"/messages/{message}", json={"body": "hello again"}, headers=alice.headers)).json()
    assert edited["reactions"] == [{"emoji": "👍", "count": 1, "me": False}]
    found = (await client.get("/chat/search", params={"q": "again"}, headers=bob.headers)).json()["messages"]
    assert found[0]["reactions"] == [{"emoji": "👍", "count": 1, "me": True}]
    sent = await client.post("/rooms/1/messages", json={"body": "new"}, headers=alice.headers)
    assert sent.json()["reactions"] == []


async def test_an_edit_broadcast_carries_reactions_without_anyones_me(
    server: LiveServer, client: httpx.AsyncClient, alice: Account, bob: Account, sockets: list[Socket]
) -> None:
    message = await new_message_id(client, alice, "typo")
    await react(client, alice, message, "👍")
    bobs = await join(server, bob)
    sockets.append(bobs)
    await client.patch(f"/messages/{message}", json={"body": "fixed"}, headers=alice.headers)
    frame = await bobs.recv_type("message_updated")
    assert frame["message"]["reactions"] == [{"emoji": "👍", "count": 1, "me": False}]


async def test_a_page_costs_one_reaction_query_and_a_send_costs_none(
    client: httpx.AsyncClient, alice: Account, bob: Account
) -> None:
    for number in range(10):
        message = await new_message_id(client, alice, f"m{number}")
        await react(client, bob, message, "👍")
    with recorded_statements() as statements:
        page = await history(client, bob)
    assert len(page["messages"]) == 10
    assert all(m["reactions"] == [{"emoji": "👍", "count": 1, "me": True}] for m in page["messages"])
    assert len([s for s in statements if "from reactions" in s]) == 1
    with recorded_statements() as statements:
        await new_message_id(client, alice, "fast path, @bob")
    # The message writer's statements are there (on SQLite it has an engine of its own, and
    # inserts the message itself with the driver's cursor: its mention rows show it)...
    assert any(s.startswith("insert into mentions") for s in statements), statements
    # ... and none of them touches reactions.
    assert not any("reactions" in s for s in statements)


async def test_reactions_go_with_their_room(
    client: httpx.AsyncClient, alice: Account, bob: Account, admin: Account
) -> None:
    room = (await create_room(client, alice, "doomed"))["id"]
    message = await new_message_id(client, alice, "hi", room)
    await react(client, alice, message, "👍")
    assert (await client.delete(f"/admin/rooms/{room}", headers=admin.headers)).status_code == 204
    assert (await react(client, alice, message, "👍")).status_code == 404


async def test_the_reaction_and_read_frames_are_in_the_published_frame_schema(client: httpx.AsyncClient) -> None:
    mapping = (await client.get("/ws-schema")).json()["properties"]["server"]["discriminator"]["mapping"]
    assert {"reaction", "read"} <= set(mapping)
