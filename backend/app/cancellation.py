"""Stopping background tasks for certain.

On Python 3.11 a cancellation can be lost: `asyncio.wait_for` returns the inner result instead of
raising when the cancel arrives just as the inner awaitable finishes (python/cpython#86296, fixed
in 3.12). redis-py sends every command through `wait_for` when a socket timeout is set, so a loop
cancelled during a Redis command can go on as if nothing happened, and whoever awaits its end
waits forever (a shutdown hung this way in CI: the hub's heartbeat went on beating). The app's own
code uses `asyncio.timeout`, which keeps the cancellation (ruff bans `asyncio.wait_for` in app/)."""

import asyncio
import logging
from typing import Any

log = logging.getLogger(__name__)

# A task still running this long after its cancel lost it: cancel again. Long enough for the
# clean-up a cancelled task does in its `finally` (a rollback, closing a connection) to finish
# undisturbed, short enough that a shutdown hardly notices.
RECANCEL_SECONDS = 1.0


async def cancel_and_wait(*tasks: "asyncio.Task[Any] | None") -> None:
    """Cancel the tasks (None: none) and return once each has ended, cancelling again any that
    goes on. An error a task ended with is logged, not raised: the caller is stopping it."""
    pending = {task for task in tasks if task is not None and not task.done()}
    ended = {task for task in tasks if task is not None} - pending
    while pending:
        for task in pending:
            task.cancel()
        done, pending = await asyncio.wait(pending, timeout=RECANCEL_SECONDS)
        ended |= done
    for task in ended:
        if not task.cancelled() and (error := task.exception()) is not None:
            log.error("task %s ended with an error", task.get_name(), exc_info=error)
