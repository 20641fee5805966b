"""Rate limits: the one place that knows them. Every write a person can repeat goes through one.

Each kind of event has its setting (`N/Ss`; `0` turns it off) and is counted per key: a user, or
for logins an address and a username at an address. Over the limit, `RateLimited` (429 with
Retry-After over REST, an `error` frame `rate_limited` with `retry_after` on a socket).

- Without REDIS_URL, each process counts alone, in its memory: a token bucket per key, O(1).
- With REDIS_URL, every process counts in Redis, through the `limits` package (a moving window per
  key, under `{REDIS_PREFIX}:limits:`; on a Redis Cluster each key on its own shard): WORKERS=4
  allows what one process does. While Redis does not
  answer, each process counts alone in memory (as without Redis) and says so once in the log; the
  shared count resumes when Redis is back, as the broker falls back to local delivery.

`limits`' own in-memory storages are not used without Redis: while events come they sweep every
key they hold, from a task or a thread (measured here with 10,000 keys: 0.05 to 1 ms of CPU per
event, by strategy), where a bucket costs the same at any number of keys.
"""

import logging
import math
import time
from collections.abc import Iterable

from limits import RateLimitItem, RateLimitItemPerSecond
from limits.aio.storage import RedisClusterStorage, RedisStorage
from limits.aio.strategies import MovingWindowRateLimiter
from limits.errors import StorageError
from redis.asyncio import ConnectionPool
from redis.asyncio.cluster import RedisCluster
from redis.exceptions import RedisError

from app.config import RateLimit, Settings
from app.errors import RateLimited
from app.redis_connection import is_cluster_url, parse_cluster_url

log = logging.getLogger(__name__)

# What a limit counts per: a user's id, an address, (address, username)...
Key = tuple[str | int | None, ...]


class RateLimiter:
    """Token buckets in this process's memory: `count` events at once, then one per `seconds / count`."""

    # Buckets that have refilled completely carry no information; they are dropped once the
    # map grows past this, so an attacker cycling keys cannot grow memory without bound.
    PRUNE_ABOVE = 50_000

    def __init__(self, limit: RateLimit) -> None:
        self.limit = limit
        self._rate = limit.count / limit.seconds if limit.enabled else 0.0
        self._buckets: dict[object, tuple[float, float]] = {}  # key -> (tokens, at)

    def _tokens(self, key: object, now: float) -> float:
        tokens, at = self._buckets.get(key, (float(self.limit.count), now))
        return min(float(self.limit.count), tokens + (now - at) * self._rate)

    def retry_after(self, key: object) -> float | None:
        """Seconds to wait if one more event for `key` would be over the limit, else None."""
        if not self.limit.enabled:
            return None
        tokens = self._tokens(key, time.monotonic())
        return None if tokens >= 1.0 else (1.0 - tokens) / self._rate

    def hit(self, key: object) -> float | None:
        """Count one event; if it is over the limit, count nothing and return the wait."""
        if not self.limit.enabled:
            return None
        now = time.monotonic()
        tokens = self._tokens(key, now)
        if tokens < 1.0:
            return (1.0 - tokens) / self._rate
        if len(self._buckets) > self.PRUNE_ABOVE:
            self._prune(now)
        self._buckets[key] = (tokens - 1.0, now)
        return None

    def _prune(self, now: float) -> None:
        full = [key for key in self._buckets if self._tokens(key, now) >= self.limit.count]
        for key in full:
            del self._buckets[key]


class SharedCountsDown(Exception):
    """Redis did not answer: the caller counts in this process's memory instead."""


class SharedCounts:
    """Counts every process shares, in Redis: `limits`' moving window over redis-py's asyncio client."""

    # After Redis failed, counts stay local this long before Redis is asked again: a Redis that
    # hangs costs one timeout per pause, not one per event.
    PAUSE_AFTER_FAILURE = 5.0
    TIMEOUT = 2.0

    def __init__(self, redis_url: str, prefix: str) -> None:
        self._pool: ConnectionPool | None = None
        storage: RedisStorage
        if is_cluster_url(redis_url):
            # `limits` builds its own RedisCluster client from the URL (the same `redis+cluster://` form).
            options = parse_cluster_url(redis_url).node_options()
            options.update(socket_timeout=self.TIMEOUT, socket_connect_timeout=self.TIMEOUT)
            storage = RedisClusterStorage(
                "async+" + redis_url.replace("rediss+cluster://", "redis+cluster://"),
                wrap_exceptions=True,
                implementation="redispy",
                key_prefix=f"{prefix}:limits",
                **options,
            )
        else:
            self._pool = ConnectionPool.from_url(
                redis_url, socket_timeout=self.TIMEOUT, socket_connect_timeout=self.TIMEOUT
            )
            storage = RedisStorage(
                _storage_uri(redis_url),
                wrap_exceptions=True,
                implementation="redispy",
                key_prefix=f"{prefix}:limits",
                connection_pool=self._pool,  # type: ignore[arg-type]  # passed on to redis.asyncio.Redis
            )
        self._storage = storage
        self._windows = MovingWindowRateLimiter(storage)
        self._paused_until = 0.0
        self._failing = False

    @property
    def available(self) -> bool:
        return time.monotonic() >= self._paused_until

    async def ask(self, item: RateLimitItem, ids: list[str], *, count: bool) -> float | None:
        """The wait if this event (`count`: counted, unless over) or one more would be over the
        limit, else None."""
        try:
            allowed = await (self._windows.hit if count else self._windows.test)(item, *ids)
            wait = None if allowed else await self._wait(item, ids)
        except (StorageError, RedisError, OSError) as exc:
            raise self._failed(exc) from exc
        self._answered()
        return wait

    async def _wait(self, item: RateLimitItem, ids: list[str]) -> float:
        stats = await self._windows.get_window_stats(item, *ids)
        return max(0.001, stats.reset_time - time.time())

    def _failed(self, exc: Exception) -> SharedCountsDown:
        if not self._failing:
            log.warning("rate limits: Redis is not answering (%s); each process counts alone meanwhile", exc)
            self._failing = True
        self._paused_until = time.monotonic() + self.PAUSE_AFTER_FAILURE
        return SharedCountsDown(str(exc))

    def _answered(self) -> None:
        if self._failing:
            log.warning("rate limits: Redis answers again; the counts are shared again")
            self._failing = False

    async def close(self) -> None:
        if self._pool is not None:
            await self._pool.aclose()
        # On a cluster, the client `limits` made for itself (its bridge keeps it, untyped).
        elif isinstance(client := getattr(self._storage.bridge, "storage", None), RedisCluster):
            await client.aclose()


def _storage_uri(redis_url: str) -> str:
    """The URI `limits` names a Redis by (it only reads it: the connections come from our pool)."""
    if redis_url.startswith("unix://"):
        return "async+redis+unix://" + redis_url.removeprefix("unix://")
    return "async+" + redis_url


class Limit:
    """One kind of event and its setting."""

    def __init__(self, kind: str, setting: RateLimit, what: str, shared: SharedCounts | None) -> None:
        self.kind = kind
        self.enabled = setting.enabled
        self.what = what
        self._local = RateLimiter(setting)
        self._shared = shared if setting.enabled else None
        # `limits` counts whole seconds: a fractional window is rounded up (stricter, never looser).
        self._item = RateLimitItemPerSecond(setting.count, max(1, math.ceil(setting.seconds))) if self._shared else None

    async def hit(self, key: Key) -> None:
        """Count one event for `key`; over the limit, count nothing and raise RateLimited."""
        if self.enabled:
            self._raise_if_waiting(await self._ask(key, count=True))

    async def check(self, keys: Iterable[Key]) -> None:
        """Raise RateLimited if one more event for any of `keys` would be over; count nothing."""
        if not self.enabled:
            return
        waits = [wait for wait in [await self._ask(key, count=False) for key in keys] if wait is not None]
        if waits:
            self._raise_if_waiting(max(waits))

    async def count(self, keys: Iterable[Key]) -> None:
        """Count one event for each of `keys`, never raising (those already over stay over)."""
        if self.enabled:
            for key in keys:
                await self._ask(key, count=True)

    async def _ask(self, key: Key, *, count: bool) -> float | None:
        """The shared count while Redis answers, this process's otherwise."""
        if self._shared is not None and self._shared.available:
            assert self._item is not None
            try:
                return await self._shared.ask(self._item, self._ids(key), count=count)
            except SharedCountsDown:
                pass
        return self._local.hit(key) if count else self._local.retry_after(key)

    def _ids(self, key: Key) -> list[str]:
        return [self.kind, *(str(part) for part in key)]

    def _raise_if_waiting(self, wait: float | None) -> None:
        if wait is not None:
            raise RateLimited(f"{self.what}, retry in {wait:.1f} s", retry_after=round(wait, 3))


class RateLimits:
    """Every limit of the app, from the settings; shared by all processes when REDIS_URL is set."""

    def __init__(self, settings: Settings) -> None:
        self._shared = SharedCounts(settings.redis_url, settings.redis_prefix) if settings.redis_url else None

        def limit(kind: str, setting: RateLimit, what: str) -> Limit:
            return Limit(kind, setting, what, self._shared)

        self.message = limit("message", settings.message_rate_limit, "too many messages")
        self.edit = limit("edit", settings.edit_rate_limit, "too many edits and deletions")
        self.reaction = limit("reaction", settings.reaction_rate_limit, "too many reactions")
        self.room = limit("room", settings.room_rate_limit, "too many rooms created")
        self.invite = limit("invite", settings.invite_rate_limit, "too many members added")
        self.read_marker = limit("read", settings.read_marker_rate_limit, "too many read markers")
        self.login = limit("login", settings.login_rate_limit, "too many failed logins")
        self.signup = limit("signup", settings.signup_rate_limit, "too many signups from this address")
        self.upload = limit("upload", settings.upload_rate_limit, "too many files uploaded")

    async def close(self) -> None:
        if self._shared is not None:
            await self._shared.close()
