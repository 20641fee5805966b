"""account settings, last seen, the admins' audit log

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-12 09:00:00.000000

users.display_name (shown beside the username; NULL: none), users.default_notify (what a new
room membership starts at: all | mentions | muted), users.last_seen_at (last login or token
refresh); messages.created_at indexed (messages of the last 24 hours, for the admins' figures);
admin_actions: who did what to whom, when.

Written for MySQL/MariaDB too: every string has a length, no partial index, no type of one
database only, and columns are dropped with plain ALTER TABLE (SQLite >= 3.35).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.add_column("users", sa.Column("display_name", sa.String(length=64), nullable=True))
    op.add_column("users", sa.Column("default_notify", sa.String(length=16), nullable=False, server_default="mentions"))
    op.add_column("users", sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=True))
    op.create_index("ix_users_last_seen_at", "users", ["last_seen_at"])
    op.create_index("ix_messages_created_at", "messages", ["created_at"])
    op.create_table(
        "admin_actions",
        sa.Column("id", BigId, nullable=False),
        sa.Column("actor_id", BigId, nullable=True),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("target_user_id", BigId, nullable=True),
        sa.Column("target_room_id", BigId, nullable=True),
        sa.Column("detail", sa.String(length=500), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["users.id"], name=op.f("fk_admin_actions_actor_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["target_user_id"], ["users.id"], name=op.f("fk_admin_actions_target_user_id_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_admin_actions")),
    )
    op.create_index("ix_admin_actions_created_at", "admin_actions", ["created_at"])


def downgrade() -> None:
    op.drop_index("ix_admin_actions_created_at", table_name="admin_actions")
    op.drop_table("admin_actions")
    op.drop_index("ix_messages_created_at", table_name="messages")
    op.drop_index("ix_users_last_seen_at", table_name="users")
    op.execute("ALTER TABLE users DROP COLUMN last_seen_at")
    op.execute("ALTER TABLE users DROP COLUMN default_notify")
    op.execute("ALTER TABLE users DROP COLUMN display_name")
