"""The database a run uses, by `TEST_DATABASE`: `sqlite` (default), `postgresql` or `mariadb`.

Each test process (each pytest-xdist worker) migrates one database of its own when it starts:
SQLite, a template file every test gets a fresh copy of; PostgreSQL and MariaDB, a database
named after the worker, emptied between tests and dropped at the end. Tests of migrations start
from an empty database, or from one as an older migration left it."""

import datetime as dt
import os
import secrets
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, create_engine, text

from app.config import Settings
from app.models import Base
from app.search_schema import FTS_TABLE, has_fts_table
from app.server import BACKEND_DIR, migrate

TEST_DATABASE = os.environ.get("TEST_DATABASE", "sqlite")
PG_ADMIN_URL = os.environ.get("TEST_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
# The server only: each run's database is made (and dropped) on it.
MARIADB_ADMIN_URL = os.environ.get("TEST_MARIADB_ADMIN_URL", "mariadb://root@127.0.0.1:3306")
# "gw0", "gw1", ... under pytest-xdist; "main" in a run without workers.
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "main")
TABLES = [table.name for table in Base.metadata.sorted_tables]
AUTOINCREMENT_TABLES = [table.name for table in Base.metadata.sorted_tables if table.autoincrement_column is not None]
GENERAL_ROOM_SQL = (
    "INSERT INTO rooms (name, name_key, is_private, created_at) VALUES ('general', 'general', false, now())"
)


@dataclass
class Database:
    """One migrated database for the test process; `fresh()` empties it for the next test."""

    url: str | None  # None: SQLite, a fresh copy of a migrated template file per test
    template: Path | None
    sync_engine: Engine | None

    def fresh(self, data_dir: Path) -> str | None:
        """The database URL for a test whose data folder is `data_dir` (None: its own SQLite file)."""
        if self.template is not None:
            shutil.copy(self.template, data_dir / "chat.db")
            return None
        assert self.sync_engine is not None
        with self.sync_engine.begin() as connection:
            if TEST_DATABASE == "mariadb":
                _empty_mariadb(connection)
            else:
                connection.execute(text(f"TRUNCATE {', '.join(TABLES)} RESTART IDENTITY CASCADE"))
            connection.execute(text(GENERAL_ROOM_SQL))
        return self.url


def _empty_mariadb(connection: Connection) -> None:
    """Every table empty, ids from 1 again. DELETE and a reset counter, not TRUNCATE: TRUNCATE
    recreates each table (and refuses one a foreign key names), ten times slower on these few rows."""
    connection.execute(text("SET foreign_key_checks = 0"))
    for table in (FTS_TABLE, *TABLES):
        if table != FTS_TABLE or has_fts_table(connection):
            connection.execute(text(f"DELETE FROM {table}"))  # noqa: S608 (names from the models)
    for table in AUTOINCREMENT_TABLES:
        connection.execute(text(f"ALTER TABLE {table} AUTO_INCREMENT = 1"))
    connection.execute(text("SET foreign_key_checks = 1"))


def pg_url(database: str) -> str:
    """The URL of another database on the server of PG_ADMIN_URL."""
    return PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + database


def server_url(database: str) -> str:
    """The URL (as DATABASE_URL takes it) of `database` on this run's PostgreSQL or MariaDB server."""
    if TEST_DATABASE == "mariadb":
        return MARIADB_ADMIN_URL.rstrip("/") + "/" + database
    return pg_url(database)


def sync_url(url: str) -> str:
    """A `postgresql://` or `mariadb://` URL for SQLAlchemy's synchronous engine (psycopg, PyMySQL)."""
    if url.startswith("mariadb://"):
        return url.replace("mariadb://", "mariadb+pymysql://", 1) + "?charset=utf8mb4"
    return url.replace("postgresql://", "postgresql+psycopg://", 1)


def sync_url_of(settings: Settings) -> str:
    """The URL of `settings`' database for SQLAlchemy's synchronous engine."""
    return (
        settings.async_database_url.replace("+aiosqlite", "")
        .replace("+asyncpg", "+psycopg")
        .replace("+asyncmy", "+pymysql")
    )


@contextmanager
def server_database(kind: str) -> Iterator[str]:
    """A new, empty database of this run's server (utf8mb4 on MariaDB), dropped afterwards: its URL."""
    name = _unique_name(kind)
    admin = create_engine(
        sync_url(server_url("") if TEST_DATABASE == "mariadb" else PG_ADMIN_URL), isolation_level="AUTOCOMMIT"
    )
    try:
        with admin.connect() as connection:
            if TEST_DATABASE == "mariadb":
                connection.execute(text(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"))
            else:
                connection.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:
        if kind != "test":
            raise
        where = MARIADB_ADMIN_URL if TEST_DATABASE == "mariadb" else PG_ADMIN_URL
        pytest.exit(f"{TEST_DATABASE} is not reachable at {where}: {exc}", returncode=3)
    try:
        yield server_url(name)
    finally:
        with admin.connect() as connection:
            if TEST_DATABASE == "mariadb":
                connection.execute(text(f"DROP DATABASE IF EXISTS `{name}`"))
            else:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _unique_name(kind: str) -> str:
    return f"chat_{kind}_{WORKER}_{secrets.token_hex(4)}"


@contextmanager
def run_database(data_dir: Path) -> Iterator[Database]:
    """This test process's migrated database, for the whole run."""
    if TEST_DATABASE == "sqlite":
        migrate(Settings(data_dir=data_dir, database_url=None))
        yield Database(None, data_dir / "chat.db", None)
        return
    if TEST_DATABASE not in ("postgresql", "mariadb"):
        raise pytest.UsageError(f"TEST_DATABASE must be sqlite, postgresql or mariadb, not {TEST_DATABASE!r}")
    with server_database("test") as url:
        engine = create_engine(sync_url(url))
        try:
            migrate(Settings(database_url=url, data_dir=data_dir))
            yield Database(url, None, engine)
        finally:
            engine.dispose()


@contextmanager
def empty_database(data_dir: Path) -> Iterator[Settings]:
    """Settings naming a database with nothing in it (dropped afterwards on PostgreSQL and MariaDB)."""
    if TEST_DATABASE == "sqlite":
        yield Settings(data_dir=data_dir)
        return
    with server_database("empty") as url:
        yield Settings(data_dir=data_dir, database_url=url)


@contextmanager
def database_at_0001(tmp_path: Path, bodies: list[tuple[str, bool]]) -> Iterator[tuple[Config, Engine]]:
    """A database as migration 0001 left it, for tests of the upgrades after it: user 1 in room 1
    (`general`), and its messages (body, deleted) with ids 1, 2, ..."""
    with empty_database(tmp_path) as settings:
        config = Config(str(BACKEND_DIR / "alembic.ini"))
        config.attributes["settings"] = settings
        command.upgrade(config, "0001")
        engine = create_engine(sync_url_of(settings))
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
