"""mentions, replies, per-room notification settings

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 11:30:00.000000

messages.reply_to_id (the message answered, same room); mentions (who a message names: one row
per member named with @username, or reached by @room / @here: `everyone`); memberships.notify
(all | mentions | muted: what each member is notified of, on every device; rooms start at
mentions, direct rooms at all).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.add_column("messages", sa.Column("reply_to_id", BigId, nullable=True))
    op.add_column("messages", sa.Column("mentions_everyone", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.add_column("memberships", sa.Column("notify", sa.String(length=16), nullable=False, server_default="mentions"))
    op.create_table(
        "mentions",
        sa.Column("message_id", BigId, sa.ForeignKey("messages.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("user_id", BigId, sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("room_id", BigId, sa.ForeignKey("rooms.id", ondelete="CASCADE"), nullable=False),
        sa.Column("everyone", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.execute("UPDATE memberships SET notify = 'all' WHERE room_id IN (SELECT id FROM rooms WHERE dm_key IS NOT NULL)")
    # A user's mentions, newest first (the Mentions view), and per room after a read marker (counts).
    op.create_index("ix_mentions_user_room_message", "mentions", ["user_id", "room_id", "message_id"])
    op.create_index("ix_mentions_user_message", "mentions", ["user_id", "message_id"])


def downgrade() -> None:
    # DROP TABLE takes its indexes along (MariaDB refuses to drop first one that a foreign key needs).
    op.drop_table("mentions")
    # Plain ALTER TABLE ... DROP COLUMN (SQLite >= 3.35): no table copy, no cascade.
    op.execute("ALTER TABLE memberships DROP COLUMN notify")
    op.execute("ALTER TABLE messages DROP COLUMN mentions_everyone")
    op.execute("ALTER TABLE messages DROP COLUMN reply_to_id")
