"""This process's sockets, by room, user and session, and the fan-out of broker events to them.

Fan-out never waits on a socket: it appends the already-serialised frame to each socket's
bounded outbox, and each socket's writer task drains its own outbox. A socket whose outbox
overflows is closed (1013) and catches up with `since` when it reconnects."""

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any, TypeVar

from app.realtime.broker import Broker, Event
from app.realtime.frames import Presence, encode
from app.realtime.presence import Member, PresenceStore

log = logging.getLogger(__name__)

ASGISend = Callable[[MutableMapping[str, Any]], Awaitable[None]]

T = TypeVar("T")
D = TypeVar("D")

CLOSE_TOO_SLOW = 1013  # "try again later": the client resumes with `since`
# A peer that stopped reading sees the close frame only once it drains its buffers: it gets this
# long to do so, then the socket is dropped without one (the room never waits either way).
CLOSE_TIMEOUT = 10.0
_CLOSE = None  # outbox marker: close once the frames before it are sent


class ClientConnection:
    """One WebSocket: a bounded outbox drained by its own writer task."""

    __slots__ = (
        "_outbox",
        "_send",
        "_wake",
        "close_code",
        "expiry_timer",
        "limit",
        "member",
        "room_id",
        "session_id",
        "skip_up_to",
    )

    def __init__(self, send: ASGISend, member: Member, room_id: int, session_id: int, limit: int) -> None:
        self._send = send
        self.member = member
        self.room_id = room_id
        self.session_id = session_id
        self.limit = limit
        self._outbox: deque[tuple[str | None, int]] = deque()
        self._wake = asyncio.Event()
        self.close_code: int | None = None
        # While a resume is replayed, live copies of the replayed messages are dropped.
        self.skip_up_to = 0
        self.expiry_timer: asyncio.TimerHandle | None = None

    def push(self, frame: str, message_id: int = 0) -> None:
        if self.close_code is not None:
            return
        if len(self._outbox) >= self.limit:
            self.close(CLOSE_TOO_SLOW)
            return
        self._outbox.append((frame, message_id))
        self._wake.set()

    def close(self, code: int, *, after_pending: bool = False) -> None:
        """Close with `code`: at once, or once the frames already queued are sent."""
        if self.close_code is not None:
            return
        if after_pending:
            self._outbox.append((_CLOSE, code))
        else:
            self.close_code = code
            self._outbox.clear()
        self._wake.set()

    async def send_now(self, frame: str) -> None:
        """Send before the writer runs (hello, replay)."""
        await self._send({"type": "websocket.send", "text": frame})

    async def run_writer(self) -> None:
        send = self._send
        outbox = self._outbox
        while self.close_code is None:
            await self._wake.wait()
            self._wake.clear()
            while outbox and self.close_code is None:
                frame, number = outbox.popleft()
                if frame is None:
                    self.close_code = number
                elif number == 0 or number > self.skip_up_to:
                    await send({"type": "websocket.send", "text": frame})
        with contextlib.suppress(Exception):  # the peer may be gone already
            await asyncio.wait_for(send({"type": "websocket.close", "code": self.close_code}), CLOSE_TIMEOUT)


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
                conn.close(1012)  # service restart: clients reconnect and resume

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
        if conn.expiry_timer is not None:
            conn.expiry_timer.cancel()
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

    def user_connection_count(self, user_id: int) -> int:
        return len(self._users.get(user_id, ()))

    # --- broker events ---------------------------------------------------------------------

    def handle(self, event: Event) -> None:
        """Called by the broker for every event, in the order they were published."""
        kind = event.kind
        if kind == "room":
            frame, number = event.frame or "", event.message_id or 0
            skip = event.user_id if event.skip_user else None
            for conn in self._rooms.get(event.room_id or 0, ()):
                if conn.member.id != skip:
                    conn.push(frame, number)
        elif kind == "room_closed":
            for conn in self._rooms.get(event.room_id or 0, ()):
                if event.frame:
                    conn.push(event.frame)
                conn.close(event.close_code or 4404, after_pending=True)
        elif kind == "user_frame":
            for conn in self._users.get(event.user_id or 0, ()):
                conn.push(event.frame or "")
        elif kind == "user_closed":
            for conn in self._users.get(event.user_id or 0, ()):
                if event.room_id is None or conn.room_id == event.room_id:
                    conn.close(event.close_code or 4403)
        elif kind == "session_closed":
            for conn in self._sessions.get(event.session_id or 0, ()):
                conn.close(event.close_code or 4401)

    # --- presence ----------------------------------------------------------------------------

    async def _announce(self, room_id: int, change: str, member: Member) -> None:
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
