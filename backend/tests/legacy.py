"""A database as migration 0001 left it, with a member and messages, for tests of 0002's upgrade."""

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, text

from app.server import BACKEND_DIR
from tests.conftest import empty_database


@contextmanager
def database_at_0001(tmp_path: Path, bodies: list[tuple[str, bool]]) -> Iterator[tuple[Config, Engine]]:
    """User 1 in room 1 (`general`), and its messages (body, deleted) with ids 1, 2, ..."""
    with empty_database(tmp_path) as settings:
        config = Config(str(BACKEND_DIR / "alembic.ini"))
        config.attributes["settings"] = settings
        command.upgrade(config, "0001")
        url = settings.async_database_url.replace("+aiosqlite", "").replace("+asyncpg", "+psycopg")
        engine = create_engine(url)
        now = dt.datetime.now(dt.UTC)
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO users (username, username_key, password_hash, role, is_active, created_at) "
                    "VALUES ('old', 'old', 'x', 'user', true, :now)"
                ),
                {"now": now},
            )
            connection.execute(
                text("INSERT INTO memberships (room_id, user_id, joined_at) VALUES (1, 1, :now)"), {"now": now}
            )
            for body, deleted in bodies:
                connection.execute(
                    text(
                        "INSERT INTO messages (room_id, sender_id, body, created_at, deleted) "
                        "VALUES (1, 1, :body, :now, :deleted)"
                    ),
                    {"body": body, "now": now, "deleted": deleted},
                )
        try:
            yield config, engine
        finally:
            engine.dispose()
