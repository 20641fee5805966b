"""Usernames that read like someone else's, or like the operators', are refused at signup."""

from pathlib import Path

import httpx
import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, text

from app.server import BACKEND_DIR, migrate
from app.usernames import is_reserved, skeleton
from tests.support.accounts import PASSWORD
from tests.support.database import empty_database, sync_url_of


async def _signup(client: httpx.AsyncClient, username: str) -> httpx.Response:
    return await client.post("/signup", json={"username": username, "password": PASSWORD})


@pytest.mark.parametrize(
    ("taken", "lookalike"),
    [
        ("alice", "aIice"),  # capital i for l
        ("alice", "a1ice"),  # one for l
        ("Alice", "AIice"),
        ("bob", "b0b"),  # zero for o
        ("bob", "B0B"),
        ("mike", "rnike"),  # r n for m
        ("rnike", "mike"),
        ("lily", "IiIy"),
    ],
)
async def test_a_lookalike_of_a_taken_name_is_refused(client: httpx.AsyncClient, taken: str, lookalike: str) -> None:
    assert (await _signup(client, taken)).status_code == 201
    refused = await _signup(client, lookalike)
    assert refused.status_code == 409
    assert refused.json()["detail"] == f"username is too similar to {taken!r}"


async def test_names_that_only_share_letters_are_fine(client: httpx.AsyncClient) -> None:
    for name in ("alice", "alicia", "alice2", "bobby", "bob_", "user10", "user11", "user01"):
        assert (await _signup(client, name)).status_code == 201, name
    assert (await _signup(client, "ALICE")).json()["detail"] == "username is taken"


@pytest.mark.parametrize(
    "name", ["admin", "Admin", "adrnin", "ADMlN", "root", "r00t", "system", "support", "moderator"]
)
async def test_reserved_names_and_their_lookalikes_are_refused(client: httpx.AsyncClient, name: str) -> None:
    refused = await _signup(client, name)
    assert refused.status_code == 409 and refused.json()["detail"] == "this username is reserved"


def test_the_skeleton_follows_the_confusables_table() -> None:
    assert skeleton("aIice") == skeleton("alice") == skeleton("a1ice")
    assert skeleton("b0b") == skeleton("bob")
    assert skeleton("m") == skeleton("rn")
    assert skeleton("alice") != skeleton("alicia")
    assert is_reserved("Moderator") and not is_reserved("moderators")


def test_the_migration_fills_the_skeletons_of_existing_users(tmp_path: Path) -> None:
    with empty_database(tmp_path) as settings:
        config = Config(str(BACKEND_DIR / "alembic.ini"))
        config.attributes["settings"] = settings
        command.upgrade(config, "0002")
        engine = create_engine(sync_url_of(settings))
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO users (username, username_key, password_hash, role, is_active, created_at) "
                    "VALUES ('B0b', 'b0b', 'x', 'user', true, CURRENT_TIMESTAMP)"
                )
            )
        migrate(settings)
        with engine.connect() as connection:
            assert connection.execute(text("SELECT username_skeleton FROM users")).scalar() == "bob"
        engine.dispose()
