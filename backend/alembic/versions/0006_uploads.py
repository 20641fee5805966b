"""uploads: files and images attached to messages

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-10 09:00:00.000000

uploads: one row per file uploaded to a room (its bytes are a blob of the upload store, named by
their SHA-256, shared by uploads of the same content); message_id is NULL until the message that
carries it is stored.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "uploads",
        sa.Column("id", BigId, nullable=False),
        sa.Column("room_id", BigId, nullable=False),
        sa.Column("uploader_id", BigId, nullable=False),
        sa.Column("message_id", BigId, nullable=True),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("content_type", sa.String(length=255), nullable=False),
        sa.Column("width", sa.Integer(), nullable=True),
        sa.Column("height", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["room_id"], ["rooms.id"], name=op.f("fk_uploads_room_id_rooms"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(
            ["uploader_id"], ["users.id"], name=op.f("fk_uploads_uploader_id_users"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["message_id"], ["messages.id"], name=op.f("fk_uploads_message_id_messages"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_uploads")),
    )
    # A page's attachments (message_id IN ...), a person's quota (SUM(size) by uploader), whether
    # a blob is still used (by sha256), and a room's uploads when it is deleted (cascade).
    op.create_index("ix_uploads_message_id", "uploads", ["message_id"])
    op.create_index("ix_uploads_uploader_id", "uploads", ["uploader_id"])
    op.create_index("ix_uploads_sha256", "uploads", ["sha256"])
    op.create_index("ix_uploads_room_id", "uploads", ["room_id"])


def downgrade() -> None:
    # DROP TABLE takes its indexes along (MariaDB refuses to drop first one that a foreign key needs).
    op.drop_table("uploads")
