"""Database objects the migrations create by hand because the models cannot describe them: the
SQLite full-text table (FTS5, trigram tokenizer) with its triggers and its watermark table,
PostgreSQL's trigram index (pg_trgm, GIN), and MariaDB's full-text table (Mroonga, bigrams) with
its triggers. Autogenerate (`alembic check`) is told to leave them alone.

SQLite (migration 0008): a message enters `messages_fts` after it is stored, not in the send's
transaction (the trigram insert was a third of a send's server time). `search_index_state` holds
one row, `last_indexed_id`: every message up to it is indexed (unless deleted), none above it is.
app/services/search_indexer.py indexes the messages above it, oldest first, in transactions that
move it; search catches up first, so it never misses a stored message. The update and delete
triggers touch the index only for the messages at or below the watermark; one above it is indexed
later with whatever text it has then (or not at all once deleted).

MariaDB: InnoDB has no index for substrings of any script, so where the Mroonga engine is
enabled the message text is copied into `messages_fts`, a Mroonga table (messages stay in InnoDB,
with their foreign keys and transactions) whose FULLTEXT index holds bigrams of every run of
letters, digits and symbols, normalized as MariaDB's utf8mb4_unicode_ci compares (case and
accents folded): a phrase query finds any fragment of two characters or more, in any script.
Triggers keep it in step, as on SQLite. Mroonga is not transactional: a row written by a
statement or transaction that is then rolled back stays in it. Search only uses it to find
candidates, and checks each against `messages` (app/services/search.py), so such a row never
shows; the one visible effect is that an edit rolled back leaves the message findable by its
words only until it is edited again. Without Mroonga, search is a scan (see search.py).

`python -m app.search_schema` adds the Mroonga table to a MariaDB database migrated before
Mroonga was enabled (DATABASE_URL as for the app)."""

import asyncio

from sqlalchemy import Connection, text

FTS_TABLE = "messages_fts"  # SQLite: external-content FTS5 over messages.body, by message id; MariaDB: Mroonga
TRIGRAM_INDEX = "ix_messages_body_trgm"  # PostgreSQL: GIN (body gin_trgm_ops) serving ILIKE '%q%'
INDEX_STATE_TABLE = "search_index_state"  # SQLite: the watermark of messages_fts, one row

# Migration 0008: the insert trigger goes; these replace the update and delete triggers of 0002.
SQLITE_DEFERRED_SEARCH = [
    "DROP TRIGGER messages_fts_insert",
    "DROP TRIGGER messages_fts_update",
    "DROP TRIGGER messages_fts_delete",
    "CREATE TABLE search_index_state (last_indexed_id INTEGER NOT NULL)",
    # Every message there is was indexed by 0002's insert trigger.
    "INSERT INTO search_index_state (last_indexed_id) SELECT coalesce(max(id), 0) FROM messages",
    # External content: the index must be told the exact old text to forget it. A message above
    # the watermark is not in the index yet: nothing to forget, and the indexer reads its new text.
    """CREATE TRIGGER messages_fts_update AFTER UPDATE OF body, deleted ON messages
        WHEN old.id <= (SELECT last_indexed_id FROM search_index_state) BEGIN
        INSERT INTO messages_fts(messages_fts, rowid, body) SELECT 'delete', old.id, old.body WHERE NOT old.deleted;
        INSERT INTO messages_fts(rowid, body) SELECT new.id, new.body WHERE NOT new.deleted;
    END""",
    # SQLite gives a new row the highest id there is plus one (no AUTOINCREMENT), so the id of the
    # newest message, deleted, comes back: the watermark steps down to the highest id left below
    # it, or that new message would count as indexed.
    """CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages
        WHEN old.id <= (SELECT last_indexed_id FROM search_index_state) BEGIN
        INSERT INTO messages_fts(messages_fts, rowid, body) SELECT 'delete', old.id, old.body WHERE NOT old.deleted;
        UPDATE search_index_state SET last_indexed_id = (SELECT coalesce(max(id), 0) FROM messages WHERE id < old.id)
            WHERE last_indexed_id = old.id;
    END""",
]

# Bigrams of letters, digits and symbols alike (plain TokenBigram keeps a run of ASCII letters
# whole, so the middle of a word would not be found); NormalizerMySQLUnicodeCI folds case and
# accents of every script (NormalizerAuto, in the Groonga of MariaDB 10.11, leaves Cyrillic's case).
MARIADB_FULLTEXT = 'tokenizer "TokenBigramSplitSymbolAlphaDigit", normalizer "NormalizerMySQLUnicodeCI"'

MARIADB_SEARCH = [
    f"""CREATE TABLE messages_fts (
        message_id BIGINT NOT NULL PRIMARY KEY,
        body LONGTEXT NOT NULL,
        FULLTEXT INDEX ix_messages_fts_body (body) COMMENT '{MARIADB_FULLTEXT}'
    ) ENGINE=Mroonga DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin""",
    "INSERT INTO messages_fts (message_id, body) SELECT id, body FROM messages WHERE NOT deleted",
    # Only messages that are not deleted are indexed. REPLACE: an id left behind by a rolled-back
    # insert is overwritten, not a duplicate-key error.
    """CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages FOR EACH ROW
        IF NOT NEW.deleted THEN
            REPLACE INTO messages_fts (message_id, body) VALUES (NEW.id, NEW.body);
        END IF""",
    """CREATE TRIGGER messages_fts_update AFTER UPDATE ON messages FOR EACH ROW
        IF NEW.deleted THEN
            DELETE FROM messages_fts WHERE message_id = OLD.id;
        ELSEIF OLD.deleted OR NOT (NEW.body <=> OLD.body) THEN
            REPLACE INTO messages_fts (message_id, body) VALUES (NEW.id, NEW.body);
        END IF""",
    """CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages FOR EACH ROW
        DELETE FROM messages_fts WHERE message_id = OLD.id""",
    # Triggers do not fire for rows a foreign key's ON DELETE CASCADE removes: the messages of a
    # deleted room (or user) are forgotten before they go.
    """CREATE TRIGGER messages_fts_room_delete BEFORE DELETE ON rooms FOR EACH ROW
        DELETE messages_fts FROM messages_fts JOIN messages ON messages.id = messages_fts.message_id
        WHERE messages.room_id = OLD.id""",
    """CREATE TRIGGER messages_fts_user_delete BEFORE DELETE ON users FOR EACH ROW
        DELETE messages_fts FROM messages_fts JOIN messages ON messages.id = messages_fts.message_id
        WHERE messages.sender_id = OLD.id""",
]
MARIADB_TRIGGERS = [
    "messages_fts_insert",
    "messages_fts_update",
    "messages_fts_delete",
    "messages_fts_room_delete",
    "messages_fts_user_delete",
]


def include_name(name: str | None, type_: str, parent_names: object) -> bool:
    """Alembic's `include_name` hook: skip what the models do not declare on purpose."""
    if type_ == "table" and name is not None and (name == FTS_TABLE or name.startswith(FTS_TABLE + "_")):
        return False  # the full-text table, and FTS5's shadow tables (_data, _idx, _docsize, _config)
    if type_ == "table" and name == INDEX_STATE_TABLE:
        return False
    return not (type_ == "index" and name == TRIGRAM_INDEX)


def mroonga_enabled(connection: Connection) -> bool:
    """Whether this MariaDB server has the Mroonga engine (Debian: mariadb-plugin-mroonga, then
    INSTALL SONAME 'ha_mroonga')."""
    support = connection.execute(
        text("SELECT support FROM information_schema.engines WHERE engine = 'Mroonga'")
    ).scalar()
    return support in ("YES", "DEFAULT")


def has_fts_table(connection: Connection) -> bool:
    """Whether this MariaDB database has the Mroonga table (search uses it, else scans)."""
    found = connection.execute(
        text("SELECT count(*) FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = :name"),
        {"name": FTS_TABLE},
    ).scalar()
    return bool(found)


def create_mariadb_search(connection: Connection) -> bool:
    """The Mroonga table, filled, and its triggers, if the server has Mroonga and they are not
    there yet. True: the database has them now."""
    if has_fts_table(connection):
        return True
    if not mroonga_enabled(connection):
        return False
    for statement in MARIADB_SEARCH:
        connection.execute(text(statement))
    return True


def drop_mariadb_search(connection: Connection) -> None:
    for trigger in MARIADB_TRIGGERS:
        connection.execute(text(f"DROP TRIGGER IF EXISTS {trigger}"))
    connection.execute(text(f"DROP TABLE IF EXISTS {FTS_TABLE}"))


async def _add_to_configured_database() -> None:
    from app.config import get_settings
    from app.database import MYSQL_DIALECTS, create_engine

    engine = create_engine(get_settings())
    try:
        if engine.dialect.name not in MYSQL_DIALECTS:
            raise SystemExit("DATABASE_URL does not name a MariaDB database")
        async with engine.begin() as connection:
            created = await connection.run_sync(create_mariadb_search)
        if not created:
            raise SystemExit("this MariaDB server has no Mroonga engine: search stays a scan")
        print(f"{FTS_TABLE}: ready")
    finally:
        await engine.dispose()


if __name__ == "__main__":
    asyncio.run(_add_to_configured_database())
