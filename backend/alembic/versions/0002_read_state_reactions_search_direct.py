"""read markers, reactions, direct rooms; message search (SQLite FTS5 trigram, PostgreSQL pg_trgm)

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 10:00:00.000000

The search objects are written by hand (the models cannot describe them; app/search_schema.py
tells autogenerate to skip them):
- SQLite: `messages_fts`, an external-content FTS5 table with the trigram tokenizer over
  messages.body, rowid = message id, holding only messages that are not deleted. Triggers keep
  it in step with every insert, edit, soft deletion and hard deletion (a room's cascade).
- PostgreSQL: the pg_trgm extension and a GIN index on messages.body (gin_trgm_ops), which
  serves `body ILIKE '%q%'`.
- MariaDB: where the server has the Mroonga engine, `messages_fts`, a Mroonga table of the text
  of the messages that are not deleted, and triggers (app/search_schema.py); else nothing (search
  scans).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from app.search_schema import create_mariadb_search, drop_mariadb_search

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

SQLITE_SEARCH = [
    # External content: the text stays in `messages`; the index holds trigrams only.
    "CREATE VIRTUAL TABLE messages_fts USING fts5(body, content='messages', content_rowid='id', tokenize='trigram')",
    "INSERT INTO messages_fts(rowid, body) SELECT id, body FROM messages WHERE NOT deleted",
    # An external-content index must be told the exact old text to forget it: every trigger
    # removes only what it indexed (rows that were not deleted).
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

POSTGRESQL_SEARCH = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX ix_messages_body_trgm ON messages USING gin (body gin_trgm_ops)",
]


def upgrade() -> None:
    op.add_column("rooms", sa.Column("dm_key", sa.String(length=41), nullable=True))
    op.create_index("ix_rooms_dm_key", "rooms", ["dm_key"], unique=True)

    op.add_column("memberships", sa.Column("last_read_id", BigId, nullable=True))
    # Members from before read markers existed start with everything read, not everything unread.
    op.execute(
        "UPDATE memberships SET last_read_id = "
        "(SELECT max(messages.id) FROM messages WHERE messages.room_id = memberships.room_id)"
    )

    op.create_table(
        "reactions",
        sa.Column("message_id", BigId, nullable=False),
        sa.Column("emoji", sa.String(length=64), nullable=False),
        sa.Column("user_id", BigId, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["message_id"], ["messages.id"], name=op.f("fk_reactions_message_id_messages"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_reactions_user_id_users"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("message_id", "emoji", "user_id", name=op.f("pk_reactions")),
    )

    dialect = op.get_bind().dialect.name
    if dialect in ("mariadb", "mysql"):
        create_mariadb_search(op.get_bind())
        return
    for statement in SQLITE_SEARCH if dialect == "sqlite" else POSTGRESQL_SEARCH:
        op.execute(statement)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for trigger in ("messages_fts_insert", "messages_fts_update", "messages_fts_delete"):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        op.execute("DROP TABLE IF EXISTS messages_fts")
    elif dialect in ("mariadb", "mysql"):
        drop_mariadb_search(op.get_bind())
    else:
        # The extension stays: something else in the database may use it.
        op.execute("DROP INDEX IF EXISTS ix_messages_body_trgm")
    op.drop_table("reactions")
    # Plain ALTER TABLE ... DROP COLUMN (SQLite >= 3.35): no table copy, so no foreign-key cascade.
    op.execute("ALTER TABLE memberships DROP COLUMN last_read_id")
    op.drop_index("ix_rooms_dm_key", table_name="rooms")
    op.execute("ALTER TABLE rooms DROP COLUMN dm_key")
