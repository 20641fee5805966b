"""Engine and sessions: SQLite (WAL, foreign keys on) by default, PostgreSQL or MariaDB by
DATABASE_URL."""

import asyncio
import logging
import sqlite3
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, Table, event, insert, make_url
from sqlalchemy import create_engine as create_sync_engine
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.sql.dml import Insert

from app.config import Settings

log = logging.getLogger(__name__)

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

    SQLite: on the event loop's own thread, on a connection that never waits for the write lock
    inside SQLite (busy_timeout 0): a group commit is a few index lookups and appends to the WAL
    (no fsync with synchronous=NORMAL), cheaper than the two thread switches of handing it to a
    thread. When the lock is taken (the search indexer's batch, a REST write, another process),
    the group is rolled back and tried again after a short asyncio sleep (LOCK_POLL_SECONDS, for
    up to LOCK_WAIT_SECONDS), so the loop serves everyone else meanwhile; SQLite's own busy
    handler would block the thread, and sleeps up to 100 ms past the lock's release. A thread
    writes the WAL back into the database file (a checkpoint, which does fsync) before a group, at
    most every CHECKPOINT_SECONDS; the loop's connection never checkpoints. PostgreSQL and
    MariaDB: on the async engine (`run_sync`), where asyncpg and asyncmy need no thread."""

    CHECKPOINT_SECONDS = 1.0
    LOCK_POLL_SECONDS = (0.0005, 0.001, 0.002)  # then the last, again and again
    LOCK_WAIT_SECONDS = 30.0  # as the other connections' busy_timeout

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._on_loop: Engine | None = None
        self._connection: Connection | None = None  # the loop's, kept: no pool check-out per group
        self._checkpoints: Engine | None = None
        self._thread: ThreadPoolExecutor | None = None
        self._checkpointed_at = 0.0
        if engine.dialect.name == "sqlite":
            url = make_url(engine.url).set(drivername="sqlite")
            self._on_loop = create_sync_engine(url, connect_args={"check_same_thread": False})
            event.listen(self._on_loop, "connect", _sqlite_pragmas)
            event.listen(self._on_loop, "connect", _never_wait_nor_checkpoint)
            self._checkpoints = create_sync_engine(url, connect_args={"timeout": 30, "check_same_thread": False})
            event.listen(self._checkpoints, "connect", _sqlite_pragmas)
            self._thread = ThreadPoolExecutor(1, thread_name_prefix="sqlite-checkpoint")

    async def run(self, work: Callable[[Connection], T]) -> T:
        if self._on_loop is None:
            async with self._engine.begin() as connection:
                return await connection.run_sync(work)
        loop = asyncio.get_running_loop()
        if loop.time() - self._checkpointed_at >= self.CHECKPOINT_SECONDS:
            await self._write_back(loop)
        deadline = loop.time() + self.LOCK_WAIT_SECONDS
        polls = iter(self.LOCK_POLL_SECONDS)
        while True:
            kept = self._loop_connection(self._on_loop)
            try:
                with kept.begin():
                    return work(kept)
            except OperationalError as exc:  # rolled back: the whole group again
                if not _is_busy(exc) or loop.time() > deadline:
                    raise
            await asyncio.sleep(next(polls, self.LOCK_POLL_SECONDS[-1]))

    def _loop_connection(self, engine: Engine) -> Connection:
        if self._connection is None or self._connection.invalidated:
            self._connection = engine.connect()
        return self._connection

    async def _write_back(self, loop: asyncio.AbstractEventLoop) -> None:
        """Between two groups, never beside one: a checkpoint only restarts the WAL (instead of
        letting it grow) when it has copied every frame before the next write begins."""
        self._checkpointed_at = loop.time()
        try:
            await loop.run_in_executor(self._thread, self._checkpoint)
        except DATABASE_DOWN as exc:
            log.warning("WAL checkpoint failed, will retry: %s", exc)

    def _checkpoint(self) -> None:
        assert self._checkpoints is not None
        with self._checkpoints.connect() as connection:
            # PASSIVE: copies what no reader still needs, and never waits for (or blocks) anyone.
            connection.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)")

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
        if self._thread is not None:
            self._thread.shutdown(wait=True)
        for engine in (self._on_loop, self._checkpoints):
            if engine is not None:
                engine.dispose()


def _never_wait_nor_checkpoint(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.execute("PRAGMA busy_timeout=0")
    dbapi_connection.execute("PRAGMA wal_autocheckpoint=0")


def _is_busy(exc: OperationalError) -> bool:
    """SQLITE_BUSY and its extended codes (BUSY_SNAPSHOT, BUSY_RECOVERY): another connection
    holds the lock, or committed since this transaction's snapshot was taken."""
    code = getattr(exc.orig, "sqlite_errorcode", None)
    return code is not None and code & 0xFF == sqlite3.SQLITE_BUSY
