"""The only thing that crosses processes: events for rooms, users and sessions.

`LocalBroker` hands events straight to this process's hub (one process, zero set-up).
`RedisBroker` publishes them on Redis pub/sub so every process's hub gets them; each process
subscribes to the channels of the rooms it has sockets in, plus one control channel."""

import asyncio
import contextlib
import logging
from abc import ABC, abstractmethod
from collections.abc import Callable, Collection
from dataclasses import asdict, dataclass
from typing import Literal

import orjson
from redis.asyncio import Redis
from redis.asyncio.client import PubSub
from redis.exceptions import RedisError

from app.realtime.frames import Gap, encode

log = logging.getLogger(__name__)

EventKind = Literal[
    "room",  # send `frame` to the room's sockets (but not to `user_id`'s when `skip_user`)
    "room_closed",  # the room is gone: its /ws/{room_id} sockets get `frame` and close with
    # `close_code`; /ws sockets stop receiving it and are told so
    "user_frame",  # send `frame` to every socket of `user_id`
    "user_closed",  # close every socket of `user_id`
    "session_closed",  # close every socket opened with `session_id`'s access tokens
    "member_added",  # `user_id`'s /ws sockets start receiving `room_id`, then get `frame`
    "member_removed",  # `user_id`'s /ws sockets stop receiving `room_id` and get `frame`; their
    # /ws/{room_id} sockets of that room close with `close_code`
    "presence",  # `user_id` came online or went offline: `frame` to the sockets of `rooms`
]


@dataclass(frozen=True, slots=True)
class Event:
    kind: EventKind
    room_id: int | None = None
    frame: str | None = None
    message_id: int | None = None  # set on message frames: lets a resuming socket drop what it replayed
    user_id: int | None = None
    skip_user: bool = False
    session_id: int | None = None
    close_code: int | None = None
    rooms: tuple[int, ...] | None = None

    def encode(self) -> bytes:
        return orjson.dumps({k: v for k, v in asdict(self).items() if v not in (None, False)})

    @classmethod
    def decode(cls, data: bytes) -> "Event":
        fields = orjson.loads(data)
        if "rooms" in fields:
            fields["rooms"] = tuple(fields["rooms"])
        return cls(**fields)


EventHandler = Callable[[Event], None]


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
    """Redis pub/sub. While Redis is down, events still reach this process's own sockets, and
    the listener reconnects and resubscribes on its own when Redis is back."""

    RETRY_SECONDS = 0.5  # first reconnect delay; doubles up to RETRY_MAX_SECONDS
    RETRY_MAX_SECONDS = 5.0

    def __init__(self, redis: Redis, prefix: str) -> None:
        super().__init__()
        self._redis = redis
        self._prefix = prefix
        self._control = f"{prefix}:control"
        self._rooms: set[int] = set()
        self._pubsub: PubSub | None = None
        self._reader: asyncio.Task[None] | None = None
        self._listener: asyncio.Task[None] | None = None
        self._confirmations: dict[str, asyncio.Future[None]] = {}
        self._connected = asyncio.Event()
        self._healthy = False

    def _channel(self, room_id: int | None) -> str:
        return f"{self._prefix}:room:{room_id}" if room_id is not None else self._control

    async def start(self, handler: EventHandler) -> None:
        await super().start(handler)
        self._listener = asyncio.create_task(self._listen(), name="redis-broker")
        # Start only once Redis answers: a process that cannot reach it should say so at start.
        await asyncio.wait_for(self._connected.wait(), timeout=10)

    async def stop(self) -> None:
        if self._listener:
            self._listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._listener
        if self._pubsub is not None:
            with contextlib.suppress(Exception):
                await self._pubsub.aclose()  # type: ignore[no-untyped-call]
        await self._redis.aclose()

    @property
    def status(self) -> Literal["ok", "unavailable", "in-process"]:
        return "ok" if self._healthy else "unavailable"

    async def publish(self, event: Event) -> None:
        channel = self._channel(event.room_id if event.kind in ("room", "room_closed") else None)
        if self._healthy:
            try:
                await self._redis.publish(channel, event.encode())
                return
            except (RedisError, OSError) as exc:
                self._mark_down(exc)
        # Degraded: the other processes miss it (their clients catch up with `since`), ours do not.
        self._handler(event)

    async def subscribe(self, room_ids: Collection[int]) -> None:
        self._rooms.update(room_ids)
        if self._healthy and self._pubsub is not None:
            await self._subscribe_confirmed(self._pubsub, [self._channel(room_id) for room_id in room_ids])

    async def unsubscribe(self, room_id: int) -> None:
        self._rooms.discard(room_id)
        if self._healthy and self._pubsub is not None:
            try:
                await self._pubsub.unsubscribe(self._channel(room_id))
            except (RedisError, OSError) as exc:
                self._mark_down(exc)

    async def _subscribe_confirmed(
        self, pubsub: PubSub, channels: list[str], start_reader: bool = False
    ) -> asyncio.Task[None] | None:
        """Subscribe and wait for Redis to confirm, so no event published afterwards is missed.

        With `start_reader`, starts the listening task too: redis-py's listen() ends at once
        on a connection that has no subscription yet, so it must start after the first one."""
        loop = asyncio.get_running_loop()
        waiters = [self._confirmations.setdefault(ch, loop.create_future()) for ch in channels]
        reader = None
        try:
            await pubsub.subscribe(*channels)
            if start_reader:
                reader = asyncio.create_task(self._read(pubsub), name="redis-broker-reader")
            await asyncio.wait_for(asyncio.gather(*waiters), timeout=5)
        except (RedisError, OSError, TimeoutError) as exc:
            if reader is not None:
                reader.cancel()
                reader = None
            self._mark_down(exc)
        finally:
            for channel in channels:
                self._confirmations.pop(channel, None)
        return reader

    def _mark_down(self, exc: BaseException) -> None:
        """Deliver locally from now on, and make the listener reconnect and resubscribe."""
        if self._healthy:
            log.warning("redis unavailable, delivering to this process only: %s", exc)
        self._healthy = False
        if self._reader is not None:
            self._reader.cancel()

    async def _listen(self) -> None:
        delay = self.RETRY_SECONDS
        while True:
            if self._connected.is_set():
                # Pooled connections opened before the outage are dead: the first publish on one
                # would fail and drop the broker back to local delivery. Start with fresh ones.
                with contextlib.suppress(Exception):
                    await self._redis.connection_pool.disconnect(inuse_connections=False)
            pubsub = self._redis.pubsub()
            reader = None
            try:
                reader = await self._subscribe_confirmed(
                    pubsub, [self._control, *(self._channel(room) for room in self._rooms)], start_reader=True
                )
                if reader is None:
                    raise ConnectionError("subscription failed")
                self._pubsub, self._reader = pubsub, reader
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
                await asyncio.wait({reader})  # ends when the connection fails or _mark_down cancels it
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # any failure of the connection: retry, never die
                self._mark_down(exc)
            finally:
                self._pubsub = self._reader = None
                if reader is not None:
                    reader.cancel()
                with contextlib.suppress(Exception):
                    await pubsub.aclose()  # type: ignore[no-untyped-call]
            await asyncio.sleep(delay)
            delay = min(delay * 2, self.RETRY_MAX_SECONDS)

    async def _read(self, pubsub: PubSub) -> None:
        async for item in pubsub.listen():
            kind = item["type"]
            if kind == "message":
                try:
                    event = Event.decode(item["data"])
                except (ValueError, TypeError):
                    log.warning("dropped an undecodable event")
                    continue
                self._handler(event)
            elif kind == "subscribe":
                channel = item["channel"].decode()
                waiter = self._confirmations.get(channel)
                if waiter is not None and not waiter.done():
                    waiter.set_result(None)
