"""Engine and sessions: SQLite (WAL, foreign keys on) by default, PostgreSQL or MariaDB by
DATABASE_URL."""

import asyncio
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, Table, event, insert, make_url
from sqlalchemy import create_engine as create_sync_engine
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.sql.dml import Insert

from app.config import Settings

# What an unreachable database raises: answered 503 (REST), `unavailable` or 1013 (sockets).
DATABASE_DOWN = (DBAPIError, OSError, ConnectionError, TimeoutError)
# SQLAlchemy's names for MariaDB: `mariadb` (the URLs app.config makes), `mysql` (a URL given as
# mysql+asyncmy://... is turned into mariadb+asyncmy://, but other code may name either).
MYSQL_DIALECTS = ("mariadb", "mysql")


def create_engine(settings: Settings) -> AsyncEngine:
    url = settings.async_database_url
    if settings.is_sqlite:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        # The most recently returned connection first: its page cache is the warm one, and the
        # pool's other connections stay idle (and small) unless they are really needed.
        engine = create_async_engine(url, connect_args={"timeout": 30}, pool_use_lifo=True)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    if settings.is_mariadb:
        # READ COMMITTED, as PostgreSQL: InnoDB's default REPEATABLE READ would read a transaction's
        # first snapshot throughout and take gap locks (more deadlocks) that no query here needs.
        engine = create_async_engine(
            url, pool_size=10, max_overflow=20, pool_pre_ping=True, pool_recycle=3600, isolation_level="READ COMMITTED"
        )
        event.listen(engine.sync_engine, "connect", _mariadb_session)
        # asyncmy logs each server note at WARNING: INSERT IGNORE's skipped duplicate, a primary
        # key's name that MariaDB ignores. Strict mode makes every real problem an error instead.
        logging.getLogger("asyncmy").setLevel(logging.ERROR)
        return engine
    return create_async_engine(url, pool_size=10, max_overflow=20, pool_pre_ping=True)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL: readers never block the writer. NORMAL sync is durable in WAL mode except for the
    # last transactions on power loss (a process crash loses nothing).
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def _mariadb_session(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # UTC for NOW() and friends (the app writes its own UTC times); strict: a value that does not
    # fit is an error, never silently cut; a binary collation, so comparisons are exact as on the
    # other databases (the tables are utf8mb4_bin too: migrations/env.py).
    cursor.execute(
        "SET time_zone = '+00:00', sql_mode = 'STRICT_ALL_TABLES,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION', "
        "NAMES utf8mb4 COLLATE utf8mb4_bin"
    )
    cursor.close()


def insert_ignoring_duplicates(dialect: str, table: type[Any] | Table) -> Insert:
    """INSERT that skips a row whose unique key is taken (the result's rowcount says 0).

    MariaDB has no ON CONFLICT: INSERT IGNORE, which also skips (with a warning) a row that fails
    a foreign key (a room deleted meanwhile): "not added", as a duplicate is."""
    if dialect in MYSQL_DIALECTS:
        return insert(table).prefix_with("IGNORE")
    if dialect == "postgresql":
        return pg_insert(table).on_conflict_do_nothing()
    return sqlite_insert(table).on_conflict_do_nothing()


def create_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    # expire_on_commit=False: objects stay readable after the commit that precedes publishing.
    return async_sessionmaker(engine, expire_on_commit=False)


T = TypeVar("T")


class Transactions:
    """Runs a plain function over a Connection in one transaction: the message writer's unit.

    SQLite: on a connection of its own, in a thread of its own, so a whole group commit is one
    hand-off to that thread; through aiosqlite every statement, fetch and commit is one (about
    ten per group, each a thread switch on a busy core). PostgreSQL and MariaDB: on the async
    engine (`run_sync`), where asyncpg and asyncmy need no thread."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._sync: Engine | None = None
        self._thread: ThreadPoolExecutor | None = None
        if engine.dialect.name == "sqlite":
            url = make_url(engine.url).set(drivername="sqlite")
            self._sync = create_sync_engine(url, connect_args={"timeout": 30, "check_same_thread": False})
            event.listen(self._sync, "connect", _sqlite_pragmas)
            self._thread = ThreadPoolExecutor(1, thread_name_prefix="sqlite-writer")

    async def run(self, work: Callable[[Connection], T]) -> T:
        if self._sync is None or self._thread is None:
            async with self._engine.begin() as connection:
                return await connection.run_sync(work)
        return await asyncio.get_running_loop().run_in_executor(self._thread, self._run_here, self._sync, work)

    @staticmethod
    def _run_here(engine: Engine, work: Callable[[Connection], T]) -> T:
        with engine.begin() as connection:
            return work(connection)

    def close(self) -> None:
        if self._thread is not None:
            self._thread.shutdown(wait=True)
        if self._sync is not None:
            self._sync.dispose()
