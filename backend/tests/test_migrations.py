"""Alembic owns the schema: it builds it from empty, and the models cannot drift from it."""

from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy import Connection, create_engine, inspect, text

from app.models import Base
from app.search_schema import include_name
from app.server import BACKEND_DIR, migrate
from tests.support.database import TEST_DATABASE, Database, database_at_0001, empty_database, sync_url, sync_url_of
from tests.support.servers import SettingsFactory


def _sync_url(database: Database, data_dir: Path) -> str:
    if database.url is None:
        return f"sqlite:///{data_dir / 'chat.db'}"
    return sync_url(database.url)


def test_models_and_migrations_agree(database: Database, settings_factory: SettingsFactory) -> None:
    """The equivalent of `alembic check`, on this run's database."""
    settings = settings_factory()
    engine = create_engine(_sync_url(database, settings.data_dir))
    with engine.connect() as connection:
        differences = compare_metadata(
            MigrationContext.configure(connection, opts={"include_name": include_name}), Base.metadata
        )
    engine.dispose()
    assert differences == []


def test_alembic_check_command_passes(settings_factory: SettingsFactory) -> None:
    config = Config(str(BACKEND_DIR / "alembic.ini"))
    config.attributes["settings"] = settings_factory()
    command.check(config)  # raises if autogenerate would produce operations


def test_upgrade_from_empty_creates_every_table_and_the_general_room(tmp_path: Path) -> None:
    with empty_database(tmp_path) as settings:
        migrate(settings)
        engine = create_engine(sync_url_of(settings))
        with engine.connect() as connection:
            tables = set(inspect(connection).get_table_names())
            rooms = connection.execute(text("SELECT name, is_private FROM rooms")).all()
            indexes = {ix["name"] for ix in inspect(connection).get_indexes("messages")}
            if TEST_DATABASE == "sqlite":
                assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            if TEST_DATABASE == "mariadb":
                kinds = connection.execute(
                    text(
                        "SELECT table_name, engine, table_collation FROM information_schema.tables "
                        "WHERE table_schema = DATABASE()"
                    )
                ).all()
                columns = connection.execute(
                    text(
                        "SELECT DISTINCT column_type FROM information_schema.columns "
                        "WHERE table_schema = DATABASE() AND data_type = 'datetime'"
                    )
                ).scalars()
                assert list(columns) == ["datetime(6)"]  # microseconds, not whole seconds
        engine.dispose()
    assert {t.name for t in Base.metadata.sorted_tables} <= tables
    assert [(name, bool(private)) for name, private in rooms] == [("general", False)]
    assert "ix_messages_room_id_id" in indexes
    if TEST_DATABASE == "mariadb":
        # Transactions and foreign keys (InnoDB), 4-byte UTF-8 compared exactly, everywhere; the
        # search text alone in Mroonga (this project's machines have it).
        assert {(name, engine, collation) for name, engine, collation in kinds} == {
            *((name, "InnoDB", "utf8mb4_bin") for name in tables - {"messages_fts"}),
            ("messages_fts", "Mroonga", "utf8mb4_bin"),
        }


def test_downgrade_to_empty_and_back(settings_factory: SettingsFactory) -> None:
    config = Config(str(BACKEND_DIR / "alembic.ini"))
    config.attributes["settings"] = settings_factory()
    command.downgrade(config, "base")
    command.upgrade(config, "head")
    command.check(config)


@pytest.mark.skipif(
    TEST_DATABASE != "sqlite", reason="the search watermark is SQLite's (0008 changes nothing elsewhere)"
)
def test_0008_keeps_the_search_index_whole_both_ways(tmp_path: Path) -> None:
    """Up: the messages there are count as indexed; down: the ones not indexed yet are indexed
    first, then the insert trigger is back."""

    def fts_ids(connection: Connection, word: str) -> list[int]:
        rows = connection.execute(text("SELECT rowid FROM messages_fts WHERE messages_fts MATCH :q"), {"q": word})
        return sorted(rowid for (rowid,) in rows)

    def add(connection: Connection, body: str) -> None:
        connection.execute(
            text("INSERT INTO messages (room_id, sender_id, body, created_at, deleted) VALUES (1, 1, :body, 0, false)"),
            {"body": body},
        )

    with database_at_0001(tmp_path, [("kept message", False), ("gone message", True)]) as (config, engine):
        command.upgrade(config, "head")
        with engine.begin() as connection:
            assert connection.execute(text("SELECT last_indexed_id FROM search_index_state")).scalar() == 2
            assert fts_ids(connection, "message") == [1]
            add(connection, "pending message")  # id 3: no insert trigger any more
            assert fts_ids(connection, "message") == [1]
        command.downgrade(config, "0007")
        with engine.begin() as connection:
            assert fts_ids(connection, "message") == [1, 3]
            add(connection, "triggered message")  # id 4: indexed by 0002's trigger again
            assert fts_ids(connection, "message") == [1, 3, 4]
            assert "search_index_state" not in inspect(connection).get_table_names()
        command.upgrade(config, "head")
        with engine.begin() as connection:
            assert connection.execute(text("SELECT last_indexed_id FROM search_index_state")).scalar() == 4
            connection.execute(text("INSERT INTO messages_fts(messages_fts) VALUES ('integrity-check')"))
