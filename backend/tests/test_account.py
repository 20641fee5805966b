"""The caller's own account: display name, default notifications, password change (and signing
out the other devices with it), last seen."""

import httpx
import pytest

from tests.support.accounts import PASSWORD, Account, login
from tests.support.api import create_room
from tests.support.servers import LiveServer, ServerFactory, SettingsFactory
from tests.support.sockets import connect, open_user_socket

NEW_PASSWORD = "a brand new passphrase"


async def test_display_name_is_set_trimmed_and_cleared(client: httpx.AsyncClient, alice: Account) -> None:
    set_ = await client.patch("/users/me", json={"display_name": "  Alice Liddell  "}, headers=alice.headers)
    assert set_.status_code == 200, set_.text
    assert set_.json()["display_name"] == "Alice Liddell"
    me = (await client.get("/users/me", headers=alice.headers)).json()
    assert me["display_name"] == "Alice Liddell" and me["username"] == "alice"
    # Absent: unchanged.
    kept = await client.patch("/users/me", json={"default_notify": "all"}, headers=alice.headers)
    assert kept.json()["display_name"] == "Alice Liddell"
    for cleared in ["", "   ", None]:
        await client.patch("/users/me", json={"display_name": "again"}, headers=alice.headers)
        answer = await client.patch("/users/me", json={"display_name": cleared}, headers=alice.headers)
        assert answer.status_code == 200 and answer.json()["display_name"] is None, cleared


async def test_emoji_in_a_display_name_are_kept(client: httpx.AsyncClient, alice: Account) -> None:
    name = "Alice \U0001f469\u200d\U0001f4bb"  # woman technologist: a zero-width joiner sequence
    answer = await client.patch("/users/me", json={"display_name": name}, headers=alice.headers)
    assert answer.status_code == 200 and answer.json()["display_name"] == name


@pytest.mark.parametrize(
    "payload",
    [
        {"display_name": "x" * 65},  # over 64 once trimmed
        {"display_name": "evil\u202eoverride"},  # turns the text around it
        {"display_name": "tab\there"},
        {"display_name": "nul\x00"},
        {"display_name": 42},
        {"default_notify": "sometimes"},
        {"default_notify": "none"},  # the levels are those of rooms: all, mentions, muted
    ],
)
async def test_profile_refuses_bad_input(client: httpx.AsyncClient, alice: Account, payload: dict[str, object]) -> None:
    answer = await client.patch("/users/me", json=payload, headers=alice.headers)
    assert answer.status_code == 422, answer.text
    assert (await client.get("/users/me", headers=alice.headers)).json()["display_name"] is None


async def test_profile_needs_a_token(client: httpx.AsyncClient) -> None:
    assert (await client.patch("/users/me", json={"display_name": "x"})).status_code == 401
    assert (await client.post("/users/me/password", json={})).status_code == 401


async def test_default_notify_is_stored_and_offered_back(client: httpx.AsyncClient, alice: Account) -> None:
    assert (await client.get("/users/me", headers=alice.headers)).json()["default_notify"] == "mentions"
    for level in ["all", "muted", "mentions"]:
        answer = await client.patch("/users/me", json={"default_notify": level}, headers=alice.headers)
        assert answer.status_code == 200 and answer.json()["default_notify"] == level


# --- password ------------------------------------------------------------------------------


async def _change(client: httpx.AsyncClient, account: Account, **body: object) -> httpx.Response:
    return await client.post("/users/me/password", json=body, headers=account.headers)


async def test_password_change_keeps_other_devices_unless_asked(client: httpx.AsyncClient, alice: Account) -> None:
    phone = (await login(client, "alice")).json()
    changed = await _change(client, alice, current_password=PASSWORD, new_password=NEW_PASSWORD)
    assert changed.status_code == 200, changed.text
    assert changed.json() == {"signed_out_devices": 0}
    assert (await login(client, "alice", PASSWORD)).status_code == 401
    assert (await login(client, "alice", NEW_PASSWORD)).status_code == 200
    # The phone was not signed out: its tokens still work.
    refreshed = await client.post("/token/refresh", json={"refresh_token": phone["refresh_token"]})
    assert refreshed.status_code == 200


async def test_password_change_signs_out_every_other_device(
    server: LiveServer, client: httpx.AsyncClient, alice: Account, bob: Account
) -> None:
    phone = (await login(client, "alice")).json()
    tablet = (await login(client, "alice")).json()
    phone_socket, _ = await connect(server, Account(alice.id, "alice", PASSWORD, phone["access_token"], ""))
    own_socket, _ = await connect(server, alice)
    bobs_devices = len((await client.get("/sessions", headers=bob.headers)).json())

    changed = await _change(
        client, alice, current_password=PASSWORD, new_password=NEW_PASSWORD, sign_out_other_devices=True
    )
    assert changed.status_code == 200, changed.text
    assert changed.json() == {"signed_out_devices": 2}

    # The other devices' sockets close as a device sign-out closes them, and their tokens stop working.
    assert await phone_socket.closed_with() == 4401
    for device in (phone, tablet):
        assert (await client.post("/token/refresh", json={"refresh_token": device["refresh_token"]})).status_code == 401
        headers = {"Authorization": f"Bearer {device['access_token']}"}
        assert (await client.get("/users/me", headers=headers)).status_code == 401
    # This device carries on, socket and tokens alike.
    assert (await client.get("/users/me", headers=alice.headers)).status_code == 200
    assert (await client.post("/token/refresh", json={"refresh_token": alice.refresh_token})).status_code == 200
    await own_socket.send({"type": "ping"})
    assert (await own_socket.recv())["type"] == "pong"
    devices = (await client.get("/sessions", headers=alice.headers)).json()
    assert [d["current"] for d in devices] == [True]
    # Nobody else is touched.
    assert len((await client.get("/sessions", headers=bob.headers)).json()) == bobs_devices
    await own_socket.close()


async def test_wrong_current_password_is_refused_and_nothing_changes(client: httpx.AsyncClient, alice: Account) -> None:
    phone = (await login(client, "alice")).json()
    refused = await _change(
        client, alice, current_password="not my password", new_password=NEW_PASSWORD, sign_out_other_devices=True
    )
    # 403, not 401: the caller is signed in, and a 401 would make a client drop its tokens.
    assert refused.status_code == 403
    assert refused.json()["detail"] == "current password is wrong"
    assert (await login(client, "alice", PASSWORD)).status_code == 200
    assert (await client.post("/token/refresh", json={"refresh_token": phone["refresh_token"]})).status_code == 200


@pytest.mark.parametrize(
    "new_password",
    ["short", "x" * 73, "é" * 37, "pass\x00word"],  # the same rules as signup: 8 to 72 bytes, no NUL
)
async def test_weak_new_password_is_refused(client: httpx.AsyncClient, alice: Account, new_password: str) -> None:
    refused = await _change(client, alice, current_password=PASSWORD, new_password=new_password)
    assert refused.status_code == 422, refused.text
    assert refused.json()["detail"][0]["loc"] == ["body", "new_password"]
    assert new_password not in refused.text  # a 422 never echoes what it refused
    assert (await login(client, "alice", PASSWORD)).status_code == 200


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"current_password": PASSWORD},
        {"current_password": "", "new_password": NEW_PASSWORD},
        {"current_password": PASSWORD, "new_password": NEW_PASSWORD, "sign_out_other_devices": "yes"},
    ],
)
async def test_password_change_validates_its_body(
    client: httpx.AsyncClient, alice: Account, body: dict[str, object]
) -> None:
    assert (await _change(client, alice, **body)).status_code == 422


async def test_wrong_current_passwords_are_throttled_like_logins(
    server_factory: ServerFactory, settings_factory: SettingsFactory
) -> None:
    live = await server_factory(settings_factory(login_rate_limit="3/60s"))

    def client_at(ip: str) -> httpx.AsyncClient:
        transport = httpx.AsyncHTTPTransport(local_address=ip)
        return httpx.AsyncClient(base_url=live.url + "/api/v1", timeout=30, transport=transport)

    async with client_at("127.0.0.1") as here, client_at("127.0.0.2") as elsewhere:
        created = await here.post("/signup", json={"username": "alice", "password": PASSWORD})
        assert created.status_code == 201
        tokens = (await login(here, "alice")).json()
        alice = Account(created.json()["id"], "alice", PASSWORD, tokens["access_token"], tokens["refresh_token"])
        codes = [
            (await _change(here, alice, current_password=f"guess {n}", new_password=NEW_PASSWORD)).status_code
            for n in range(3)
        ]
        assert codes == [403, 403, 403]
        throttled = await _change(here, alice, current_password=PASSWORD, new_password=NEW_PASSWORD)
        assert throttled.status_code == 429
        assert 1 <= int(throttled.headers["retry-after"]) <= 60
        # Counted per account too: the same token from another address waits as well...
        assert (
            await _change(elsewhere, alice, current_password=PASSWORD, new_password=NEW_PASSWORD)
        ).status_code == 429
        # ...and nothing changed: the old password still logs in there.
        assert (await login(elsewhere, "alice", PASSWORD)).status_code == 200


# --- last seen, default notifications in rooms ----------------------------------------------


async def test_login_and_refresh_mark_the_user_as_seen(client: httpx.AsyncClient, admin: Account) -> None:
    created = await client.post("/signup", json={"username": "carol", "password": PASSWORD})
    carol_id = created.json()["id"]

    async def seen() -> str | None:
        rows = (await client.get("/admin/users", params={"q": "carol"}, headers=admin.headers)).json()
        assert [row["id"] for row in rows] == [carol_id]
        value: str | None = rows[0]["last_seen_at"]
        return value

    assert await seen() is None  # signed up, never logged in
    tokens = (await login(client, "carol")).json()
    at_login = await seen()
    assert at_login is not None
    assert (await client.post("/token/refresh", json={"refresh_token": tokens["refresh_token"]})).status_code == 200
    at_refresh = await seen()
    assert at_refresh is not None and at_refresh >= at_login


async def test_new_rooms_start_at_the_default_notification_level(
    server: LiveServer, client: httpx.AsyncClient, alice: Account, bob: Account
) -> None:
    lounge = await create_room(client, bob, "lounge")
    await client.patch("/users/me", json={"default_notify": "all"}, headers=alice.headers)
    mine = await create_room(client, alice, "mine")
    assert mine["notify"] == "all"
    joined = await client.post(f"/rooms/{lounge['id']}/join", headers=alice.headers)
    assert joined.json()["notify"] == "all"
    await client.patch("/users/me", json={"default_notify": "muted"}, headers=alice.headers)
    private = await create_room(client, bob, "private", private=True)
    added = await client.post(f"/rooms/{private['id']}/members", json={"username": "alice"}, headers=bob.headers)
    assert added.status_code == 200
    assert (await client.get(f"/rooms/{private['id']}", headers=alice.headers)).json()["notify"] == "muted"
    # A direct room starts at all, whatever the default.
    direct = await client.post("/dm", json={"username": "bob"}, headers=alice.headers)
    assert direct.json()["notify"] == "all"
    # Rooms joined before keep their level.
    assert (await client.get("/rooms/1", headers=alice.headers)).json()["notify"] == "mentions"


async def test_a_socket_of_a_device_signed_out_by_a_password_change_cannot_come_back(
    server: LiveServer, client: httpx.AsyncClient, alice: Account
) -> None:
    phone = (await login(client, "alice")).json()
    await _change(client, alice, current_password=PASSWORD, new_password=NEW_PASSWORD, sign_out_other_devices=True)
    refused = await open_user_socket(server, phone["access_token"])
    assert await refused.closed_with() == 4401
