"""Records the SQL the app runs, to show what a request costs (how many queries, which)."""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, event


@contextmanager
def recorded_statements() -> Iterator[list[str]]:
    """Every statement an engine of this test process executes inside the block, lower-cased,
    with its whitespace collapsed.

    Every engine, not only the server's main one: the message writer runs its group commits on
    an engine of its own on SQLite, and what it runs counts too (except its INSERT of the messages
    themselves, which it runs with the driver's own cursor). Nothing else of the test runs SQL
    inside the block, so these are the test's servers'."""
    statements: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(" ".join(statement.lower().split()))

    event.listen(Engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(Engine, "before_cursor_execute", record)
