"""Messages over HTTP: history pages, the latest across rooms, sending, editing, deleting."""

import asyncio
from typing import Any

import httpx
import pytest

from app.errors import NotFound
from app.realtime.presence import Member
from app.services.message_writer import MessageWriter
from tests.support.accounts import Account, register
from tests.support.api import create_room, history, send_message
from tests.support.servers import LiveServer, ServerFactory, SettingsFactory
from tests.support.sockets import Socket, join


async def test_sent_message_has_every_field(client: httpx.AsyncClient, alice: Account) -> None:
    message = await send_message(client, alice, "  hello  ", client_id="c-1")
    assert message["body"] == "hello"  # trimmed
    assert message["sender"] == {"id": alice.id, "username": "alice"}
    assert message["client_id"] == "c-1" and message["room_id"] == 1
    assert message["edited_at"] is None and message["deleted"] is False
    assert message["created_at"].endswith("Z")


async def test_history_pages_with_before_and_after_in_ascending_order(
    client: httpx.AsyncClient, alice: Account
) -> None:
    ids = [(await send_message(client, alice, f"m{i}"))["id"] for i in range(7)]
    newest = await history(client, alice, limit=3)
    assert [m["id"] for m in newest["messages"]] == ids[4:] and newest["has_more"] is True
    older = await history(client, alice, limit=3, before=ids[4])
    assert [m["id"] for m in older["messages"]] == ids[1:4] and older["has_more"] is True
    oldest = await history(client, alice, limit=3, before=ids[1])
    assert [m["id"] for m in oldest["messages"]] == ids[:1] and oldest["has_more"] is False
    after = await history(client, alice, limit=4, after=ids[1])
    assert [m["id"] for m in after["messages"]] == ids[2:6] and after["has_more"] is True
    rest = await history(client, alice, after=ids[5])
    assert [m["id"] for m in rest["messages"]] == ids[6:] and rest["has_more"] is False
    default = await history(client, alice)
    assert [m["id"] for m in default["messages"]] == ids and default["has_more"] is False


@pytest.mark.parametrize("query", [{"limit": 0}, {"limit": 201}, {"before": -1}, {"room_id": "x"}, {"after": "y"}, {}])
async def test_history_rejects_bad_queries(client: httpx.AsyncClient, alice: Account, query: dict[str, Any]) -> None:
    params = {"room_id": 1, **query} if query else {}
    response = await client.get("/chat/history", params=params, headers=alice.headers)
    assert response.status_code == 422


async def test_history_of_an_unknown_room_is_404(client: httpx.AsyncClient, alice: Account) -> None:
    response = await client.get("/chat/history", params={"room_id": 4242}, headers=alice.headers)
    assert response.status_code == 404


async def test_latest_covers_only_rooms_the_caller_is_in(
    client: httpx.AsyncClient, alice: Account, bob: Account
) -> None:
    room = await create_room(client, alice, "alices")
    await send_message(client, alice, "in general")
    await send_message(client, alice, "in alices", room_id=room["id"])
    assert [m["body"] for m in (await client.get("/chat", headers=alice.headers)).json()["messages"]] == [
        "in general",
        "in alices",
    ]
    assert [m["body"] for m in (await client.get("/chat", headers=bob.headers)).json()["messages"]] == ["in general"]


@pytest.mark.parametrize("body", ["", "   \n\t ", "x" * 4001])
async def test_blank_or_too_long_bodies_are_422_and_not_stored(
    client: httpx.AsyncClient, alice: Account, body: str
) -> None:
    response = await client.post("/rooms/1/messages", json={"body": body}, headers=alice.headers)
    assert response.status_code == 422
    # The documented 422 shape, whether pydantic or the message service (configured length) refused it.
    [error] = response.json()["detail"]
    assert error["loc"] == ["body", "body"]
    assert (await history(client, alice))["messages"] == []


async def test_a_body_of_4000_characters_is_accepted(client: httpx.AsyncClient, alice: Account) -> None:
    assert len((await send_message(client, alice, "é" * 4000))["body"]) == 4000


@pytest.mark.parametrize("payload", [{"body": "a\x00b"}, {"body": "ok", "client_id": "x" * 65}, {"body": 3}, {}])
async def test_unstorable_payloads_are_422(client: httpx.AsyncClient, alice: Account, payload: dict[str, Any]) -> None:
    assert (await client.post("/rooms/1/messages", json=payload, headers=alice.headers)).status_code == 422


async def test_retried_client_id_stores_nothing_new(client: httpx.AsyncClient, alice: Account) -> None:
    first = await send_message(client, alice, "once", client_id="retry-me")
    second = await send_message(client, alice, "once", client_id="retry-me")
    assert second == first
    assert len((await history(client, alice))["messages"]) == 1


async def test_same_client_id_from_two_users_are_two_messages(
    client: httpx.AsyncClient, alice: Account, bob: Account
) -> None:
    await send_message(client, alice, "a", client_id="same")
    await send_message(client, bob, "b", client_id="same")
    assert len((await history(client, alice))["messages"]) == 2


async def test_rest_message_is_delivered_to_sockets(
    server: LiveServer,
    client: httpx.AsyncClient,
    alice: Account,
    bob: Account,
    sockets: list[Socket],
) -> None:
    sockets.append(bob_socket := await join(server, bob))
    sent = await send_message(client, alice, "from a bot")
    assert (await bob_socket.recv_type("message"))["message"] == sent


async def test_sender_edits_and_everyone_sees_it_live(
    server: LiveServer,
    client: httpx.AsyncClient,
    alice: Account,
    bob: Account,
    sockets: list[Socket],
) -> None:
    message = await send_message(client, alice, "draft")
    sockets.append(bob_socket := await join(server, bob))
    edited = await client.patch(f"/messages/{message['id']}", json={"body": "final"}, headers=alice.headers)
    assert edited.status_code == 200
    assert edited.json()["body"] == "final" and edited.json()["edited_at"] is not None
    frame = await bob_socket.recv_type("message_updated")
    assert frame["message"] == edited.json()
    assert (await history(client, bob))["messages"][0]["body"] == "final"


async def test_only_the_sender_edits(client: httpx.AsyncClient, alice: Account, bob: Account, admin: Account) -> None:
    message = await send_message(client, alice, "mine")
    for other in (bob, admin):
        response = await client.patch(f"/messages/{message['id']}", json={"body": "theirs"}, headers=other.headers)
        assert response.status_code in (403, 404)
    assert (await client.patch("/messages/999999", json={"body": "x"}, headers=alice.headers)).status_code == 404
    blank = await client.patch(f"/messages/{message['id']}", json={"body": " "}, headers=alice.headers)
    assert blank.status_code == 422
    assert blank.json()["detail"][0]["loc"] == ["body", "body"]


async def test_soft_delete_by_sender_shows_an_empty_deleted_message(
    server: LiveServer,
    client: httpx.AsyncClient,
    alice: Account,
    bob: Account,
    sockets: list[Socket],
) -> None:
    message = await send_message(client, alice, "oops")
    sockets.append(bob_socket := await join(server, bob))
    assert (await client.delete(f"/messages/{message['id']}", headers=bob.headers)).status_code == 403
    assert (await client.delete(f"/messages/{message['id']}", headers=alice.headers)).status_code == 204
    frame = await bob_socket.recv_type("message_deleted")
    assert frame == {"type": "message_deleted", "message_id": message["id"], "room_id": 1}
    shown = (await history(client, bob))["messages"][0]
    assert shown["deleted"] is True and shown["body"] == "" and shown["id"] == message["id"]
    assert (await client.delete(f"/messages/{message['id']}", headers=alice.headers)).status_code == 204
    assert (
        await client.patch(f"/messages/{message['id']}", json={"body": "x"}, headers=alice.headers)
    ).status_code == 404


async def test_admin_deletes_anyones_message(client: httpx.AsyncClient, alice: Account, admin: Account) -> None:
    message = await send_message(client, alice, "spam")
    assert (await client.delete(f"/messages/{message['id']}", headers=admin.headers)).status_code == 204


async def test_non_member_cannot_send_to_a_public_room(client: httpx.AsyncClient, alice: Account, bob: Account) -> None:
    room = await create_room(client, alice, "quiet")
    response = await client.post(f"/rooms/{room['id']}/messages", json={"body": "hi"}, headers=bob.headers)
    assert response.status_code == 403


async def test_rest_sends_are_rate_limited(server_factory: ServerFactory, settings_factory: SettingsFactory) -> None:
    live = await server_factory(settings_factory(message_rate_limit="3/60s"))
    async with httpx.AsyncClient(base_url=live.url + "/api/v1") as http:
        alice = await register(http, "alice")
        codes = [(await http.post("/rooms/1/messages", json={"body": f"{i}"}, headers=alice.headers)) for i in range(4)]
        assert [c.status_code for c in codes] == [201, 201, 201, 429]
        assert int(codes[-1].headers["retry-after"]) >= 1
        assert len((await history(http, alice))["messages"]) == 3


async def test_a_send_to_a_room_deleted_meanwhile_fails_alone(server: LiveServer, alice: Account) -> None:
    """The group commit stores what it can: one send to a vanished room fails, the rest land."""
    sender = Member(alice.id, "alice")
    messages = server.context.messages
    doomed = await messages.send(987654, sender, "into the void", "void-1")  # queued, not yet stored
    fine = await messages.send(1, sender, "still here", "here-1")
    with pytest.raises(NotFound):
        await doomed
    assert (await fine).message.body == "still here"


async def test_under_load_sends_gather_into_one_group_commit(
    server: LiveServer, alice: Account, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A group starts at least GATHER_SECONDS after the one before: the sends submitted meanwhile,
    one loop turn apart, are stored together (one transaction: one `created_at` for all)."""
    monkeypatch.setattr(MessageWriter, "GATHER_SECONDS", 2.0)  # a bound for a loaded machine
    sender = Member(alice.id, "alice")
    messages = server.context.messages
    await (await messages.send(1, sender, "first", None))  # a group has just begun
    later = []
    for number in range(3):
        later.append(await messages.send(1, sender, f"later {number}", None))
        await asyncio.sleep(0)  # the writer's turn: without the gather it would write this one alone
    stored = [(await future).message for future in later]
    assert len({message.created_at for message in stored}) == 1
    assert [message.body for message in stored] == ["later 0", "later 1", "later 2"]
