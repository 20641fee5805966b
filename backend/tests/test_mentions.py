"""Mentions, replies and notification settings, through the real endpoints and sockets."""

import httpx

from app.services.mentions import everyone_word, named_keys
from tests.support.accounts import Account, AccountFactory
from tests.support.api import create_room, send_message
from tests.support.servers import LiveServer
from tests.support.sockets import Socket, connect


def test_names_are_read_as_usernames_are_spelled() -> None:
    assert named_keys("hi @Bob and @carol.") == ["bob", "carol.", "carol"]
    assert named_keys("mail me@bob.org, @@bob, `@x` @ab") == []
    assert named_keys("(@bob) @bob") == ["bob"]
    assert everyone_word("heads up @here!") == "here"
    assert everyone_word("@here and @room") == "room"
    assert everyone_word("@roomy") is None


async def rooms_of(client: httpx.AsyncClient, account: Account) -> dict[int, dict[str, object]]:
    return {room["id"]: room for room in (await client.get("/rooms", headers=account.headers)).json()}


async def test_a_mention_of_a_member_is_recorded_counted_and_listed(
    server: LiveServer, client: httpx.AsyncClient, make_account: AccountFactory, sockets: list[Socket]
) -> None:
    alice, bob, carol = await make_account("alice"), await make_account("bob"), await make_account("carol")
    lounge = await create_room(client, alice, "lounge")
    await client.post(f"/rooms/{lounge['id']}/join", headers=bob.headers)
    ws, _ = await connect(server, bob)
    sockets.append(ws)
    # carol is not in the lounge: naming her records nothing; alice names herself: nothing either.
    sent = await send_message(client, alice, "@Bob look, and @carol and @alice and @nobody", lounge["id"])
    assert sent["mentions"] == [bob.id] and sent["mentions_everyone"] is False
    live = (await ws.messages(1))[0]
    assert live["mentions"] == [bob.id]
    await send_message(client, alice, "no mention here", lounge["id"])
    assert (await rooms_of(client, bob))[lounge["id"]]["mention_count"] == 1
    assert (await rooms_of(client, carol)).get(lounge["id"], {}).get("mention_count", 0) == 0
    page = (await client.get(f"/chat/history?room_id={lounge['id']}", headers=bob.headers)).json()
    assert [m["mentions"] for m in page["messages"]] == [[bob.id], []]
    mentions = (await client.get("/mentions", headers=bob.headers)).json()
    assert [m["id"] for m in mentions["messages"]] == [sent["id"]]
    assert (await client.get("/mentions", headers=carol.headers)).json()["messages"] == []
    # Read past it: the count goes; a deleted mention is not counted either.
    await client.post(f"/rooms/{lounge['id']}/read", json={"message_id": sent["id"]}, headers=bob.headers)
    assert (await rooms_of(client, bob))[lounge["id"]]["mention_count"] == 0
    again = await send_message(client, alice, "@bob again", lounge["id"])
    assert (await rooms_of(client, bob))[lounge["id"]]["mention_count"] == 1
    assert (await client.delete(f"/messages/{again['id']}", headers=alice.headers)).status_code == 204
    assert (await rooms_of(client, bob))[lounge["id"]]["mention_count"] == 0
    assert [m["id"] for m in (await client.get("/mentions", headers=bob.headers)).json()["messages"]] == [sent["id"]]


async def test_at_room_reaches_every_member_and_is_for_owners_and_admins_in_big_rooms(
    server: LiveServer, client: httpx.AsyncClient, make_account: AccountFactory
) -> None:
    alice, bob = await make_account("alice"), await make_account("bob")
    small = await create_room(client, alice, "small")
    await client.post(f"/rooms/{small['id']}/join", headers=bob.headers)
    sent = await send_message(client, bob, "@room lunch?", small["id"])
    assert sent["mentions_everyone"] is True and sent["mentions"] == []
    assert (await rooms_of(client, alice))[small["id"]]["mention_count"] == 1
    assert [m["id"] for m in (await client.get("/mentions", headers=alice.headers)).json()["messages"]] == [sent["id"]]
    # A room of over 50 members: only its owner (or an admin) may.
    big = await create_room(client, alice, "big")
    members = [bob] + [await make_account(f"user{i:02d}") for i in range(50)]
    for member in members:
        await client.post(f"/rooms/{big['id']}/join", headers=member.headers)
    refused = await client.post(f"/rooms/{big['id']}/messages", json={"body": "@here hello"}, headers=bob.headers)
    assert refused.status_code == 403 and "@here" in refused.json()["detail"]
    assert (await send_message(client, alice, "@room all hands", big["id"]))["mentions_everyone"] is True
    assert (await rooms_of(client, members[-1]))[big["id"]]["mention_count"] == 1


async def test_a_reply_carries_its_original_and_must_be_of_the_same_room(
    server: LiveServer, client: httpx.AsyncClient, alice: Account, bob: Account, sockets: list[Socket]
) -> None:
    lounge = await create_room(client, alice, "lounge")
    original = await send_message(client, bob, "what time?")
    elsewhere = await send_message(client, alice, "in the lounge", lounge["id"])
    ws, _ = await connect(server, alice)
    sockets.append(ws)
    await ws.send({"type": "message", "room_id": 1, "body": "noon", "reply_to": original["id"], "client_id": "r"})
    reply = (await ws.messages(1))[0]
    assert reply["reply_to"] == {
        "id": original["id"],
        "sender": {"id": bob.id, "username": "bob"},
        "snippet": "what time?",
        "deleted": False,
    }
    wrong = await client.post("/rooms/1/messages", json={"body": "x", "reply_to": elsewhere["id"]}, headers=bob.headers)
    assert wrong.status_code == 404 and wrong.json()["detail"] == "reply_to: no such message in this room"
    await ws.send({"type": "message", "room_id": 1, "body": "y", "reply_to": 10**9, "client_id": "bad"})
    error = await ws.recv_type("error")
    assert (error["code"], error["client_id"]) == ("bad_request", "bad")
    # The original deleted: the reply shows it as deleted, without its words.
    await client.delete(f"/messages/{original['id']}", headers=bob.headers)
    page = (await client.get("/chat/history?room_id=1", headers=alice.headers)).json()["messages"]
    shown = next(m for m in page if m["id"] == reply["id"])
    assert shown["reply_to"]["deleted"] is True and shown["reply_to"]["snippet"] == ""


async def test_notification_settings_are_stored_per_member_and_reach_their_other_devices(
    server: LiveServer, client: httpx.AsyncClient, alice: Account, bob: Account, sockets: list[Socket]
) -> None:
    lounge = await create_room(client, alice, "lounge")
    assert (await rooms_of(client, alice))[lounge["id"]]["notify"] == "mentions"  # a room starts at mentions
    direct = (await client.post("/dm", json={"username": "bob"}, headers=alice.headers)).json()
    assert direct["notify"] == "all"  # a direct room at all
    ws, _ = await connect(server, alice)
    sockets.append(ws)
    changed = await client.put(f"/rooms/{lounge['id']}/notifications", json={"level": "muted"}, headers=alice.headers)
    assert changed.status_code == 200 and changed.json()["notify"] == "muted"
    assert await ws.recv_type("notify") == {"type": "notify", "room_id": lounge["id"], "level": "muted"}
    assert (await rooms_of(client, alice))[lounge["id"]]["notify"] == "muted"
    bad = await client.put(f"/rooms/{lounge['id']}/notifications", json={"level": "loud"}, headers=alice.headers)
    assert bad.status_code == 422
    outsider = await client.put(f"/rooms/{lounge['id']}/notifications", json={"level": "all"}, headers=bob.headers)
    assert outsider.status_code == 404
