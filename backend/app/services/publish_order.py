"""Keeps messages in id order across server processes.

Within one process the message writer is the only writer, so commit order is id order is
publish order. With several processes (Redis broker), process A could commit id 10, then
process B commit id 11 and publish it before A publishes 10. A publish lock, held from before
the insert until after the publish, makes messages reach Redis in id order."""

import asyncio
import contextlib
import fcntl
import os
from collections.abc import AsyncIterator, Iterable
from pathlib import Path
from typing import Protocol

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from app.database import MYSQL_DIALECTS


class PublishOrder(Protocol):
    def hold(self, room_ids: Iterable[int]) -> contextlib.AbstractAsyncContextManager[None]: ...


class SingleProcessOrder:
    """One process, one writer task: nothing to coordinate."""

    @contextlib.asynccontextmanager
    async def hold(self, room_ids: Iterable[int]) -> AsyncIterator[None]:
        yield


class DatabasePublishLock:
    """One session-level named lock for every writing process, on a connection of its own:
    PostgreSQL's advisory lock, MariaDB's GET_LOCK. Both belong to the connection, not to a
    transaction, so they stay held across the group's commit until released.

    One for all rooms, not one per room: message ids are global, and a `/ws` client resumes from
    the newest id it saw in any room. With a lock per room, two processes writing two rooms could
    commit (and publish) 11 before 10, and a client that saw 11 would never be replayed 10. Each
    process's writer already stores a whole group of messages per hold, so the lock is taken once
    per group, not once per message."""

    NAMESPACE = 0x43484154  # "CHAT": keeps this lock apart from any other use of advisory locks
    KEY = 1
    # MariaDB's locks are named, per server (not per database): the database's name is part of it,
    # so two deployments sharing one server do not wait for each other.
    MARIADB_NAME = "chat.publish_order."
    MARIADB_WAIT = 60  # seconds

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._is_mariadb = engine.dialect.name in MYSQL_DIALECTS
        if self._is_mariadb:
            name = {"name": (self.MARIADB_NAME + (engine.url.database or ""))[:64]}  # 64: MariaDB's limit
            # A group commit holds it for milliseconds, and the server frees the lock of a
            # connection that dies; a minute's wait means something is stuck: those sends are then
            # refused (0: timed out), never stored unlocked. MariaDB takes no "forever" (-1 is NULL).
            self._take = text("SELECT GET_LOCK(:name, :seconds)").bindparams(**name, seconds=self.MARIADB_WAIT)
            self._release = text("SELECT RELEASE_LOCK(:name)").bindparams(**name)
        else:
            keys = {"ns": self.NAMESPACE, "key": self.KEY}
            self._take = text("SELECT pg_advisory_lock(:ns, :key)").bindparams(**keys)
            self._release = text("SELECT pg_advisory_unlock_all()")

    @contextlib.asynccontextmanager
    async def hold(self, room_ids: Iterable[int]) -> AsyncIterator[None]:
        async with self._engine.connect() as connection:
            taken = await connection.scalar(self._take)
            if self._is_mariadb and taken != 1:
                raise RuntimeError(f"GET_LOCK answered {taken!r}: the publish lock was not taken")
            await connection.commit()
            try:
                yield
            finally:
                await connection.execute(self._release)
                await connection.commit()


class SQLiteFileLock:
    """SQLite has one writer at a time anyway: one lock file beside the database."""

    def __init__(self, data_dir: Path) -> None:
        data_dir.mkdir(parents=True, exist_ok=True)
        self._path = data_dir / "publish.lock"
        self._local = asyncio.Lock()  # the file lock is per process; this orders this process's groups

    @contextlib.asynccontextmanager
    async def hold(self, room_ids: Iterable[int]) -> AsyncIterator[None]:
        async with self._local:
            fd = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o600)
            try:
                await asyncio.to_thread(fcntl.flock, fd, fcntl.LOCK_EX)
                yield
            finally:
                os.close(fd)  # closing releases the lock
