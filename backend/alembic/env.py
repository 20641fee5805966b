"""Alembic runs on the app's own engine settings (SQLite by default, DATABASE_URL otherwise)."""

import asyncio

from alembic import context
from sqlalchemy import text
from sqlalchemy.engine import Connection

from app.config import Settings
from app.database import MYSQL_DIALECTS, create_engine
from app.models import Base, UTCDateTime
from app.search_schema import include_name

target_metadata = Base.metadata


def render_item(type_: str, obj: object, autogen_context: object) -> str | bool:
    """Migrations spell the app's UTC column type as the plain DateTime it is stored as."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def prepare_mariadb(connection: Connection) -> None:
    """MariaDB only (MySQL lacks the INSERT ... RETURNING the message writer needs). Every table
    in utf8mb4 (emoji, every script) with a binary collation: comparisons, unique keys and
    ordering are exact, as on SQLite and PostgreSQL (the default utf8mb4_general_ci would make
    'a' = 'A' = 'á' and one emoji equal to another). Tables take the database's default."""
    if not getattr(connection.dialect, "is_mariadb", False):
        raise SystemExit("DATABASE_URL names a MySQL server: the chat needs MariaDB 10.10 or later")
    if connection.dialect.server_version_info < (10, 10):
        version = ".".join(map(str, connection.dialect.server_version_info))
        raise SystemExit(f"MariaDB {version}: the chat needs MariaDB 10.10 or later")
    connection.execute(text("ALTER DATABASE CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"))
    connection.commit()  # before Alembic begins its own transaction


def do_run_migrations(connection: Connection) -> None:
    if connection.dialect.name in MYSQL_DIALECTS:
        prepare_mariadb(connection)
    # render_as_batch: SQLite alters tables by copying them; Alembic's batch mode does that.
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        render_item=render_item,
        include_name=include_name,  # hand-made search objects (FTS5 table, trigram index)
    )
    with context.begin_transaction():
        context.run_migrations()


async def run_async_migrations() -> None:
    # The caller's settings (app.server.migrate), else the environment's (the alembic command).
    engine = create_engine(context.config.attributes.get("settings") or Settings())
    async with engine.connect() as connection:
        await connection.run_sync(do_run_migrations)
    await engine.dispose()


def run_migrations_online() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:  # handed over by a caller that holds a connection already
        do_run_migrations(connection)
    else:
        asyncio.run(run_async_migrations())


if context.is_offline_mode():
    raise SystemExit("offline migrations are not supported: run against a database")
run_migrations_online()
