"""SQLite: the message writer's transactions run on the event loop's thread, and wait for a write
lock another connection holds without blocking the loop; the loop's connection never checkpoints, a
thread does, between groups (app/database.py Transactions)."""

import asyncio
import sqlite3
import threading
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import Connection, text
from sqlalchemy.exc import OperationalError

from app.database import Transactions, create_engine
from tests.support.database import TEST_DATABASE
from tests.support.servers import server_settings

pytestmark = pytest.mark.skipif(TEST_DATABASE != "sqlite", reason="SQLite's write lock and WAL")


@pytest.fixture
async def transactions(tmp_path: Path) -> AsyncIterator[Transactions]:
    engine = create_engine(server_settings(tmp_path))
    async with engine.begin() as connection:
        await connection.execute(text("CREATE TABLE notes (id INTEGER PRIMARY KEY, body BLOB)"))
    runs = Transactions(engine)
    yield runs
    runs.close()
    await engine.dispose()


@pytest.fixture
def database(tmp_path: Path) -> Path:
    """The file `transactions` writes (server_settings: the data folder's chat.db)."""
    return tmp_path / "chat.db"


class NoteAdded:
    """A unit of work that stores one note and remembers the thread it ran on."""

    def __init__(self, body: bytes) -> None:
        self.body = body
        self.thread: int | None = None
        self.attempts = 0

    def __call__(self, connection: Connection) -> int:
        self.thread = threading.get_ident()
        self.attempts += 1
        return int(
            connection.execute(text("INSERT INTO notes (body) VALUES (:b) RETURNING id"), {"b": self.body}).scalar_one()
        )


def notes(database: Path) -> int:
    with sqlite3.connect(database) as reader:
        return int(reader.execute("SELECT count(*) FROM notes").fetchone()[0])


async def test_a_group_runs_on_the_loops_thread(transactions: Transactions, database: Path) -> None:
    work = NoteAdded(b"hello")
    assert await transactions.run(work) == 1
    assert work.thread == threading.get_ident()
    assert notes(database) == 1


async def test_a_group_waits_for_a_held_lock_while_the_loop_goes_on(transactions: Transactions, database: Path) -> None:
    holder = sqlite3.connect(database, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another connection (a REST write, another process) writes
    work = NoteAdded(b"waits")
    run = asyncio.create_task(transactions.run(work))
    # The loop is not blocked: this coroutine goes on while the group, tried, waits for the lock.
    while work.attempts < 3:
        await asyncio.sleep(0.01)
    assert not run.done()
    assert notes(database) == 0
    holder.execute("COMMIT")
    holder.close()
    assert await run == 1
    assert work.thread == threading.get_ident()
    assert notes(database) == 1


async def test_a_lock_held_too_long_fails_the_group(
    transactions: Transactions, database: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(Transactions, "LOCK_WAIT_SECONDS", 0.05)
    holder = sqlite3.connect(database, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(OperationalError, match="locked"):
            await transactions.run(NoteAdded(b"never"))
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert notes(database) == 0


async def test_the_wal_is_written_back_by_a_thread_between_groups(
    transactions: Transactions, database: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The loop's connection never checkpoints (wal_autocheckpoint 0): without the writer's own
    checkpoints, or with checkpoints running beside the writes (never done with the newest
    frames), the WAL would hold everything ever written. 40 MB go through it here."""
    monkeypatch.setattr(Transactions, "CHECKPOINT_SECONDS", 0.0)
    wal = database.with_name("chat.db-wal")
    largest = 0
    for _ in range(2000):
        await transactions.run(NoteAdded(b"x" * 20_000))
        await asyncio.sleep(0)  # the checkpoint's thread gets its turn (a real writer awaits its sockets)
        largest = max(largest, wal.stat().st_size)
    assert notes(database) == 2000
    assert largest < 10_000_000
