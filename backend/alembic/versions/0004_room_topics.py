"""room topics

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-09 08:00:00.000000

Adds rooms.topic (nullable: existing rooms have none).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("rooms", sa.Column("topic", sa.String(length=250), nullable=True))


def downgrade() -> None:
    # Plain ALTER TABLE ... DROP COLUMN (SQLite >= 3.35): no copy of `rooms`, so no cascade to
    # its memberships and messages.
    op.execute("ALTER TABLE rooms DROP COLUMN topic")
