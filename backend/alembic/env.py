"""Alembic runs on the app's own engine settings (SQLite by default, DATABASE_URL otherwise)."""

import asyncio

from alembic import context
from sqlalchemy.engine import Connection

from app.config import Settings
from app.database import create_engine
from app.models import Base, UTCDateTime
from app.search_schema import include_name

target_metadata = Base.metadata


def render_item(type_: str, obj: object, autogen_context: object) -> str | bool:
    """Migrations spell the app's UTC column type as the plain DateTime it is stored as."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def do_run_migrations(connection: Connection) -> None:
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
