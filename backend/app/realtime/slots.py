"""NewestFirst: at most N holders at once, the newest waiter served first, none waiting forever.

For opening sockets (realtime/session.py): each opening reads the database (admission, the
greeting, a replay). Unbounded, a connect storm borrows every pooled connection and then the
pool's overflow, whose memory stays in the process long after (a freed arena is rarely given
back). Newest first, because under a storm the newest arrival is the one whose client is still
waiting for it, and a socket opened meanwhile by a user who is not part of the storm gets in at
once; an old waiter is refused after `patience` (1013: the client retries, and resumes)."""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager


class NewestFirst:
    __slots__ = ("_free", "_patience", "_waiters")

    def __init__(self, size: int, patience: float) -> None:
        self._free = size
        self._patience = patience
        self._waiters: list[asyncio.Future[None]] = []

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        """Hold a slot for the block; TimeoutError if none came within `patience`."""
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
        self._waiters.append(handed)
        try:
            async with asyncio.timeout(self._patience):
                await handed
        except BaseException:  # timed out or cancelled: a slot handed over meanwhile goes on
            if handed in self._waiters:
                self._waiters.remove(handed)
            if handed.done() and not handed.cancelled():
                self._release()
            else:
                handed.cancel()
            raise

    def _release(self) -> None:
        while self._waiters:
            handed = self._waiters.pop()  # the newest
            if not handed.done():
                handed.set_result(None)
                return
        self._free += 1
