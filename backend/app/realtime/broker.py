"""The only thing that crosses processes: events for rooms, users and sessions.

`LocalBroker` hands events straight to this process's hub (one process, zero set-up).
`RedisBroker` publishes them through Redis so every process's hub gets them; each process
subscribes to the channels of the rooms it has sockets in, plus one control channel. On one Redis
server that is pub/sub; on a Redis Cluster, sharded pub/sub (app/realtime/pubsub.py)."""

import asyncio
import contextlib
import logging
from abc import ABC, abstractmethod
from collections.abc import Collection
from typing import Literal

from redis.asyncio import Redis
from redis.asyncio.cluster import RedisCluster
from redis.exceptions import RedisError

from app.cancellation import cancel_and_wait
from app.realtime.event import Event as Event
from app.realtime.event import EventHandler as EventHandler
from app.realtime.event import EventKind as EventKind
from app.realtime.frames import Gap, encode
from app.realtime.pubsub import Channels, ServerChannels, ShardedChannels

log = logging.getLogger(__name__)

_ROOM_KINDS = ("room", "messages", "room_closed")  # published on the room's channel


class Broker(ABC):
    def __init__(self) -> None:
        self._handler: EventHandler = lambda event: None

    async def start(self, handler: EventHandler) -> None:
        self._handler = handler

    async def stop(self) -> None:
        return None

    @abstractmethod
    async def publish(self, event: Event) -> None:
        """Deliver to every process's hub (this one's included)."""

    async def subscribe(self, room_ids: Collection[int]) -> None:  # noqa: B027 (optional hook)
        """Called before the first local socket of these rooms starts; returns once events flow."""

    async def unsubscribe(self, room_id: int) -> None:  # noqa: B027 (optional hook)
        """Called after the last local socket of a room has gone."""

    @property
    def status(self) -> Literal["ok", "unavailable", "in-process"]:
        return "in-process"


class LocalBroker(Broker):
    async def publish(self, event: Event) -> None:
        self._handler(event)


class RedisBroker(Broker):
    """Redis pub/sub (sharded on a cluster). While Redis is down, events still reach this
    process's own sockets, and the listener reconnects and resubscribes on its own when Redis is
    back."""

    RETRY_SECONDS = 0.5  # first reconnect delay; doubles up to RETRY_MAX_SECONDS
    RETRY_MAX_SECONDS = 5.0
    # Closing the connections at shutdown waits at most this long: redis-py's close can wait for
    # the socket's end forever (redis/redis-py#3941), and the process is exiting anyway.
    CLOSE_SECONDS = 3.0

    def __init__(self, redis: "Redis | RedisCluster", prefix: str) -> None:
        super().__init__()
        self._channels: Channels = ShardedChannels(redis) if isinstance(redis, RedisCluster) else ServerChannels(redis)
        self._prefix = prefix
        self._control = f"{prefix}:control"
        self._rooms: set[int] = set()
        self._listener: asyncio.Task[None] | None = None
        self._connected = asyncio.Event()
        self._healthy = False
        self._open = False  # subscription connections are up (healthy, or failing right now)
        self._down: asyncio.Future[None] | None = None  # resolved when a command fails

    def _channel(self, room_id: int | None) -> str:
        return f"{self._prefix}:room:{room_id}" if room_id is not None else self._control

    async def start(self, handler: EventHandler) -> None:
        await super().start(handler)
        self._listener = asyncio.create_task(self._listen(), name="redis-broker")
        # Start only once Redis answers: a process that cannot reach it should say so at start.
        async with asyncio.timeout(10):
            await self._connected.wait()

    async def stop(self) -> None:
        await cancel_and_wait(self._listener)
        await self._close_subscriptions()
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(self.CLOSE_SECONDS):
                await self._channels.aclose()

    async def _close_subscriptions(self) -> None:
        try:
            async with asyncio.timeout(self.CLOSE_SECONDS):
                with contextlib.suppress(Exception):
                    await self._channels.close()
        except TimeoutError:
            log.warning("a Redis subscription did not close within %s s; left to its socket's end", self.CLOSE_SECONDS)

    @property
    def status(self) -> Literal["ok", "unavailable", "in-process"]:
        return "ok" if self._healthy else "unavailable"

    async def publish(self, event: Event) -> None:
        channel = self._channel(event.room_id if event.kind in _ROOM_KINDS else None)
        if self._healthy:
            try:
                await self._channels.publish(channel, event.encode())
                return
            except (RedisError, OSError) as exc:
                self._mark_down(exc)
        # Degraded: the other processes miss it (their clients catch up with `since`), ours do not.
        self._handler(event)

    async def subscribe(self, room_ids: Collection[int]) -> None:
        self._rooms.update(room_ids)
        if self._healthy and self._open:
            try:
                await self._channels.subscribe([self._channel(room_id) for room_id in room_ids])
            except (RedisError, OSError, TimeoutError) as exc:
                self._mark_down(exc)

    async def unsubscribe(self, room_id: int) -> None:
        self._rooms.discard(room_id)
        if self._healthy and self._open:
            try:
                await self._channels.unsubscribe(self._channel(room_id))
            except (RedisError, OSError) as exc:
                self._mark_down(exc)

    def _mark_down(self, exc: BaseException) -> None:
        """Deliver locally from now on, and make the listener reconnect and resubscribe."""
        if self._healthy:
            log.warning("redis unavailable, delivering to this process only: %s", exc)
        self._healthy = False
        if self._down is not None and not self._down.done():
            self._down.set_result(None)

    async def _listen(self) -> None:
        delay = self.RETRY_SECONDS
        while True:
            if self._connected.is_set():
                with contextlib.suppress(Exception):
                    await self._channels.reset()
            self._down = asyncio.get_running_loop().create_future()
            failed: asyncio.Future[None] | None = None
            try:
                self._open = True
                await self._channels.open(
                    [self._control, *(self._channel(room) for room in self._rooms)], self._handler
                )
                self._healthy = True
                recovered = self._connected.is_set()
                self._connected.set()
                log.info("redis broker connected")
                if recovered:
                    # While Redis was away, the other processes' events did not reach this one, and
                    # resuming with `since` cannot find what lies between ids already seen: tell
                    # this process's sockets to fetch what they may have missed from history.
                    for room_id in sorted(self._rooms):
                        self._handler(Event("room", room_id=room_id, frame=encode(Gap(room_id=room_id))))
                delay = self.RETRY_SECONDS
                # Until a subscription connection fails, or a command does (_mark_down).
                failed = asyncio.ensure_future(self._channels.failed())
                await asyncio.wait({failed, self._down}, return_when=asyncio.FIRST_COMPLETED)
                self._mark_down((failed.exception() if failed.done() else None) or ConnectionError("redis failed"))
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # any failure of the connection: retry, never die
                self._mark_down(exc)
            finally:
                if failed is not None:
                    failed.cancel()
                self._open = False
                await self._close_subscriptions()
            await asyncio.sleep(delay)
            delay = min(delay * 2, self.RETRY_MAX_SECONDS)
