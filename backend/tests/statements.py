"""Records the SQL a live server runs, to show what a request costs (how many queries, which)."""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event

from tests.conftest import LiveServer


@contextmanager
def recorded_statements(server: LiveServer) -> Iterator[list[str]]:
    """Every statement the server's engine executes inside the block, lower-cased."""
    statements: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(" ".join(statement.lower().split()))

    engine = server.context.engine.sync_engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)
