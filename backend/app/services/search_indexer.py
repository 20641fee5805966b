"""SQLite: puts stored messages into the search index (`messages_fts`) after their group commit,
off the send's path (app/search_schema.py: the watermark `search_index_state.last_indexed_id`).

Each batch is one transaction that takes the write lock first (BEGIN IMMEDIATE), reads the
watermark, indexes the messages above it with their current text (those not deleted) and moves
it: a crash leaves index and watermark in step, and processes sharing the database file never
index a message twice. It runs after group commits (the writer's `committed` event), at
start-up (what a crash left), every second while idle (messages other processes or tools
stored), and before every search (SearchService), so a search never misses a stored message.
Rounds are at least GATHER_SECONDS apart: under load each indexes the messages of many commits."""

import asyncio
import contextlib
import logging
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from sqlalchemy import Connection, event, make_url, text
from sqlalchemy import create_engine as create_sync_engine
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.pool import StaticPool

from app.cancellation import cancel_and_wait

log = logging.getLogger(__name__)

BATCH = 500  # messages per transaction: bounds how long the write lock is held (a few ms)
# Between two batches the lock is free this long: the message writer, which polls for it every
# few milliseconds rather than wait inside SQLite (app/database.py Transactions), gets it then.
BETWEEN_BATCHES_SECONDS = 0.005
IDLE_SECONDS = 1.0  # how often an idle process looks for messages it was not told of
# After a round, messages gather this long before the next: one batch (one transaction, one new
# FTS segment) per interval rather than per group commit, which under load cost the indexer about
# a quarter of the process's CPU. A search catches up first, so it never waits on this.
GATHER_SECONDS = 0.5

_WATERMARK = text("SELECT last_indexed_id FROM search_index_state")
_PENDING = text("SELECT EXISTS (SELECT 1 FROM messages WHERE id > (SELECT last_indexed_id FROM search_index_state))")
_NEXT = text("SELECT max(id), count(*) FROM (SELECT id FROM messages WHERE id > :after ORDER BY id LIMIT :limit)")
_INDEX = text(
    "INSERT INTO messages_fts(rowid, body) "
    "SELECT id, body FROM messages WHERE id > :after AND id <= :last AND NOT deleted"
)
_MOVE = text("UPDATE search_index_state SET last_indexed_id = :last")


def index_batch(connection: Connection, limit: int = BATCH) -> int:
    """Indexes up to `limit` messages above the watermark and moves it past them; how many
    messages it covered (deleted ones too). The caller holds the write lock (BEGIN IMMEDIATE)
    and commits: read and write in one transaction, so no other writer can slip in between."""
    after = connection.execute(_WATERMARK).scalar_one()
    last, count = connection.execute(_NEXT, {"after": after, "limit": limit}).one()
    if not count:
        return 0
    connection.execute(_INDEX, {"after": after, "last": last})
    connection.execute(_MOVE, {"last": last})
    return int(count)


def _driver_autocommit(dbapi_connection: Any, _record: Any) -> None:
    # The driver opens no transaction of its own: each batch says BEGIN IMMEDIATE itself (a
    # deferred one that reads the watermark first could not take the write lock if another
    # process wrote meanwhile).
    dbapi_connection.isolation_level = None
    dbapi_connection.execute("PRAGMA busy_timeout=30000")


class SearchIndexer:
    """The indexing loop of one process, on one connection in a thread of its own."""

    def __init__(self, engine: AsyncEngine, committed: asyncio.Event, batch: int = BATCH) -> None:
        url = make_url(engine.url).set(drivername="sqlite")
        # One connection, always the same: PRAGMA data_version counts the commits of the others.
        self._sync = create_sync_engine(
            url, poolclass=StaticPool, connect_args={"timeout": 30, "check_same_thread": False}
        )
        event.listen(self._sync, "connect", _driver_autocommit)
        self._thread = ThreadPoolExecutor(1, thread_name_prefix="search-indexer")
        self._committed = committed
        self._batch = batch
        self._version: int | None = None  # data_version when nothing was left to index
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="search-indexer")

    async def pause(self) -> None:
        """Stops the loop: messages stay unindexed until `start`, or a search (`catch_up`)."""
        await cancel_and_wait(self._task)
        self._task = None

    async def stop(self) -> None:
        await self.pause()
        self._thread.shutdown(wait=True)  # a batch under way ends (commits) first
        self._sync.dispose()

    async def catch_up(self) -> int:
        """Indexes every message stored before the call; how many it covered."""
        return await asyncio.get_running_loop().run_in_executor(self._thread, self._catch_up)

    async def _run(self) -> None:
        while True:
            self._committed.clear()  # a commit from now on wakes the next round
            try:
                await self.catch_up()
            except Exception as exc:  # the database may be away or locked for long: next round
                log.warning("search indexing failed, will retry: %s", exc)
            await asyncio.sleep(GATHER_SECONDS)
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(IDLE_SECONDS):
                    await self._committed.wait()

    def _catch_up(self) -> int:
        covered = 0
        try:
            with self._sync.connect() as connection:
                version = connection.exec_driver_sql("PRAGMA data_version").scalar_one()
                if version == self._version:
                    return 0  # nobody has committed anything since nothing was pending
                # Read-only first (no lock): most commits since are not messages (reactions, reads).
                while connection.execute(_PENDING).scalar_one():
                    if covered:
                        time.sleep(BETWEEN_BATCHES_SECONDS)  # in the indexer's thread
                    connection.exec_driver_sql("BEGIN IMMEDIATE")
                    count = index_batch(connection, self._batch)
                    connection.commit()
                    covered += count
                # What others commit from here on changes data_version: the next call looks again.
                self._version = version
        except Exception:
            self._version = None
            raise
        return covered
