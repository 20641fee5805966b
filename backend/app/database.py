"""Engine and sessions: SQLite (WAL, foreign keys on) by default, PostgreSQL by DATABASE_URL."""

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, event, make_url
from sqlalchemy import create_engine as create_sync_engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from app.config import Settings

# What an unreachable database raises: answered 503 (REST), `unavailable` or 1013 (sockets).
DATABASE_DOWN = (DBAPIError, OSError, ConnectionError, TimeoutError)


def create_engine(settings: Settings) -> AsyncEngine:
    url = settings.async_database_url
    if settings.is_sqlite:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(url, connect_args={"timeout": 30})
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
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


def create_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    # expire_on_commit=False: objects stay readable after the commit that precedes publishing.
    return async_sessionmaker(engine, expire_on_commit=False)


T = TypeVar("T")


class Transactions:
    """Runs a plain function over a Connection in one transaction: the message writer's unit.

    SQLite: on a connection of its own, in a thread of its own, so a whole group commit is one
    hand-off to that thread; through aiosqlite every statement, fetch and commit is one (about
    ten per group, each a thread switch on a busy core). PostgreSQL: on the async engine
    (`run_sync`), where asyncpg needs no thread."""

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
