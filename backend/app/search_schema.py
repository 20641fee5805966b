"""Database objects the migrations create by hand because the models cannot describe them: the
SQLite full-text table (FTS5, trigram tokenizer) with its triggers, PostgreSQL's trigram index
(pg_trgm, GIN), and MariaDB's full-text table (Mroonga, bigrams) with its triggers. Autogenerate
(`alembic check`) is told to leave them alone.

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
