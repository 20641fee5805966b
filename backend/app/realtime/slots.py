"""NewestFirst: at most N holders at once; the newest waiter is served first, unless the oldest
has waited longer than its patience: then the oldest (so none waits for ever).

For opening sockets (realtime/session.py): each opening reads the database (admission, the
greeting, a replay). Unbounded, a connect storm borrows every pooled connection and then the
pool's overflow, whose memory stays in the process long after (a freed arena is rarely given
back). Newest first, because under a storm the newest arrival is the one whose client is surely
still waiting for it, and a socket opened meanwhile by someone outside the storm gets in at once."""

import asyncio
import time
from collections import deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager


class NewestFirst:
    __slots__ = ("_free", "_patience", "_waiters")

    def __init__(self, size: int, patience: float) -> None:
        self._free = size
        self._patience = patience
        # (when it started waiting, the future its slot is handed over by), oldest first.
        self._waiters: deque[tuple[float, asyncio.Future[None]]] = deque()

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        """Hold a slot for the block."""
        if self._free > 0 and not self._waiters:
            self._free -= 1
        else:
            await self._wait()
        try:
            yield
        finally:
            self._release()

    async def _wait(self) -> None:
        handed = asyncio.get_running_loop().create_future()
        waiter = (time.monotonic(), handed)
        self._waiters.append(waiter)
        try:
            await handed
        except BaseException:  # cancelled: a slot handed over meanwhile goes on to the next
            if handed.done() and not handed.cancelled():
                self._release()
            else:
                self._waiters.remove(waiter)
            raise

    def _release(self) -> None:
        waiters = self._waiters
        while waiters:
            started, handed = waiters[0]
            if time.monotonic() - started >= self._patience:
                waiters.popleft()  # waited long enough: before anyone newer
            else:
                _, handed = waiters.pop()
            if not handed.done():
                handed.set_result(None)
                return
        self._free += 1
