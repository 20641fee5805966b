"""Who is online, per user across the app (not per tab, not per room), across every server process.

A user is online until an expiry time. While the user has a socket, its process pushes the
expiry forward on every heartbeat; when the last socket closes, the expiry is set to at least
now + grace, and whoever finds it passed afterwards removes the user and announces them offline.
A process that crashes simply stops pushing, so its users expire too."""

import time
from abc import ABC, abstractmethod
from collections.abc import Collection
from dataclasses import dataclass

from redis.asyncio import Redis
from redis.asyncio.cluster import RedisCluster

from app.schemas import UserPublic


@dataclass(frozen=True, slots=True)  # one per socket: no __dict__
class Member:
    id: int
    username: str

    def public(self) -> UserPublic:
        return UserPublic(id=self.id, username=self.username)


class PresenceStore(ABC):
    @abstractmethod
    async def arrive(self, user_id: int, until: float) -> bool:
        """Mark online until `until`; True when the user was not online before (announce them)."""

    @abstractmethod
    async def extend(self, user_ids: Collection[int], until: float) -> None:
        """Heartbeat: keep these online until `until` (never shortens)."""

    @abstractmethod
    async def remove_if_expired(self, user_id: int, now: float) -> bool:
        """Remove the user if the expiry has passed; True for the one caller that removed it."""

    @abstractmethod
    async def online_among(self, user_ids: Collection[int], now: float) -> set[int]:
        """Which of these users are online."""

    @abstractmethod
    async def expired(self, now: float) -> list[int]:
        """Users whose expiry has passed but who were never removed (their process died)."""


class MemoryPresence(PresenceStore):
    def __init__(self) -> None:
        self._until: dict[int, float] = {}

    async def arrive(self, user_id: int, until: float) -> bool:
        previous = self._until.get(user_id)
        self._until[user_id] = max(until, previous or 0.0)
        return previous is None or previous <= time.time()

    async def extend(self, user_ids: Collection[int], until: float) -> None:
        for user_id in user_ids:
            self._until[user_id] = max(until, self._until.get(user_id, 0.0))

    async def remove_if_expired(self, user_id: int, now: float) -> bool:
        until = self._until.get(user_id)
        if until is None or until > now:
            return False
        del self._until[user_id]
        return True

    async def online_among(self, user_ids: Collection[int], now: float) -> set[int]:
        return {user_id for user_id in user_ids if self._until.get(user_id, 0.0) > now}

    async def expired(self, now: float) -> list[int]:
        return [user_id for user_id, until in self._until.items() if until <= now]


# ZADD GT keeps the later expiry when two processes write. Each change is one script on one key:
# atomic on a single Redis and on a cluster alike (where the key's shard runs it).
# Arriving: the previous expiry (nil if none), read in the same step as the new one is written.
_ARRIVE = """
local previous = redis.call('ZSCORE', KEYS[1], ARGV[1])
redis.call('ZADD', KEYS[1], 'GT', ARGV[2], ARGV[1])
return previous
"""

# Leaving: only a user whose expiry has passed is removed, and only the one caller that removed
# it is told so, so going offline is announced once.
_REMOVE_IF_EXPIRED = """
local score = redis.call('ZSCORE', KEYS[1], ARGV[1])
if score and tonumber(score) <= tonumber(ARGV[2]) then
  redis.call('ZREM', KEYS[1], ARGV[1])
  return 1
end
return 0
"""


class RedisPresence(PresenceStore):
    """One sorted set: user id -> expiry (a Unix time). On a cluster, on the shard of its key."""

    def __init__(self, redis: "Redis | RedisCluster", prefix: str) -> None:
        self._redis = redis
        self._key = f"{prefix}:presence"
        self._arrive = redis.register_script(_ARRIVE)
        self._remove = redis.register_script(_REMOVE_IF_EXPIRED)

    async def arrive(self, user_id: int, until: float) -> bool:
        previous = await self._arrive(keys=[self._key], args=[user_id, until])
        return previous is None or float(previous) <= time.time()

    async def extend(self, user_ids: Collection[int], until: float) -> None:
        if user_ids:
            await self._redis.zadd(self._key, {str(user_id): until for user_id in user_ids}, gt=True)

    async def remove_if_expired(self, user_id: int, now: float) -> bool:
        return bool(await self._remove(keys=[self._key], args=[user_id, now]))

    async def online_among(self, user_ids: Collection[int], now: float) -> set[int]:
        ids = list(user_ids)
        if not ids:
            return set()
        scores = await self._redis.zmscore(self._key, [str(user_id) for user_id in ids])
        return {user_id for user_id, until in zip(ids, scores, strict=True) if until is not None and until > now}

    async def expired(self, now: float) -> list[int]:
        found = await self._redis.zrangebyscore(self._key, "-inf", now)
        return [int(item) for item in found]  # type: ignore[arg-type]
