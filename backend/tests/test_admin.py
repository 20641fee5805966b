"""Roles: admin endpoints, and demotion or deactivation biting at once."""

import httpx

from tests.support.accounts import Account, login


async def test_admin_endpoints_refuse_regular_users(client: httpx.AsyncClient, alice: Account) -> None:
    for method, path in [
        ("GET", "/admin/users"),
        ("GET", "/admin/stats"),
        ("PATCH", "/admin/users/1"),
        ("DELETE", "/admin/rooms/1"),
        ("GET", "/admin/rooms"),
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
    selfie = await client.patch(f"/admin/users/{admin.id}", json={"is_active": False}, headers=admin.headers)
    assert selfie.status_code == 400


async def test_stats_count_what_is_stored(client: httpx.AsyncClient, admin: Account, alice: Account) -> None:
    await client.post("/rooms/1/messages", json={"body": "hello"}, headers=alice.headers)
    stats = (await client.get("/admin/stats", headers=admin.headers)).json()
    assert stats == {"users": 2, "rooms": 1, "messages": 1, "connections": 0}
