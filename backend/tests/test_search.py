"""Search: fragments of words in any script, only in the caller's rooms, newest first, indexed."""

from pathlib import Path

import httpx
import pytest
from alembic import command
from sqlalchemy import text

from app.config import Settings
from app.search_schema import create_mariadb_search, drop_mariadb_search
from tests.support.accounts import Account, register
from tests.support.api import create_room, search, send_message
from tests.support.database import TEST_DATABASE, Database, database_at_0001
from tests.support.servers import LiveServer, ServerFactory
from tests.support.statements import recorded_statements


async def new_room_id(client: httpx.AsyncClient, owner: Account, name: str, private: bool = False) -> int:
    return int((await create_room(client, owner, name, private=private))["id"])


async def new_message_id(client: httpx.AsyncClient, account: Account, body: str, room_id: int = 1) -> int:
    return int((await send_message(client, account, body, room_id))["id"])


async def bodies(client: httpx.AsyncClient, account: Account, q: str, **query: object) -> list[str]:
    """The bodies of the messages a search finds, in its order."""
    return [m["body"] for m in (await search(client, account, q, **query))["messages"]]


CORPUS = [
    "It was unbelievable, really",
    "私は東京に住んでいます",
    "Москва — столица России",
    "Crème brûlée for dessert",
    "Ünïcödé everywhere",
    "nothing to see here",
]


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("believ", "It was unbelievable, really"),  # the middle of a word
        ("BELIEV", "It was unbelievable, really"),  # any case
        ("el", "It was unbelievable, really"),  # two characters
        ("東京", "私は東京に住んでいます"),  # Japanese, two characters, in the middle of a sentence
        ("東京に住", "私は東京に住んでいます"),
        ("москв", "Москва — столица России"),  # Cyrillic, any case
        ("СТОЛИЦ", "Москва — столица России"),
        ("brûl", "Crème brûlée for dessert"),  # accented Latin
        ("CRÈME", "Crème brûlée for dessert"),
        ("ïcöd", "Ünïcödé everywhere"),
        ("  believable, re  ", "It was unbelievable, really"),  # trimmed; spaces inside count
    ],
)
async def test_finds_fragments_in_any_script(client: httpx.AsyncClient, alice: Account, q: str, expected: str) -> None:
    for body in CORPUS:
        await new_message_id(client, alice, body)
    assert await bodies(client, alice, q) == [expected]


async def test_accents_count_as_with_ilike(client: httpx.AsyncClient, alice: Account) -> None:
    """Case is ignored, accents are not (MariaDB's index folds both: its candidates are checked)."""
    await new_message_id(client, alice, "Crème brûlée")
    await new_message_id(client, alice, "creme brulee")
    assert await bodies(client, alice, "CRÈME") == ["Crème brûlée"]
    assert await bodies(client, alice, "creme") == ["creme brulee"]
    assert await bodies(client, alice, "ûl") == ["Crème brûlée"]


async def test_two_character_queries_work_in_the_middle_of_words(client: httpx.AsyncClient, alice: Account) -> None:
    await new_message_id(client, alice, "xyzzy")
    await new_message_id(client, alice, "abc")
    assert await bodies(client, alice, "yz") == ["xyzzy"]
    assert await bodies(client, alice, "bc") == ["abc"]


async def test_never_finds_messages_of_rooms_the_caller_is_not_in(
    client: httpx.AsyncClient, alice: Account, bob: Account
) -> None:
    public = await new_room_id(client, alice, "public")
    secret = await new_room_id(client, alice, "secret", private=True)
    await new_message_id(client, alice, "needle in public", public)
    await new_message_id(client, alice, "needle in secret", secret)
    await new_message_id(client, alice, "needle in general")
    for q in ("needle", "ne"):
        assert await bodies(client, bob, q) == ["needle in general"]
        assert sorted(await bodies(client, alice, q)) == ["needle in general", "needle in public", "needle in secret"]
    # ... not even when asking for that room by id.
    for room in (public, secret, 987654):
        response = await client.get("/chat/search", params={"q": "needle", "room_id": room}, headers=bob.headers)
        assert response.status_code == 404
    await client.post(f"/rooms/{public}/leave", headers=alice.headers)
    assert "needle in public" not in await bodies(client, alice, "needle")


async def test_room_id_narrows_the_search(client: httpx.AsyncClient, alice: Account) -> None:
    other = await new_room_id(client, alice, "other")
    await new_message_id(client, alice, "needle here", other)
    await new_message_id(client, alice, "needle there")
    assert await bodies(client, alice, "needle", room_id=other) == ["needle here"]
    assert await bodies(client, alice, "ne", room_id=1) == ["needle there"]


async def test_deleted_messages_are_not_found_and_edits_are_found_by_their_new_text(
    client: httpx.AsyncClient, alice: Account
) -> None:
    gone = await new_message_id(client, alice, "secret plans")
    changed = await new_message_id(client, alice, "old wording")
    assert (await client.delete(f"/messages/{gone}", headers=alice.headers)).status_code == 204
    await client.patch(f"/messages/{changed}", json={"body": "new phrasing"}, headers=alice.headers)
    assert await bodies(client, alice, "secret") == []
    assert await bodies(client, alice, "pl") == []
    assert await bodies(client, alice, "old wording") == []
    assert await bodies(client, alice, "phras") == ["new phrasing"]
    assert await bodies(client, alice, "ph") == ["new phrasing"]


async def test_newest_first_with_pages(client: httpx.AsyncClient, alice: Account) -> None:
    ids = [await new_message_id(client, alice, f"match {i}") for i in range(5)]
    await new_message_id(client, alice, "no")
    first = await search(client, alice, "match", limit=2)
    assert [m["id"] for m in first["messages"]] == [ids[4], ids[3]] and first["has_more"] is True
    second = await search(client, alice, "match", limit=2, before=ids[3])
    assert [m["id"] for m in second["messages"]] == [ids[2], ids[1]] and second["has_more"] is True
    last = await search(client, alice, "match", limit=2, before=ids[1])
    assert [m["id"] for m in last["messages"]] == [ids[0]] and last["has_more"] is False
    short = await search(client, alice, "ma", limit=3)  # the two-character path pages the same way
    assert [m["id"] for m in short["messages"]] == [ids[4], ids[3], ids[2]] and short["has_more"] is True


@pytest.mark.parametrize(
    ("q", "found"),
    [
        ("100%", ["100% sure"]),
        ("%", ["100% sure"]),
        ("a_b", ["a_b"]),
        ("_", ["a_b"]),
        ("\\", ["back\\slash"]),
        ('"quoted"', ['say "quoted" now']),
        ('"', ['say "quoted" now']),
        ("NEAR(a b)", []),
        ("x AND y", ["x and y"]),  # the words, not an operator
        ("sure*", []),
        ("-- ;", []),
    ],
)
async def test_user_text_is_never_syntax(client: httpx.AsyncClient, alice: Account, q: str, found: list[str]) -> None:
    for body in ("100% sure", "1000 sure", "a_b", "axb", "back\\slash", 'say "quoted" now', "x and y"):
        await new_message_id(client, alice, body)
    if len(q.strip()) < 2:
        assert (await client.get("/chat/search", params={"q": q}, headers=alice.headers)).status_code == 422
        return
    assert await bodies(client, alice, q) == found


@pytest.mark.parametrize("q", ["", "a", "  a  ", " ", "x" * 201, "a\x00b"])
async def test_queries_under_two_characters_or_too_long_are_422(
    client: httpx.AsyncClient, alice: Account, q: str
) -> None:
    assert (await client.get("/chat/search", params={"q": q}, headers=alice.headers)).status_code == 422


@pytest.mark.parametrize("query", [{}, {"q": "ok", "limit": 0}, {"q": "ok", "limit": 201}, {"q": "ok", "before": -1}])
async def test_bad_search_parameters_are_422(
    client: httpx.AsyncClient, alice: Account, query: dict[str, object]
) -> None:
    assert (await client.get("/chat/search", params=query, headers=alice.headers)).status_code == 422


async def test_search_needs_a_token(client: httpx.AsyncClient) -> None:
    assert (await client.get("/chat/search", params={"q": "hello"})).status_code == 401


async def test_a_deleted_room_leaves_nothing_behind_in_the_index(
    client: httpx.AsyncClient, alice: Account, admin: Account
) -> None:
    room = await new_room_id(client, alice, "doomed")
    await new_message_id(client, alice, "ephemeral words", room)
    await client.delete(f"/admin/rooms/{room}", headers=admin.headers)
    await new_message_id(client, alice, "a later message")  # may reuse a freed id on SQLite
    assert await bodies(client, alice, "ephemeral") == []
    assert await bodies(client, alice, "later") == ["a later message"]


async def test_the_search_is_served_by_the_index(server: LiveServer, client: httpx.AsyncClient, alice: Account) -> None:
    """The plan names the FTS5 table (SQLite), the trigram index (PostgreSQL, with sequential
    scans discouraged: on a handful of rows the planner would rightly prefer one) or the Mroonga
    table's full-text index (MariaDB)."""
    await new_message_id(client, alice, "something to find")
    context = server.context
    assert await bodies(client, alice, "thing") == ["something to find"]  # MariaDB: looks for the Mroonga table
    query = context.search.query(alice.id, "thing", None, None).limit(51)
    async with context.engine.connect() as connection:
        compiled = query.compile(connection.engine, compile_kwargs={"literal_binds": True})
        if TEST_DATABASE == "sqlite":
            plan = " ".join(str(row[-1]) for row in await connection.execute(text(f"EXPLAIN QUERY PLAN {compiled}")))
            assert "VIRTUAL TABLE INDEX" in plan and "messages_fts" in plan, plan
        elif TEST_DATABASE == "mariadb":
            rows = (await connection.execute(text(f"EXPLAIN {compiled}"))).mappings().all()
            fts = [row for row in rows if row["table"] == "messages_fts"]
            assert [(row["type"], row["key"]) for row in fts] == [("fulltext", "ix_messages_fts_body")], rows
        else:
            await connection.execute(text("SET LOCAL enable_seqscan = off"))
            plan = " ".join(str(row[0]) for row in await connection.execute(text(f"EXPLAIN {compiled}")))
            assert "ix_messages_body_trgm" in plan, plan


async def test_a_search_is_two_queries_whatever_it_finds(
    server: LiveServer, client: httpx.AsyncClient, alice: Account
) -> None:
    for number in range(20):
        await new_message_id(client, alice, f"hit number {number}")
    if server.context.search_indexer is not None:  # SQLite: a search indexes what is pending first
        await server.context.search_indexer.catch_up()
    with recorded_statements() as statements:
        found = await search(client, alice, "hit")
    assert len(found["messages"]) == 20
    searched = [s for s in statements if "from messages" in s]
    assert len(searched) == 1 and len([s for s in statements if "from reactions" in s]) == 1


@pytest.mark.skipif(TEST_DATABASE != "sqlite", reason="the FTS5 table is SQLite's")
async def test_the_fts_index_stays_consistent(server: LiveServer, client: httpx.AsyncClient, alice: Account) -> None:
    ids = [await new_message_id(client, alice, f"text {i}") for i in range(5)]
    await client.patch(f"/messages/{ids[0]}", json={"body": "changed"}, headers=alice.headers)
    await client.delete(f"/messages/{ids[1]}", headers=alice.headers)
    assert server.context.search_indexer is not None
    await server.context.search_indexer.catch_up()  # indexed after the commit (search_indexer.py)
    async with server.context.engine.connect() as connection:
        await connection.execute(text("INSERT INTO messages_fts(messages_fts) VALUES ('integrity-check')"))
        indexed = (await connection.execute(text("SELECT count(*) FROM messages_fts_docsize"))).scalar()
    assert indexed == 4  # every message but the deleted one


def test_upgrading_indexes_the_messages_already_there(tmp_path: Path) -> None:
    with database_at_0001(tmp_path, [("kept message", False), ("", True), ("other text", False)]) as (config, engine):
        command.upgrade(config, "head")
        with engine.connect() as connection:
            if TEST_DATABASE == "sqlite":
                found = connection.execute(
                    text("SELECT rowid FROM messages_fts WHERE messages_fts MATCH '\"ept mes\"'")
                ).all()
                indexed = connection.execute(text("SELECT count(*) FROM messages_fts_docsize")).scalar()
                assert (found, indexed) == ([(1,)], 2)
            elif TEST_DATABASE == "mariadb":
                found = connection.execute(
                    text(
                        "SELECT message_id FROM messages_fts WHERE MATCH (body) AGAINST ('\"ept mes\"' IN BOOLEAN MODE)"
                    )
                ).all()
                indexed = connection.execute(text("SELECT count(*) FROM messages_fts")).scalar()
                assert (found, indexed) == ([(1,)], 2)
            else:
                index = connection.execute(
                    text("SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_messages_body_trgm'")
                ).scalar()
                assert index is not None and "gin_trgm_ops" in index


async def indexed_in_mroonga(server: LiveServer) -> dict[int, str]:
    """MariaDB: the Mroonga table's rows, message id -> text."""
    async with server.context.engine.connect() as connection:
        rows = await connection.execute(text("SELECT message_id, body FROM messages_fts"))
        return {message_id: body for message_id, body in rows}


@pytest.mark.skipif(TEST_DATABASE != "mariadb", reason="the Mroonga table is MariaDB's")
async def test_the_mroonga_table_holds_exactly_the_text_of_the_messages_not_deleted(
    server: LiveServer, client: httpx.AsyncClient, alice: Account, admin: Account
) -> None:
    ids = [await new_message_id(client, alice, f"text {i}") for i in range(3)]
    doomed = await new_room_id(client, alice, "doomed")
    gone_with_room = await new_message_id(client, alice, "in a room about to go", doomed)
    assert await indexed_in_mroonga(server) == {
        ids[0]: "text 0",
        ids[1]: "text 1",
        ids[2]: "text 2",
        gone_with_room: "in a room about to go",
    }
    await client.patch(f"/messages/{ids[0]}", json={"body": "changed"}, headers=alice.headers)
    await client.delete(f"/messages/{ids[1]}", headers=alice.headers)
    await client.delete(f"/admin/rooms/{doomed}", headers=admin.headers)  # its messages go by cascade
    assert await indexed_in_mroonga(server) == {ids[0]: "changed", ids[2]: "text 2"}


@pytest.mark.skipif(TEST_DATABASE != "mariadb", reason="MariaDB's search without Mroonga")
async def test_without_mroonga_the_search_scans_and_finds_the_same(
    server_factory: ServerFactory, settings: Settings, database: Database
) -> None:
    """A server whose database has no Mroonga table (the engine was not enabled when it was
    migrated) searches with LIKE alone, with the same results."""
    assert database.sync_engine is not None
    with database.sync_engine.begin() as connection:
        drop_mariadb_search(connection)
    try:
        server = await server_factory(settings)
        async with httpx.AsyncClient(base_url=server.url + "/api/v1", timeout=30) as client:
            alice = await register(client, "alice")
            for body in CORPUS:
                await new_message_id(client, alice, body)
            for q, expected in [
                ("believ", CORPUS[0]),
                ("東京", CORPUS[1]),
                ("СТОЛИЦ", CORPUS[2]),
                ("CRÈME", CORPUS[3]),
            ]:
                assert await bodies(client, alice, q) == [expected], q
            assert await bodies(client, alice, "creme") == []  # accents count, as with ILIKE
            assert await bodies(client, alice, "100%") == []
        assert server.context.search.mroonga is False
    finally:
        with database.sync_engine.begin() as connection:
            assert create_mariadb_search(connection)
