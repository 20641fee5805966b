"""username skeletons: a new username may not look like a taken one

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02 08:00:00.000000

Adds users.username_skeleton (see app/usernames.py) with an index, and fills it for the users
that exist.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from app.usernames import skeleton

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("users", sa.Column("username_skeleton", sa.String(length=64), nullable=True))
    op.create_index("ix_users_username_skeleton", "users", ["username_skeleton"])
    users = sa.table(
        "users",
        sa.column("id", sa.BigInteger()),
        sa.column("username", sa.String()),
        sa.column("username_skeleton", sa.String()),
    )
    connection = op.get_bind()
    for user_id, username in connection.execute(sa.select(users.c.id, users.c.username)).all():
        connection.execute(users.update().where(users.c.id == user_id).values(username_skeleton=skeleton(username)))


def downgrade() -> None:
    op.drop_index("ix_users_username_skeleton", table_name="users")
    op.drop_column("users", "username_skeleton")
