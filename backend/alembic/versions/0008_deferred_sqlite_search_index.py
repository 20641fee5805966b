"""SQLite: messages are indexed for search after they are stored, not by an insert trigger

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 18:00:00.000000

The FTS5 trigram insert was about a third of a send's server time. The insert trigger goes;
`search_index_state` (one row, `last_indexed_id`, starting at the newest message: all are
indexed) marks how far the index goes, and app/services/search_indexer.py indexes what is above
it. The update and delete triggers only touch the index at or below the watermark (statements in
app/search_schema.py). PostgreSQL and MariaDB keep their indexes and triggers: nothing changes.
"""

from collections.abc import Sequence

from alembic import op

from app.search_schema import SQLITE_DEFERRED_SEARCH

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# 0002's triggers, as they were: every insert indexed in its own transaction.
SQLITE_TRIGGERS_0002 = [
    """CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages WHEN NOT new.deleted BEGIN
        INSERT INTO messages_fts(rowid, body) VALUES (new.id, new.body);
    END""",
    """CREATE TRIGGER messages_fts_update AFTER UPDATE OF body, deleted ON messages BEGIN
        INSERT INTO messages_fts(messages_fts, rowid, body) SELECT 'delete', old.id, old.body WHERE NOT old.deleted;
        INSERT INTO messages_fts(rowid, body) SELECT new.id, new.body WHERE NOT new.deleted;
    END""",
    """CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages WHEN NOT old.deleted BEGIN
        INSERT INTO messages_fts(messages_fts, rowid, body) VALUES ('delete', old.id, old.body);
    END""",
]


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for statement in SQLITE_DEFERRED_SEARCH:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    # The messages not indexed yet first: from now on the triggers alone keep the index.
    op.execute(
        "INSERT INTO messages_fts(rowid, body) SELECT id, body FROM messages "
        "WHERE id > (SELECT last_indexed_id FROM search_index_state) AND NOT deleted"
    )
    for trigger in ("messages_fts_update", "messages_fts_delete"):
        op.execute(f"DROP TRIGGER {trigger}")
    for statement in SQLITE_TRIGGERS_0002:
        op.execute(statement)
    op.execute("DROP TABLE search_index_state")
