"""Operator commands run as a real process: create-admin, and the admin bootstrap at start."""

import subprocess
import sys

import httpx

from app.config import Settings
from app.server import BACKEND_DIR
from tests.support.accounts import PASSWORD, Account, login
from tests.support.servers import LiveServer, ServerFactory, SettingsFactory


def _cli(settings: Settings, *args: str, stdin: str) -> subprocess.CompletedProcess[str]:
    env = {"DATA_DIR": str(settings.data_dir), "BCRYPT_ROUNDS": "4", "PATH": "/usr/bin:/bin"}
    if settings.database_url:
        env["DATABASE_URL"] = settings.database_url
    return subprocess.run(
        [sys.executable, "-m", "app.cli", *args],
        cwd=BACKEND_DIR,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


async def test_create_admin_reads_the_password_from_stdin(server: LiveServer, client: httpx.AsyncClient) -> None:
    result = _cli(server.settings, "create-admin", "boss", stdin=PASSWORD + "\n")
    assert result.returncode == 0, result.stderr
    assert "boss" in result.stdout and PASSWORD not in result.stdout + result.stderr
    tokens = (await login(client, "boss")).json()
    me = await client.get("/users/me", headers={"Authorization": f"Bearer {tokens['access_token']}"})
    assert me.json()["role"] == "admin"


async def test_create_admin_promotes_an_existing_user(
    server: LiveServer, client: httpx.AsyncClient, alice: Account
) -> None:
    result = _cli(server.settings, "create-admin", "alice", stdin="a new password\n")
    assert result.returncode == 0, result.stderr
    assert (await login(client, "alice", "a new password")).status_code == 200
    assert (await client.get("/admin/stats", headers=alice.headers)).status_code == 200


def test_create_admin_refuses_a_weak_password_and_takes_none_from_argv(settings: Settings) -> None:
    weak = _cli(settings, "create-admin", "boss", stdin="short\n")
    assert weak.returncode != 0 and "password" in weak.stderr
    extra = _cli(settings, "create-admin", "boss", PASSWORD, stdin=PASSWORD + "\n")
    assert extra.returncode == 2  # argparse: unrecognised argument


async def test_admin_is_bootstrapped_from_the_environment(
    server_factory: ServerFactory, settings_factory: SettingsFactory
) -> None:
    live = await server_factory(settings_factory(admin_username="chief", admin_password=PASSWORD))
    async with httpx.AsyncClient(base_url=live.url + "/api/v1") as http:
        tokens = (await login(http, "chief")).json()
        stats = await http.get("/admin/stats", headers={"Authorization": f"Bearer {tokens['access_token']}"})
    assert stats.status_code == 200
