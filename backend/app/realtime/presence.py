"""Who is online in a room, per user (not per tab), across every server process.

A user is online in a room until an expiry time. While the user has a socket there, its
process pushes the expiry forward on every heartbeat; when the last socket closes, the expiry
is set to at least now + grace, and whoever finds it passed afterwards removes the user and
announces `leave`. A process that crashes simply stops pushing, so its users expire too."""

import time
from abc import ABC, abstractmethod
from dataclasses import dataclass

from redis.asyncio import Redis

from app.schemas import UserPublic


@dataclass(frozen=True)
class Member:
    id: int
    username: str

    def public(self) -> UserPublic:
        return UserPublic(id=self.id, username=self.username)

    def encode(self) -> str:
        return f"{self.id}:{self.username}"  # usernames never contain ':'

    @classmethod
    def decode(cls, text: str | bytes) -> "Member":
        if isinstance(text, bytes):
            text = text.decode()
        user_id, username = text.split(":", 1)
        return cls(int(user_id), username)


class PresenceStore(ABC):
    @abstractmethod
    async def arrive(self, room_id: int, member: Member, until: float) -> bool:
        """Mark online until `until`; True when the user was not online before (announce `join`)."""

    @abstractmethod
    async def extend(self, entries: list[tuple[int, Member]], until: float) -> None:
        """Heartbeat: keep these online until `until` (never shortens)."""

    @abstractmethod
    async def remove_if_expired(self, room_id: int, member: Member, now: float) -> bool:
        """Remove the user if the expiry has passed; True for the one caller that removed it."""

    @abstractmethod
    async def online(self, room_id: int, now: float) -> list[Member]:
        """Users online in the room."""


class MemoryPresence(PresenceStore):
    def __init__(self) -> None:
        self._until: dict[int, dict[Member, float]] = {}

    async def arrive(self, room_id: int, member: Member, until: float) -> bool:
        room = self._until.setdefault(room_id, {})
        previous = room.get(member)
        room[member] = max(until, previous or 0.0)
        return previous is None or previous <= time.time()

    async def extend(self, entries: list[tuple[int, Member]], until: float) -> None:
        for room_id, member in entries:
            room = self._until.setdefault(room_id, {})
            room[member] = max(until, room.get(member, 0.0))

    async def remove_if_expired(self, room_id: int, member: Member, now: float) -> bool:
        room = self._until.get(room_id, {})
        until = room.get(member)
        if until is None or until > now:
            return False
        del room[member]
        return True

    async def online(self, room_id: int, now: float) -> list[Member]:
        return [member for member, until in self._until.get(room_id, {}).items() if until > now]


# ZADD GT keeps the later expiry when two processes write; the script removes only a member whose
# expiry has passed and tells the one caller that did it, so `leave` is announced once.
_REMOVE_IF_EXPIRED = """
local score = redis.call('ZSCORE', KEYS[1], ARGV[1])
if score and tonumber(score) <= tonumber(ARGV[2]) then
  redis.call('ZREM', KEYS[1], ARGV[1])
  return 1
end
return 0
"""


class RedisPresence(PresenceStore):
    def __init__(self, redis: Redis, prefix: str) -> None:
        self._redis = redis
        self._prefix = prefix
        self._remove = redis.register_script(_REMOVE_IF_EXPIRED)

    def _key(self, room_id: int) -> str:
        return f"{self._prefix}:presence:{room_id}"

    async def arrive(self, room_id: int, member: Member, until: float) -> bool:
        key = self._key(room_id)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.zscore(key, member.encode())
            pipe.zadd(key, {member.encode(): until}, gt=True)
            previous, _ = await pipe.execute()
        return previous is None or float(previous) <= time.time()

    async def extend(self, entries: list[tuple[int, Member]], until: float) -> None:
        if not entries:
            return
        async with self._redis.pipeline(transaction=False) as pipe:
            for room_id, member in entries:
                pipe.zadd(self._key(room_id), {member.encode(): until}, gt=True)
            await pipe.execute()

    async def remove_if_expired(self, room_id: int, member: Member, now: float) -> bool:
        return bool(await self._remove(keys=[self._key(room_id)], args=[member.encode(), now]))

    async def online(self, room_id: int, now: float) -> list[Member]:
        found = await self._redis.zrangebyscore(self._key(room_id), f"({now}", "+inf")
        return [Member.decode(item) for item in found]  # type: ignore[arg-type]
