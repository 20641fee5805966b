"""This process's sockets, by room, user and session, and the fan-out of broker events to them.

Fan-out never waits on a socket: each event's frame is serialised once, and handed to each
socket of the room, which writes it at once or queues it (see realtime/connection.py). A
socket that falls too far behind is closed (1013) and catches up with `since` on return."""

import asyncio
import logging
import time
from collections.abc import Awaitable
from typing import Literal, TypeVar

from app.realtime.broker import Broker, Event
from app.realtime.connection import ClientConnection, OutFrame
from app.realtime.frames import CloseCode, Presence, encode
from app.realtime.presence import Member, PresenceStore

log = logging.getLogger(__name__)

T = TypeVar("T")
D = TypeVar("D")


class RoomHub:
    """Owns this process's room -> sockets map; turns broker events into frames on sockets."""

    def __init__(self, broker: Broker, presence: PresenceStore, grace_seconds: float) -> None:
        self._broker = broker
        self._presence = presence
        self._grace = grace_seconds
        # Heartbeat: often enough that an entry is pushed forward well before it expires.
        self._heartbeat = max(0.5, grace_seconds / 2)
        self._rooms: dict[int, set[ClientConnection]] = {}
        self._users: dict[int, set[ClientConnection]] = {}
        self._sessions: dict[int, set[ClientConnection]] = {}
        self._local: dict[tuple[int, Member], int] = {}  # sockets per (room, user) here
        self._subscribed: set[int] = set()
        self._subscription_lock = asyncio.Lock()
        self._leave_checks: set[asyncio.Task[None]] = set()
        self._heartbeat_task: asyncio.Task[None] | None = None

    @property
    def connection_count(self) -> int:
        return sum(len(conns) for conns in self._rooms.values())

    def start(self) -> None:
        self._heartbeat_task = asyncio.create_task(self._beat(), name="hub-heartbeat")

    async def stop(self) -> None:
        tasks = [*self._leave_checks, *([self._heartbeat_task] if self._heartbeat_task else [])]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        for conns in list(self._rooms.values()):
            for conn in list(conns):
                conn.close(CloseCode.SERVICE_RESTART)  # clients reconnect and resume

    # --- sockets come and go -------------------------------------------------------------

    async def attach(self, conn: ClientConnection) -> None:
        """Start fanning out the room's events to `conn` (its writer is not running yet)."""
        room_id, member = conn.room_id, conn.member
        async with self._subscription_lock:
            if room_id not in self._subscribed:
                await self._broker.subscribe(room_id)
                self._subscribed.add(room_id)
            self._rooms.setdefault(room_id, set()).add(conn)
        self._users.setdefault(member.id, set()).add(conn)
        self._sessions.setdefault(conn.session_id, set()).add(conn)
        key = (room_id, member)
        self._local[key] = self._local.get(key, 0) + 1
        if self._local[key] == 1:
            arrived = await self._guard(
                self._presence.arrive(room_id, member, time.time() + self._grace + self._heartbeat), False
            )
            if arrived:
                await self._announce(room_id, "join", member)

    async def detach(self, conn: ClientConnection) -> None:
        room_id, member = conn.room_id, conn.member
        conn.stop()
        _discard(self._rooms, room_id, conn)
        _discard(self._users, member.id, conn)
        _discard(self._sessions, conn.session_id, conn)
        key = (room_id, member)
        self._local[key] -= 1
        if self._local[key] == 0:
            del self._local[key]
            await self._guard(self._presence.extend([key], time.time() + self._grace), None)
            task = asyncio.create_task(self._leave_after_grace(room_id, member))
            self._leave_checks.add(task)
            task.add_done_callback(self._leave_checks.discard)

    async def online(self, room_id: int) -> list[Member]:
        members = await self._guard(self._presence.online(room_id, time.time()), None)
        if members is None:  # presence store unreachable: at least the users connected here
            return sorted({m for (room, m) in self._local if room == room_id}, key=lambda m: m.id)
        return members

    async def online_ids(self, room_id: int) -> set[int]:
        return {member.id for member in await self.online(room_id)}

    def user_connection_count(self, user_id: int) -> int:
        return len(self._users.get(user_id, ()))

    # --- broker events ---------------------------------------------------------------------

    def handle(self, event: Event) -> None:
        """Called by the broker for every event, in the order they were published."""
        kind = event.kind
        frame = OutFrame(event.frame) if event.frame else None
        if kind == "room" and frame is not None:
            number = event.message_id or 0
            skip = event.user_id if event.skip_user else None
            for conn in self._rooms.get(event.room_id or 0, ()):
                if conn.member.id != skip:
                    conn.push(frame, number)
        elif kind == "room_closed":
            for conn in self._rooms.get(event.room_id or 0, ()):
                if frame is not None:
                    conn.push(frame)
                conn.close(event.close_code or 4404, after_pending=True)
        elif kind == "user_frame" and frame is not None:
            for conn in self._users.get(event.user_id or 0, ()):
                conn.push(frame)
        elif kind == "user_closed":
            for conn in self._users.get(event.user_id or 0, ()):
                if event.room_id is None or conn.room_id == event.room_id:
                    conn.close(event.close_code or 4403)
        elif kind == "session_closed":
            for conn in self._sessions.get(event.session_id or 0, ()):
                conn.close(event.close_code or 4401)

    # --- presence ----------------------------------------------------------------------------

    async def _announce(self, room_id: int, change: Literal["join", "leave"], member: Member) -> None:
        frame = encode(Presence(event=change, user=member.public()))
        # Not to the user's own sockets: their `hello` already says they are online.
        await self._broker.publish(Event("room", room_id=room_id, frame=frame, user_id=member.id, skip_user=True))

    async def _leave_after_grace(self, room_id: int, member: Member) -> None:
        await asyncio.sleep(self._grace + 0.05)
        if (room_id, member) in self._local:
            return
        if await self._guard(self._presence.remove_if_expired(room_id, member, time.time()), False):
            await self._announce(room_id, "leave", member)

    async def _beat(self) -> None:
        while True:
            await asyncio.sleep(self._heartbeat)
            try:
                now = time.time()
                await self._guard(self._presence.extend(list(self._local), now + self._grace + self._heartbeat), None)
                # Users of a crashed process expire without anyone's leave check: sweep them.
                for room_id in list(self._rooms):
                    for member in await self._guard(self._presence.online(room_id, -1.0), None) or []:
                        if (room_id, member) not in self._local and await self._guard(
                            self._presence.remove_if_expired(room_id, member, now - 1.0), False
                        ):
                            await self._announce(room_id, "leave", member)
                await self._drop_idle_subscriptions()
            except Exception:
                log.exception("hub heartbeat failed")

    async def _drop_idle_subscriptions(self) -> None:
        async with self._subscription_lock:
            for room_id in [r for r in self._subscribed if not self._rooms.get(r)]:
                self._subscribed.discard(room_id)
                self._rooms.pop(room_id, None)
                await self._broker.unsubscribe(room_id)

    async def _guard(self, call: Awaitable[T], default: D) -> T | D:
        """Presence is best effort: while its store is unreachable, chat goes on without it."""
        try:
            return await call
        except Exception as exc:
            log.warning("presence store unavailable: %s", exc)
            return default


def _discard(index: dict[int, set[ClientConnection]], key: int, conn: ClientConnection) -> None:
    conns = index.get(key)
    if conns is not None:
        conns.discard(conn)
        if not conns:
            del index[key]
