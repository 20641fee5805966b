"""SQLite: messages are indexed for search after they are stored (app/services/search_indexer.py),
never missed by a search, and never indexed twice or with stale text."""

import asyncio
import sqlite3
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.config import Settings
from app.services import search_indexer
from app.services.search import fts_phrase
from app.services.search_indexer import SearchIndexer
from tests.support.accounts import Account, register
from tests.support.api import search, send_message
from tests.support.database import TEST_DATABASE
from tests.support.servers import LiveServer, ProcessFactory, ServerFactory
from tests.support.statements import recorded_statements

pytestmark = pytest.mark.skipif(TEST_DATABASE != "sqlite", reason="the FTS5 table and its watermark are SQLite's")


def database_file(settings: Settings) -> Path:
    return settings.data_dir / "chat.db"


def query(settings: Settings, sql: str, *parameters: object) -> list[tuple[Any, ...]]:
    """Read straight from the database file, as another process would."""
    connection = sqlite3.connect(database_file(settings), timeout=30)
    try:
        return connection.execute(sql, parameters).fetchall()
    finally:
        connection.close()


def fts_ids(settings: Settings, text: str) -> list[int]:
    """The ids the FTS index itself holds for `text` (no search, so nothing is caught up)."""
    rows = query(settings, "SELECT rowid FROM messages_fts WHERE messages_fts MATCH ? ORDER BY rowid", fts_phrase(text))
    return [int(rowid) for (rowid,) in rows]


def watermark(settings: Settings) -> int:
    return int(query(settings, "SELECT last_indexed_id FROM search_index_state")[0][0])


def index_is_whole(settings: Settings) -> bool:
    """Every message that is not deleted is indexed, once, and nothing else; the index is sound."""
    connection = sqlite3.connect(database_file(settings), timeout=30, isolation_level=None)
    try:  # a command written as an INSERT: the write lock first, or a commit meanwhile fails it
        connection.execute("BEGIN IMMEDIATE")
        connection.execute("INSERT INTO messages_fts(messages_fts) VALUES ('integrity-check')")  # raises if not
        connection.execute("ROLLBACK")
    finally:
        connection.close()
    indexed = query(settings, "SELECT id FROM messages_fts_docsize ORDER BY id")
    expected = query(settings, "SELECT id FROM messages WHERE NOT deleted ORDER BY id")
    newest = query(settings, "SELECT coalesce(max(id), 0) FROM messages")[0][0]
    return indexed == expected and watermark(settings) == newest


async def until(condition: Callable[[], bool], seconds: float = 20) -> None:
    """Poll `condition` until it holds; fail after `seconds` (a bound for a loaded machine, not a
    measurement)."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"not within {seconds} s: {condition}")
        await asyncio.sleep(0.02)


@asynccontextmanager
async def api(server: LiveServer) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=server.url + "/api/v1", timeout=30) as http:
        yield http


def indexer_of(server: LiveServer) -> SearchIndexer:
    indexer = server.context.search_indexer
    assert indexer is not None
    return indexer


async def found(http: httpx.AsyncClient, account: Account, q: str) -> list[str]:
    return [m["body"] for m in (await search(http, account, q))["messages"]]


async def test_a_sent_message_is_indexed_without_anyone_searching(
    server_factory: ServerFactory, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(search_indexer, "IDLE_SECONDS", 3600)  # only the writer's wake-up can index it
    server = await server_factory(settings)
    async with api(server) as http:
        alice = await register(http, "alice")
        sent = await send_message(http, alice, "a needle in the haystack")
        await until(lambda: fts_ids(settings, "needle") == [sent["id"]])
    assert index_is_whole(settings)


async def test_what_was_stored_but_not_indexed_is_indexed_at_start_up(
    server_factory: ServerFactory, settings: Settings
) -> None:
    first = await server_factory(settings)
    await indexer_of(first).pause()  # stored from here on, not indexed: what a crash after the commits leaves
    async with api(first) as http:
        alice = await register(http, "alice")
        ids = [(await send_message(http, alice, f"before the crash {n}"))["id"] for n in range(5)]
    await first.stop()
    assert watermark(settings) < min(ids) and fts_ids(settings, "crash") == []
    await server_factory(settings)
    await until(lambda: index_is_whole(settings))
    assert fts_ids(settings, "crash") == ids


async def test_after_a_kill_everything_stored_is_indexed(process_factory: ProcessFactory, settings: Settings) -> None:
    process = await process_factory(settings).start()
    async with httpx.AsyncClient(base_url=process.url + "/api/v1", timeout=30) as http:
        alice = await register(http, "alice")
        sent = await asyncio.gather(*(send_message(http, alice, f"killed mid-flight {n}") for n in range(60)))
    process.kill()  # SIGKILL right after the last commit was answered: indexing may be half done
    ids = sorted(message["id"] for message in sent)
    await process_factory(settings).start()
    await until(lambda: index_is_whole(settings))
    assert fts_ids(settings, "mid-flight") == ids


async def test_edits_and_deletions_of_pending_and_indexed_messages(
    server: LiveServer, client: httpx.AsyncClient, alice: Account, settings: Settings
) -> None:
    indexer = indexer_of(server)
    await indexer.pause()
    # Pending (above the watermark): the indexer will read whatever text they have then.
    edited = (await send_message(client, alice, "alpha pending one"))["id"]
    deleted = (await send_message(client, alice, "alpha pending two"))["id"]
    assert (await client.patch(f"/messages/{edited}", json={"body": "omega edited"}, headers=alice.headers)).is_success
    assert (await client.delete(f"/messages/{deleted}", headers=alice.headers)).is_success
    assert fts_ids(settings, "alpha") == [] and fts_ids(settings, "omega") == []  # not indexed yet
    assert await found(client, alice, "alpha") == []  # the search indexes them first
    assert await found(client, alice, "omega") == ["omega edited"]
    # Indexed (at or below the watermark): the triggers keep the index in step.
    kept = (await send_message(client, alice, "gamma indexed one"))["id"]
    gone = (await send_message(client, alice, "gamma indexed two"))["id"]
    await indexer.catch_up()
    assert fts_ids(settings, "gamma") == [kept, gone]
    assert (await client.patch(f"/messages/{kept}", json={"body": "delta changed"}, headers=alice.headers)).is_success
    assert (await client.delete(f"/messages/{gone}", headers=alice.headers)).is_success
    assert await found(client, alice, "gamma") == []
    assert await found(client, alice, "delta") == ["delta changed"]
    # No stale text left in the index, and each message in it once.
    assert fts_ids(settings, "alpha") == fts_ids(settings, "gamma") == []
    assert fts_ids(settings, "omega") == [edited] and fts_ids(settings, "delta") == [kept]
    assert index_is_whole(settings)


async def test_the_newest_message_deleted_its_id_comes_back_and_is_indexed(
    server: LiveServer, client: httpx.AsyncClient, alice: Account, settings: Settings
) -> None:
    """SQLite gives a new row the highest id plus one: the id of a deleted newest message is used
    again, and that new message must not pass for indexed."""
    await send_message(client, alice, "older words")
    newest = (await send_message(client, alice, "soon forgotten"))["id"]
    await indexer_of(server).catch_up()
    connection = sqlite3.connect(database_file(settings), timeout=30)
    with connection:  # a hard deletion, as a room's or an account's removal makes
        connection.execute("PRAGMA foreign_keys = ON")
        connection.execute("DELETE FROM messages WHERE id = ?", (newest,))
    connection.close()
    again = (await send_message(client, alice, "brand new words"))["id"]
    assert again == newest
    assert await found(client, alice, "brand new") == ["brand new words"]
    assert await found(client, alice, "forgotten") == []
    assert index_is_whole(settings)


async def test_indexing_goes_in_bounded_batches(
    server: LiveServer, client: httpx.AsyncClient, alice: Account, settings: Settings
) -> None:
    await indexer_of(server).pause()
    ids = [(await send_message(client, alice, f"batched {n}"))["id"] for n in range(5)]
    indexer = SearchIndexer(server.context.engine, asyncio.Event(), batch=2)
    try:
        with recorded_statements() as statements:
            covered = await indexer.catch_up()
    finally:
        await indexer.stop()
    assert covered == 5
    assert len([s for s in statements if s == "begin immediate"]) == 3  # 2 + 2 + 1
    assert fts_ids(settings, "batched") == ids and index_is_whole(settings)


async def test_indexers_of_several_processes_never_index_a_message_twice(
    server: LiveServer, client: httpx.AsyncClient, alice: Account, settings: Settings
) -> None:
    await indexer_of(server).pause()
    for n in range(40):
        await send_message(client, alice, f"raced {n}")
    # Two more indexers, each on a connection of its own, as in two processes sharing the file.
    indexers = [SearchIndexer(server.context.engine, asyncio.Event(), batch=3) for _ in range(2)]
    try:
        covered = await asyncio.gather(*(indexer.catch_up() for indexer in indexers))
    finally:
        for indexer in indexers:
            await indexer.stop()
    assert sum(covered) == 40
    assert index_is_whole(settings)
