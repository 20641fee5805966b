"""Administration: roles and activation biting at once, finding and paging users and rooms,
the audit log, the figures at a glance."""

import httpx
import pytest

from tests.support.accounts import Account, AccountFactory, login
from tests.support.api import create_room, send_message
from tests.support.servers import LiveServer
from tests.support.sockets import connect


async def test_admin_endpoints_refuse_regular_users(client: httpx.AsyncClient, alice: Account) -> None:
    for method, path in [
        ("GET", "/admin/users"),
        ("GET", "/admin/stats"),
        ("PATCH", "/admin/users/1"),
        ("DELETE", "/admin/rooms/1"),
        ("GET", "/admin/rooms"),
        ("GET", "/admin/audit"),
    ]:
        response = await client.request(method, path, headers=alice.headers, json={})
        assert response.status_code == 403, (method, path, response.text)


async def test_admin_endpoints_need_a_token(client: httpx.AsyncClient) -> None:
    assert (await client.get("/admin/users")).status_code == 401


async def test_admin_lists_users_with_paging(client: httpx.AsyncClient, admin: Account, alice: Account) -> None:
    users = (await client.get("/admin/users", headers=admin.headers)).json()
    assert {u["username"] for u in users} == {"root", "alice"}
    page = (await client.get("/admin/users?limit=1&offset=1", headers=admin.headers)).json()
    assert len(page) == 1 and page[0]["id"] == max(u["id"] for u in users)
    assert (await client.get("/admin/users?limit=0", headers=admin.headers)).status_code == 422


async def test_promotion_and_demotion_take_effect_at_once(
    client: httpx.AsyncClient, admin: Account, alice: Account
) -> None:
    promoted = await client.patch(f"/admin/users/{alice.id}", json={"role": "admin"}, headers=admin.headers)
    assert promoted.status_code == 200 and promoted.json()["role"] == "admin"
    # The same access token, issued while alice was a user, now opens admin endpoints...
    assert (await client.get("/admin/stats", headers=alice.headers)).status_code == 200
    await client.patch(f"/admin/users/{alice.id}", json={"role": "user"}, headers=admin.headers)
    # ...and closes them again with the demotion.
    assert (await client.get("/admin/stats", headers=alice.headers)).status_code == 403


async def test_deactivation_bites_at_once_and_revokes_refresh_tokens(
    client: httpx.AsyncClient, admin: Account, alice: Account
) -> None:
    response = await client.patch(f"/admin/users/{alice.id}", json={"is_active": False}, headers=admin.headers)
    assert response.status_code == 200 and response.json()["is_active"] is False
    assert (await client.get("/users/me", headers=alice.headers)).status_code == 401
    refused = await client.post("/token/refresh", json={"refresh_token": alice.refresh_token})
    assert refused.status_code == 401 and refused.json()["detail"] == "account is deactivated"
    denied = await login(client, "alice")
    assert denied.status_code == 403
    await client.patch(f"/admin/users/{alice.id}", json={"is_active": True}, headers=admin.headers)
    assert (await login(client, "alice")).status_code == 200


async def test_update_user_validates_input(client: httpx.AsyncClient, admin: Account, alice: Account) -> None:
    assert (
        await client.patch(f"/admin/users/{alice.id}", json={"role": "god"}, headers=admin.headers)
    ).status_code == 422
    assert (await client.patch("/admin/users/424242", json={"role": "user"}, headers=admin.headers)).status_code == 404
    for change in [{"is_active": False}, {"role": "user"}]:
        selfie = await client.patch(f"/admin/users/{admin.id}", json=change, headers=admin.headers)
        assert selfie.status_code == 400
        assert selfie.json()["detail"] == "admins cannot demote or deactivate themselves"
    me = (await client.get("/users/me", headers=admin.headers)).json()
    assert (me["role"], me["is_active"]) == ("admin", True)


async def test_stats_count_what_is_stored(
    server: LiveServer, client: httpx.AsyncClient, admin: Account, alice: Account
) -> None:
    await client.post("/rooms/1/messages", json={"body": "hello"}, headers=alice.headers)
    await client.post("/signup", json={"username": "dormant", "password": alice.password})  # never logged in
    stats = (await client.get("/admin/stats", headers=admin.headers)).json()
    assert stats == {
        "users": 3,
        "active_users_24h": 2,  # root and alice logged in; dormant never did
        "online_users": 0,
        "rooms": 1,
        "messages": 1,
        "messages_24h": 1,
        "connections": 0,
    }
    socket_, _ = await connect(server, alice)
    stats = (await client.get("/admin/stats", headers=admin.headers)).json()
    assert (stats["online_users"], stats["connections"]) == (1, 1)
    await socket_.close()


# --- finding and paging users ----------------------------------------------------------------


async def _users(client: httpx.AsyncClient, admin: Account, **query: object) -> list[dict[str, object]]:
    response = await client.get("/admin/users", params=query, headers=admin.headers)
    assert response.status_code == 200, response.text
    rows: list[dict[str, object]] = response.json()
    return rows


async def test_user_rows_say_when_created_and_last_seen_and_whether_online(
    server: LiveServer, client: httpx.AsyncClient, admin: Account, alice: Account
) -> None:
    await client.patch("/users/me", json={"display_name": "Alice L."}, headers=alice.headers)
    socket_, _ = await connect(server, alice)
    [row] = await _users(client, admin, q="alice")
    assert set(row) == {
        "id",
        "username",
        "display_name",
        "role",
        "is_active",
        "created_at",
        "default_notify",
        "last_seen_at",
        "online",
    }
    assert (row["id"], row["username"], row["display_name"], row["role"]) == (alice.id, "alice", "Alice L.", "user")
    assert row["online"] is True and row["last_seen_at"] is not None and row["created_at"] is not None
    await socket_.close()


async def test_users_are_found_by_username_prefix_or_display_name(
    client: httpx.AsyncClient, admin: Account, make_account: AccountFactory
) -> None:
    ann, anna, bob = await make_account("ann"), await make_account("Anna"), await make_account("bob")
    await client.patch("/users/me", json={"display_name": "Robert ANNex"}, headers=bob.headers)
    assert [r["username"] for r in await _users(client, admin, q="AN")] == ["ann", "Anna", "bob"]
    assert [r["id"] for r in await _users(client, admin, q="anna")] == [anna.id]
    assert [r["id"] for r in await _users(client, admin, q="bert a")] == [bob.id]  # inside a display name
    assert [r["id"] for r in await _users(client, admin, q="nn")] == [bob.id]  # not inside a username
    assert await _users(client, admin, q="%") == []  # a wildcard is a plain character
    assert await _users(client, admin, q="a_n") == []
    assert ann.id < anna.id < bob.id


async def test_users_page_by_id_with_after_and_still_by_offset(
    client: httpx.AsyncClient, admin: Account, make_account: AccountFactory
) -> None:
    made = [await make_account(f"member{n:02}") for n in range(12)]
    seen: list[object] = []
    after = None
    while True:
        page = await _users(client, admin, q="member", limit=5, **({"after": after} if after else {}))
        seen += [row["id"] for row in page]
        if len(page) < 5:
            break
        after = page[-1]["id"]
    assert seen == [account.id for account in made]
    everyone = await _users(client, admin)
    assert [row["id"] for row in await _users(client, admin, limit=3, offset=2)] == [r["id"] for r in everyone[2:5]]


@pytest.mark.parametrize(
    "query",
    [{"q": ""}, {"q": "x" * 65}, {"q": "a\x00"}, {"after": 0}, {"after": "abc"}, {"limit": 501}, {"after": 2**63}],
)
async def test_user_and_room_listings_validate_their_query(
    client: httpx.AsyncClient, admin: Account, query: dict[str, object]
) -> None:
    for path in ["/admin/users", "/admin/rooms"]:
        response = await client.get(path, params=query, headers=admin.headers)
        assert response.status_code == 422, (path, query, response.text)


# --- rooms ---------------------------------------------------------------------------------------


async def test_rooms_are_found_by_name_with_their_figures(
    client: httpx.AsyncClient, admin: Account, alice: Account, bob: Account
) -> None:
    book = await create_room(client, alice, "Book Club")
    secret = await create_room(client, alice, "bookkeeping", private=True)
    await client.post("/dm", json={"username": "bob"}, headers=alice.headers)
    await send_message(client, alice, "first", book["id"])
    await send_message(client, alice, "second", book["id"])
    response = await client.get("/admin/rooms", params={"q": "BOOK"}, headers=admin.headers)
    assert response.status_code == 200
    rows = response.json()
    assert [(r["id"], r["name"], r["kind"], r["is_private"]) for r in rows] == [
        (book["id"], "Book Club", "public", False),
        (secret["id"], "bookkeeping", "private", True),
    ]
    assert (rows[0]["member_count"], rows[0]["message_count"], rows[0]["owner_id"]) == (1, 2, alice.id)
    assert rows[0]["created_at"] == book["created_at"]
    everything = (await client.get("/admin/rooms", headers=admin.headers)).json()
    assert [r["kind"] for r in everything] == ["public", "public", "private", "direct"]
    assert everything[-1]["member_count"] == 2
    after = (await client.get("/admin/rooms", params={"after": book["id"], "limit": 1}, headers=admin.headers)).json()
    assert [r["id"] for r in after] == [secret["id"]]
    offset = (await client.get("/admin/rooms", params={"offset": 1, "limit": 1}, headers=admin.headers)).json()
    assert [r["id"] for r in offset] == [book["id"]]


# --- the audit log -----------------------------------------------------------------------------


async def _audit(client: httpx.AsyncClient, admin: Account, **query: object) -> dict[str, object]:
    response = await client.get("/admin/audit", params=query, headers=admin.headers)
    assert response.status_code == 200, response.text
    page: dict[str, object] = response.json()
    return page


async def test_every_admin_action_is_in_the_audit_log_newest_first(
    client: httpx.AsyncClient, admin: Account, alice: Account
) -> None:
    room = await create_room(client, alice, "doomed", private=True)
    await client.patch(f"/admin/users/{alice.id}", json={"role": "admin"}, headers=admin.headers)
    await client.patch(f"/admin/users/{alice.id}", json={"is_active": False}, headers=admin.headers)
    await client.patch(f"/admin/users/{alice.id}", json={"is_active": True, "role": "user"}, headers=admin.headers)
    assert (await client.delete(f"/admin/rooms/{room['id']}", headers=admin.headers)).status_code == 204
    page = await _audit(client, admin)
    assert page["has_more"] is False
    actions = page["actions"]
    assert isinstance(actions, list)
    root = {"id": admin.id, "username": "root"}
    target = {"id": alice.id, "username": "alice"}
    assert [(a["action"], a["actor"], a["target_user"], a["target_room"], a["detail"]) for a in actions] == [
        ("room.delete", root, None, {"id": room["id"], "name": "doomed"}, {"name": "doomed", "kind": "private"}),
        ("user.reactivate", root, target, None, {}),
        ("user.role", root, target, None, {"from": "admin", "to": "user"}),
        ("user.deactivate", root, target, None, {}),
        ("user.role", root, target, None, {"from": "user", "to": "admin"}),
    ]
    times = [a["created_at"] for a in actions]
    assert times == sorted(times, reverse=True)


async def test_changes_that_change_nothing_or_fail_are_not_logged(
    client: httpx.AsyncClient, admin: Account, alice: Account
) -> None:
    await client.patch(f"/admin/users/{alice.id}", json={"role": "user", "is_active": True}, headers=admin.headers)
    await client.patch(f"/admin/users/{admin.id}", json={"role": "user"}, headers=admin.headers)  # 400
    await client.patch(f"/admin/users/{alice.id}", json={"role": "god"}, headers=admin.headers)  # 422
    assert (await client.delete("/admin/rooms/424242", headers=admin.headers)).status_code == 404
    assert await _audit(client, admin) == {"actions": [], "has_more": False}


async def test_the_audit_log_pages_backwards(client: httpx.AsyncClient, admin: Account, alice: Account) -> None:
    for n in range(5):
        await client.patch(f"/admin/users/{alice.id}", json={"is_active": n % 2 == 1}, headers=admin.headers)
    first = await _audit(client, admin, limit=2)
    assert first["has_more"] is True
    ids = [a["id"] for a in first["actions"]]
    second = await _audit(client, admin, limit=2, before=ids[-1])
    third = await _audit(client, admin, limit=2, before=second["actions"][-1]["id"])
    ids += [a["id"] for a in second["actions"]] + [a["id"] for a in third["actions"]]
    assert third["has_more"] is False
    assert len(ids) == 5 and ids == sorted(ids, reverse=True)
    for query in [{"limit": 0}, {"limit": 201}, {"before": 0}, {"before": "x"}]:
        assert (await client.get("/admin/audit", params=query, headers=admin.headers)).status_code == 422
