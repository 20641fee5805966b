"""Signup, login, refresh rotation and reuse detection, logout, devices."""

import httpx
import pytest

from tests.support.accounts import PASSWORD, Account, login, register
from tests.support.servers import ServerFactory, SettingsFactory


async def test_signup_returns_the_user_and_joins_general(client: httpx.AsyncClient) -> None:
    response = await client.post("/signup", json={"username": "Alice.B-1_", "password": PASSWORD})
    assert response.status_code == 201
    body = response.json()
    assert body["username"] == "Alice.B-1_"
    assert body["role"] == "user" and body["is_active"] is True
    assert set(body) == {"id", "username", "display_name", "role", "is_active", "created_at", "default_notify"}
    assert "password" not in response.text and "hash" not in response.text
    tokens = (await login(client, "Alice.B-1_")).json()
    rooms = (await client.get("/rooms", headers={"Authorization": f"Bearer {tokens['access_token']}"})).json()
    assert [(r["name"], r["joined"]) for r in rooms] == [("general", True)]


async def test_username_is_unique_case_insensitively(client: httpx.AsyncClient, alice: Account) -> None:
    response = await client.post("/signup", json={"username": "ALICE", "password": PASSWORD})
    assert response.status_code == 409
    assert response.json()["detail"] == "username is taken"


@pytest.mark.parametrize(
    "payload",
    [
        {"username": "ab", "password": PASSWORD},  # too short
        {"username": "a" * 33, "password": PASSWORD},  # too long
        {"username": "with space", "password": PASSWORD},
        {"username": "émile", "password": PASSWORD},  # outside [A-Za-z0-9_.-]
        {"username": "carol", "password": "short"},  # under 8 bytes
        {"username": "carol", "password": "x" * 73},  # over 72 bytes
        {"username": "carol", "password": "é" * 37},  # 37 characters but 74 bytes
        {"username": "carol", "password": "pass\x00word"},  # NUL
        {"username": "carol"},
        {"password": PASSWORD},
        {"username": 5, "password": PASSWORD},
    ],
)
async def test_signup_rejects_invalid_input_with_422(client: httpx.AsyncClient, payload: dict[str, object]) -> None:
    response = await client.post("/signup", json=payload)
    assert response.status_code == 422, response.text
    assert "detail" in response.json()


async def test_password_of_exactly_72_bytes_works_and_is_not_truncated(client: httpx.AsyncClient) -> None:
    password = "é" * 36  # 72 bytes in UTF-8
    await register(client, "carol", password)
    assert (await login(client, "carol", password)).status_code == 200
    assert (await login(client, "carol", "é" * 35 + "e")).status_code == 401


async def test_signup_rejects_malformed_json_without_500(client: httpx.AsyncClient) -> None:
    response = await client.post("/signup", content=b"{not json", headers={"content-type": "application/json"})
    assert response.status_code == 422


async def test_login_with_form_returns_a_token_pair(client: httpx.AsyncClient, alice: Account) -> None:
    response = await login(client, "alice")
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 900
    assert len(body["refresh_token"]) >= 43  # 256 bits, url-safe base64


async def test_login_is_case_insensitive_on_username(client: httpx.AsyncClient, alice: Account) -> None:
    assert (await login(client, "ALICE")).status_code == 200


async def test_bad_credentials_get_the_same_401_for_unknown_user_and_wrong_password(
    client: httpx.AsyncClient, alice: Account
) -> None:
    wrong = await login(client, "alice", "wrong password")
    unknown = await login(client, "nobody", PASSWORD)
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json() == {"detail": "Incorrect username or password"}
    assert wrong.headers["www-authenticate"] == "Bearer"


async def test_login_without_fields_is_422(client: httpx.AsyncClient) -> None:
    assert (await client.post("/token", data={"username": "alice"})).status_code == 422
    assert (await client.post("/token", json={"username": "a", "password": "b"})).status_code == 422


async def test_refresh_rotates_the_refresh_token(client: httpx.AsyncClient, alice: Account) -> None:
    response = await client.post("/token/refresh", json={"refresh_token": alice.refresh_token})
    assert response.status_code == 200
    pair = response.json()
    assert pair["refresh_token"] != alice.refresh_token
    me = await client.get("/users/me", headers={"Authorization": f"Bearer {pair['access_token']}"})
    assert me.json()["username"] == "alice"
    again = await client.post("/token/refresh", json={"refresh_token": pair["refresh_token"]})
    assert again.status_code == 200


async def _rotate(client: httpx.AsyncClient, refresh_token: str) -> dict[str, str]:
    response = await client.post("/token/refresh", json={"refresh_token": refresh_token})
    assert response.status_code == 200, response.text
    pair: dict[str, str] = response.json()
    return pair


async def test_reused_refresh_token_revokes_the_whole_family(client: httpx.AsyncClient, alice: Account) -> None:
    first = await _rotate(client, alice.refresh_token)
    second = await _rotate(client, first["refresh_token"])
    # A token two rotations back is presented again (a stolen copy): 401, and the family is gone...
    reuse = await client.post("/token/refresh", json={"refresh_token": alice.refresh_token})
    assert reuse.status_code == 401
    assert reuse.headers["www-authenticate"] == "Bearer"
    assert reuse.json()["detail"] == "refresh token was already used; this device is signed out"
    # ...including the newest refresh token and the access tokens of that device.
    assert (await client.post("/token/refresh", json={"refresh_token": second["refresh_token"]})).status_code == 401
    me = await client.get("/users/me", headers={"Authorization": f"Bearer {second['access_token']}"})
    assert me.status_code == 401


async def test_the_predecessor_presented_again_within_the_grace_gets_a_new_pair(
    client: httpx.AsyncClient, alice: Account
) -> None:
    # A reload raced the refresh: the page never saw `first` and presents the old token again.
    first = await _rotate(client, alice.refresh_token)
    again = await _rotate(client, alice.refresh_token)
    assert again["refresh_token"] not in (alice.refresh_token, first["refresh_token"])
    me = await client.get("/users/me", headers={"Authorization": f"Bearer {again['access_token']}"})
    assert me.status_code == 200 and me.json()["id"] == alice.id
    devices = await client.get("/sessions", headers={"Authorization": f"Bearer {again['access_token']}"})
    assert len(devices.json()) == 1  # the same device, not a new one
    # Once more, the same token is two rotations behind the newest: reuse, the device is signed out.
    assert (await client.post("/token/refresh", json={"refresh_token": alice.refresh_token})).status_code == 401
    assert (await client.post("/token/refresh", json={"refresh_token": again["refresh_token"]})).status_code == 401


async def test_the_predecessor_past_the_grace_is_reuse(
    server_factory: ServerFactory, settings_factory: SettingsFactory
) -> None:
    live = await server_factory(settings_factory(refresh_reuse_grace_seconds=0))
    async with httpx.AsyncClient(base_url=live.url + "/api/v1") as http:
        alice = await register(http, "alice")
        first = await _rotate(http, alice.refresh_token)
        reuse = await http.post("/token/refresh", json={"refresh_token": alice.refresh_token})
        assert reuse.status_code == 401
        assert (await http.post("/token/refresh", json={"refresh_token": first["refresh_token"]})).status_code == 401


async def test_reuse_on_one_device_leaves_other_devices_signed_in(client: httpx.AsyncClient, alice: Account) -> None:
    other = (await login(client, "alice")).json()
    first = await _rotate(client, alice.refresh_token)
    await _rotate(client, first["refresh_token"])
    assert (await client.post("/token/refresh", json={"refresh_token": alice.refresh_token})).status_code == 401
    assert (await client.post("/token/refresh", json={"refresh_token": other["refresh_token"]})).status_code == 200


@pytest.mark.parametrize("token", ["", "x" * 600, "not-a-token"])
async def test_refresh_with_garbage_is_rejected(client: httpx.AsyncClient, token: str) -> None:
    response = await client.post("/token/refresh", json={"refresh_token": token})
    assert response.status_code in (401, 422)


async def test_logout_revokes_the_family_and_is_idempotent(client: httpx.AsyncClient, alice: Account) -> None:
    assert (await client.post("/logout", json={"refresh_token": alice.refresh_token})).status_code == 204
    assert (await client.post("/logout", json={"refresh_token": alice.refresh_token})).status_code == 204
    assert (await client.post("/logout", json={"refresh_token": "unknown"})).status_code == 204
    refresh = await client.post("/token/refresh", json={"refresh_token": alice.refresh_token})
    assert refresh.status_code == 401
    assert (await client.get("/users/me", headers=alice.headers)).status_code == 401


async def test_users_me_needs_a_token(client: httpx.AsyncClient, alice: Account) -> None:
    me = await client.get("/users/me", headers=alice.headers)
    assert me.status_code == 200 and me.json()["id"] == alice.id
    missing = await client.get("/users/me")
    assert missing.status_code == 401
    assert missing.headers["www-authenticate"] == "Bearer"


async def test_sessions_lists_devices_and_marks_the_current_one(client: httpx.AsyncClient, alice: Account) -> None:
    await client.post("/token", data={"username": "alice", "password": PASSWORD}, headers={"user-agent": "phone"})
    devices = (await client.get("/sessions", headers=alice.headers)).json()
    assert len(devices) == 2
    assert [d["current"] for d in devices].count(True) == 1
    assert {"phone"} <= {d["user_agent"] for d in devices}
    assert all(d["ip"] == "127.0.0.1" for d in devices)


async def test_signing_out_a_device_revokes_its_tokens(client: httpx.AsyncClient, alice: Account) -> None:
    phone = (await login(client, "alice")).json()
    devices = (await client.get("/sessions", headers=alice.headers)).json()
    phone_id = next(d["id"] for d in devices if not d["current"])
    assert (await client.delete(f"/sessions/{phone_id}", headers=alice.headers)).status_code == 204
    assert (
        await client.get("/users/me", headers={"Authorization": f"Bearer {phone['access_token']}"})
    ).status_code == 401
    assert (await client.post("/token/refresh", json={"refresh_token": phone["refresh_token"]})).status_code == 401
    assert (await client.get("/users/me", headers=alice.headers)).status_code == 200
    assert len((await client.get("/sessions", headers=alice.headers)).json()) == 1


async def test_cannot_sign_out_someone_elses_device(client: httpx.AsyncClient, alice: Account, bob: Account) -> None:
    bobs = (await client.get("/sessions", headers=bob.headers)).json()[0]["id"]
    assert (await client.delete(f"/sessions/{bobs}", headers=alice.headers)).status_code == 404
    assert (await client.delete("/sessions/999999", headers=alice.headers)).status_code == 404
    assert (await client.delete("/sessions/abc", headers=alice.headers)).status_code == 422
    assert (await client.delete(f"/sessions/{2**70}", headers=alice.headers)).status_code == 422
    assert (await client.get("/users/me", headers=bob.headers)).status_code == 200


async def test_bcrypt_runs_in_low_priority_threads_off_the_event_loop() -> None:
    import os
    import threading

    from app.security import PasswordHasher

    hasher = PasswordHasher(rounds=4)
    try:
        hashed = await hasher.hash("correct horse")
        assert hashed.startswith("$2b$04$")
        assert await hasher.verify("correct horse", hashed)
        assert not await hasher.verify("wrong horse", hashed)
        assert not await hasher.verify("x" * 73, hashed)
        workers = [t for t in threading.enumerate() if t.name.startswith("bcrypt") and t.native_id]
        assert workers
        loop_nice = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
        assert all(os.getpriority(os.PRIO_PROCESS, t.native_id) == min(19, loop_nice + 10) for t in workers)  # type: ignore[arg-type]
    finally:
        hasher.close()
