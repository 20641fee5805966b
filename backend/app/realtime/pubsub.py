"""How the broker's events travel through Redis: publishing, and the subscription connections.

- `ServerChannels`: pub/sub on one Redis server (PUBLISH/SUBSCRIBE): one subscription connection
  per process, for all of its channels.
- `ShardedChannels`: sharded pub/sub on a Redis Cluster (SPUBLISH/SSUBSCRIBE, Redis 7): a channel
  lives on the shard that owns its name's hash slot, so rooms spread over the shards, and a
  process holds one subscription connection to each shard it needs.

Both hand events on in the order they were published, across channels. That matters: message
ids are global and published in increasing order (services/publish_order.py), and a `/ws` socket
resumes from the newest id it saw in any room. One connection receives events in that order from
Redis; from several shards they may arrive interleaved otherwise, and `InOrder` sorts them back."""

import asyncio
import contextlib
import heapq
import itertools
import logging
from abc import ABC, abstractmethod
from collections import deque
from collections.abc import Awaitable, Callable, Collection
from functools import partial
from typing import Any

from redis.asyncio import Redis
from redis.asyncio.client import PubSub
from redis.asyncio.cluster import RedisCluster
from redis.asyncio.connection import SSLConnection
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff

from app.cancellation import cancel_and_wait
from app.realtime.event import Event, EventHandler

log = logging.getLogger(__name__)

CONFIRM_SECONDS = 5.0  # a subscription or a PING not answered within this long: the connection failed


class Channels(ABC):
    """The broker's side of Redis: it publishes, and opens, widens, narrows and closes the
    subscription connections; `failed` ends when one of them fails (the broker then reopens)."""

    @abstractmethod
    async def publish(self, channel: str, data: bytes) -> None: ...

    @abstractmethod
    async def open(self, channels: Collection[str], deliver: EventHandler) -> None:
        """Fresh subscription connections to `channels`, confirmed by Redis."""

    @abstractmethod
    async def subscribe(self, channels: Collection[str]) -> None:
        """Returns once Redis confirmed: nothing published afterwards is missed."""

    @abstractmethod
    async def unsubscribe(self, channel: str) -> None: ...

    @abstractmethod
    async def failed(self) -> None:
        """Returns (or raises) once a subscription connection has failed."""

    @abstractmethod
    async def close(self) -> None:
        """Close the subscription connections."""

    @abstractmethod
    async def reset(self) -> None:
        """After an outage: let go of pooled connections, which are dead (the first publish on
        one would fail and drop the broker back to local delivery), and of what it knew of the
        cluster's shape."""

    @abstractmethod
    async def aclose(self) -> None: ...


class Subscriber:
    """One subscription connection (to the server, or to one shard) and the task reading it."""

    def __init__(self, client: Redis, sharded: bool, received: EventHandler, failed: asyncio.Future[None]) -> None:
        self.client = client
        self.pubsub: PubSub = client.pubsub()
        self.sharded = sharded
        self.channels: set[str] = set()
        self._received = received
        self._failed = failed
        self._confirmations: dict[str, asyncio.Future[None]] = {}
        self._pongs: dict[bytes, asyncio.Future[None]] = {}
        self._reader: asyncio.Task[None] | None = None

    async def subscribe(self, channels: Collection[str]) -> None:
        new = [channel for channel in channels if channel not in self.channels]
        if not new:
            return
        loop = asyncio.get_running_loop()
        waiters = [self._confirmations.setdefault(channel, loop.create_future()) for channel in new]
        try:
            if self.sharded:  # one slot per SSUBSCRIBE: channels of different slots would be refused
                for channel in new:
                    await self.pubsub.ssubscribe(channel)
            else:
                await self.pubsub.subscribe(*new)
            if self._reader is None:  # there is nothing to read before the first subscription
                self._reader = asyncio.create_task(self._read(), name="redis-subscriber")
            async with asyncio.timeout(CONFIRM_SECONDS):
                await asyncio.gather(*waiters)
        finally:
            for channel in new:
                self._confirmations.pop(channel, None)
        self.channels.update(new)

    async def unsubscribe(self, channel: str) -> None:
        if channel in self.channels:
            self.channels.discard(channel)  # before: its confirmation must not look like a moved slot
            await (self.pubsub.sunsubscribe(channel) if self.sharded else self.pubsub.unsubscribe(channel))

    async def ping(self, token: bytes) -> None:
        """Returns once Redis has answered a PING sent now, on this connection: after whatever
        it had sent on it before."""
        waiter = self._pongs[token] = asyncio.get_running_loop().create_future()
        try:
            await self.pubsub.ping(token)
            async with asyncio.timeout(CONFIRM_SECONDS):
                await waiter
        finally:
            self._pongs.pop(token, None)

    async def _read(self) -> None:
        try:
            while True:
                response = await self.pubsub.parse_response(block=True)
                item = await self.pubsub.handle_message(response)  # type: ignore[no-untyped-call]
                if item is None:
                    continue
                kind = item["type"]
                if kind in ("message", "smessage"):
                    try:
                        event = Event.decode(item["data"])
                    except (ValueError, TypeError):
                        log.warning("dropped an undecodable event")
                        continue
                    self._received(event)
                elif kind in ("subscribe", "ssubscribe"):
                    _settle(self._confirmations.get(item["channel"].decode()))
                elif kind == "pong":
                    _settle(self._pongs.get(item["data"]))
                elif kind == "sunsubscribe" and item["channel"].decode() in self.channels:
                    # Redis drops a shard channel whose slot moved to another shard: reopen.
                    raise ConnectionError(f"shard channel {item['channel']!r} moved to another shard")
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # any failure of the connection
            if not self._failed.done():
                self._failed.set_exception(exc)

    async def close(self) -> None:
        await cancel_and_wait(self._reader)
        with contextlib.suppress(Exception):
            await self.pubsub.aclose()  # type: ignore[no-untyped-call]


def _settle(waiter: asyncio.Future[None] | None) -> None:
    if waiter is not None and not waiter.done():
        waiter.set_result(None)


class ServerChannels(Channels):
    """Pub/sub on one Redis server."""

    def __init__(self, redis: Redis) -> None:
        self._redis = redis
        self._subscriber: Subscriber | None = None
        self._failed: asyncio.Future[None] | None = None

    async def publish(self, channel: str, data: bytes) -> None:
        await self._redis.publish(channel, data)

    async def open(self, channels: Collection[str], deliver: EventHandler) -> None:
        self._failed = asyncio.get_running_loop().create_future()
        self._subscriber = Subscriber(self._redis, False, deliver, self._failed)
        await self._subscriber.subscribe(channels)

    async def subscribe(self, channels: Collection[str]) -> None:
        assert self._subscriber is not None
        await self._subscriber.subscribe(channels)

    async def unsubscribe(self, channel: str) -> None:
        assert self._subscriber is not None
        await self._subscriber.unsubscribe(channel)

    async def failed(self) -> None:
        assert self._failed is not None
        await self._failed

    async def close(self) -> None:
        if self._subscriber is not None:
            await self._subscriber.close()
            self._subscriber = None

    async def reset(self) -> None:
        await self._redis.connection_pool.disconnect(inuse_connections=False)

    async def aclose(self) -> None:
        await self._redis.aclose()


class ShardedChannels(Channels):
    """Sharded pub/sub on a Redis Cluster: SPUBLISH goes to the shard of the channel's slot, and
    this process subscribes on a connection of its own to each shard whose channels it needs."""

    def __init__(self, cluster: RedisCluster) -> None:
        self._cluster = cluster
        # How to connect to one node: as the cluster client does (credentials, TLS, timeouts).
        given = cluster.get_connection_kwargs()
        self._node_options: dict[str, Any] = {
            key: given[key] for key in ("username", "password", "socket_timeout", "socket_connect_timeout")
        }
        self._node_options["ssl"] = isinstance(given["connection_class"], type) and issubclass(
            given["connection_class"], SSLConnection
        )
        self._shards: dict[str, Subscriber] = {}  # by node name, "host:port"
        self._order: InOrder | None = None
        self._failed: asyncio.Future[None] | None = None
        self._pings = itertools.count()

    async def publish(self, channel: str, data: bytes) -> None:
        await self._cluster.spublish(channel, data)

    async def open(self, channels: Collection[str], deliver: EventHandler) -> None:
        await self._cluster.initialize()
        self._failed = asyncio.get_running_loop().create_future()
        self._order = InOrder(deliver, self._all_caught_up)
        await self.subscribe(channels)

    async def subscribe(self, channels: Collection[str]) -> None:
        assert self._order is not None and self._failed is not None
        by_shard: dict[str, list[str]] = {}
        for channel in channels:
            node = self._cluster.get_node_from_key(channel)
            if node is None:
                raise ConnectionError(f"no shard of the cluster holds {channel!r}")
            if node.name not in self._shards:
                # Its own connection, which fails at once rather than reconnect quietly: events
                # published meanwhile would be missed unseen, where the broker's own reconnect
                # tells the sockets to catch up (`gap`).
                client = Redis(host=node.host, port=int(node.port), retry=Retry(NoBackoff(), 0), **self._node_options)
                self._shards[node.name] = Subscriber(client, True, partial(self._order.add, node.name), self._failed)
            by_shard.setdefault(node.name, []).append(channel)
        await asyncio.gather(*(self._shards[name].subscribe(group) for name, group in by_shard.items()))

    async def unsubscribe(self, channel: str) -> None:
        for shard in self._shards.values():
            if channel in shard.channels:
                await shard.unsubscribe(channel)

    async def _all_caught_up(self) -> None:
        """Every shard has sent this process everything it had published before now."""
        if len(self._shards) < 2:  # on one connection, events arrive in order already
            return
        token = f"chat-order-{next(self._pings)}".encode()
        await asyncio.gather(*(shard.ping(token) for shard in list(self._shards.values())))

    async def failed(self) -> None:
        assert self._failed is not None
        await self._failed

    async def close(self) -> None:
        if self._order is not None:
            await self._order.stop()
            self._order = None
        shards, self._shards = list(self._shards.values()), {}
        for shard in shards:
            await shard.close()
            with contextlib.suppress(Exception):
                await shard.client.aclose()

    async def reset(self) -> None:
        # Forget the nodes and their pooled connections; the next command finds the cluster again.
        with contextlib.suppress(Exception):
            await self._cluster.aclose()

    async def aclose(self) -> None:
        await self._cluster.aclose()


class InOrder:
    """Events from several shard connections, handed on in the order they were published.

    Each connection receives its shard's events in publish order, so its message ids increase;
    between connections, an event may arrive after a later one from another shard. Whatever was
    published before an event this process has received was sent on its own shard's connection
    before that event was even published, and a PING sent now on each connection is answered
    after everything the shard sent on it before. So, in rounds: note what has arrived, PING
    every shard, and once all have answered, hand on what had arrived, with whatever arrived
    meanwhile with a lower id, merged by message id. An event that is not a message keeps its
    place behind the message before it on its connection."""

    def __init__(self, deliver: EventHandler, caught_up: Callable[[], Awaitable[None]]) -> None:
        self._deliver = deliver
        self._caught_up = caught_up
        self._queues: dict[str, deque[tuple[int, Event]]] = {}  # per connection: (order key, event)
        self._last_key: dict[str, int] = {}
        self._arrived = asyncio.Event()
        self._task = asyncio.create_task(self._run(), name="redis-in-order")

    def add(self, source: str, event: Event) -> None:
        key = event.message_id or self._last_key.get(source, 0)
        self._last_key[source] = key
        self._queues.setdefault(source, deque()).append((key, event))
        self._arrived.set()

    async def _run(self) -> None:
        while True:
            await self._arrived.wait()
            self._arrived.clear()
            noted = {source: len(queue) for source, queue in self._queues.items() if queue}
            try:
                await self._caught_up()
            except Exception:  # the failed connection reports itself; hand on what is here
                log.debug("shards did not all answer the ordering PING", exc_info=True)
            for _, event in self.take(noted):
                self._deliver(event)
            if any(self._queues.values()):
                self._arrived.set()

    def take(self, noted: dict[str, int]) -> list[tuple[int, Event]]:
        """The events noted per connection, with those that arrived since and come before them,
        in order."""
        limit = max(
            (queue[count - 1][0] for source, count in noted.items() if (queue := self._queues[source])), default=0
        )
        parts = []
        for source, queue in self._queues.items():
            part = [queue.popleft() for _ in range(noted.get(source, 0))]
            while queue and queue[0][0] < limit:
                part.append(queue.popleft())
            parts.append(part)
        return list(heapq.merge(*parts, key=lambda item: item[0]))

    async def stop(self) -> None:
        await cancel_and_wait(self._task)
