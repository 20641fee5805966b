"""This process's sockets, by room, user and session, and the fan-out of broker events to them.

Fan-out never waits on a socket: each event's frame is serialised once, and handed to each
socket of the room, which writes it at once or queues it (see realtime/connection.py). A
socket that falls too far behind is closed (1013) and catches up with `since` on return.

A /ws/{room_id} socket receives one room; a /ws socket every room of its user, joining and
leaving rooms as the user's memberships change (`member_added` / `member_removed` events)."""

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Collection, Coroutine
from dataclasses import dataclass
from typing import Any, TypeVar

from app.cancellation import cancel_and_wait
from app.realtime.broker import Broker, Event
from app.realtime.connection import ClientConnection, FrameRun, OutFrame
from app.realtime.frames import CloseCode, Presence, RoomRemoved, encode
from app.realtime.presence import Member, PresenceStore

log = logging.getLogger(__name__)

T = TypeVar("T")
D = TypeVar("D")

# A user's name and the ids of the rooms they are a member of (read from the database).
RoomsOf = Callable[[int], Awaitable[tuple[str, list[int]]]]


@dataclass(eq=False, slots=True)
class _UserHere:
    """A user with sockets in this process: how many, and the rooms whose members hear of their presence."""

    member: Member
    sockets: int = 0
    rooms: tuple[int, ...] = ()
    arrived: bool = False  # marked online (announced, if they were not online before)


class RoomHub:
    """Owns this process's room -> sockets map; turns broker events into frames on sockets."""

    def __init__(self, broker: Broker, presence: PresenceStore, grace_seconds: float, rooms_of: RoomsOf) -> None:
        self._broker = broker
        self._presence = presence
        self._grace = grace_seconds
        self._rooms_of = rooms_of
        # Heartbeat: often enough that an entry is pushed forward well before it expires.
        self._heartbeat = max(0.5, grace_seconds / 2)
        # A room's sockets here, as a list: a set of 50 takes 2,264 bytes, a list 472. A socket is
        # in a room's list exactly while the room is in its `rooms`, so it is never there twice.
        self._rooms: dict[int, list[ClientConnection]] = {}
        # A user's or a session's sockets are few: lists (72 bytes for one) rather than sets (216).
        self._users: dict[int, list[ClientConnection]] = {}
        self._sessions: dict[int, list[ClientConnection]] = {}
        self._here: dict[int, _UserHere] = {}
        self._subscribed: set[int] = set()
        # One int object per room id for every socket's `rooms` (ids read from the database are
        # new objects each time: 28 bytes per room per socket otherwise).
        self._room_ids: dict[int, int] = {}
        self._subscription_lock = asyncio.Lock()
        # (user, room) memberships announced while their room's subscription is being made.
        self._pending_adds: set[tuple[int, int]] = set()
        # /ws sockets between attach and their room list being read: membership events, in order.
        self._unsynced: dict[ClientConnection, list[tuple[bool, int]]] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._heartbeat_task: asyncio.Task[None] | None = None
        # Graceful shutdown (app/shutdown.py): the code every socket closes with, and the sign that none is left.
        self._closing: int | None = None
        self._emptied = asyncio.Event()

    @property
    def connection_count(self) -> int:
        return sum(len(conns) for conns in self._users.values())

    def start(self) -> None:
        self._heartbeat_task = asyncio.create_task(self._beat(), name="hub-heartbeat")

    async def stop(self) -> None:
        await cancel_and_wait(*self._tasks, self._heartbeat_task)
        for conns in list(self._users.values()):
            for conn in list(conns):
                conn.close(CloseCode.SERVICE_RESTART)  # clients reconnect and resume

    def close_all(self, code: int) -> None:
        """Close every socket with `code` once the frames already queued for it are out, and
        every socket attached from now on as soon as it has had its greeting."""
        self._closing = code
        for conns in list(self._users.values()):
            for conn in list(conns):
                conn.close(code, after_pending=True)

    async def wait_until_empty(self) -> None:
        """Returns once no socket is left (each has been detached)."""
        while self._users:
            self._emptied.clear()
            await self._emptied.wait()

    # --- sockets come and go -------------------------------------------------------------

    async def attach(self, conn: ClientConnection, member_rooms: Collection[int]) -> None:
        """Start fanning out events to `conn` (its writer is not running yet). A /ws socket
        receives no room yet: `follow` gives it its rooms once they are read."""
        if conn.follows_membership:
            self._unsynced[conn] = []
        else:
            await self._subscribe(conn.rooms)
            self._rooms.setdefault(conn.room_id, []).append(conn)
        self._users.setdefault(conn.member.id, []).append(conn)
        self._sessions.setdefault(conn.session_id, []).append(conn)
        here = self._here.get(conn.member.id)
        if here is None:
            here = self._here[conn.member.id] = _UserHere(conn.member)
        here.sockets += 1
        if not conn.follows_membership:
            here.rooms = tuple(member_rooms)
            await self._arrive(here)
        if self._closing is not None:  # admitted while the process began to shut down
            conn.close(self._closing, after_pending=True)

    async def follow(self, conn: ClientConnection, rooms: Collection[int]) -> None:
        """A /ws socket's rooms, read after `attach`: with the membership changes heard since
        applied on top, so that none committed around the read is lost."""
        joined = set(rooms)
        while True:
            changes = self._unsynced.get(conn, [])
            for added, room_id in changes:
                if added:
                    joined.add(room_id)
                else:
                    joined.discard(room_id)
            changes.clear()
            await self._subscribe(joined)
            # Changes heard while subscribing are applied too: until the socket leaves
            # `_unsynced` (with no await between the check and the pop), they queue there.
            if not self._unsynced.get(conn):
                break
        self._unsynced.pop(conn, None)
        if conn.close_code is not None or conn.member.id not in self._users:
            return
        conn.rooms = tuple(self._room_ids.setdefault(room_id, room_id) for room_id in joined)
        for room_id in joined:
            self._rooms.setdefault(room_id, []).append(conn)
        here = self._here.get(conn.member.id)
        if here is not None:
            here.rooms = conn.rooms
            await self._arrive(here)

    async def detach(self, conn: ClientConnection) -> None:
        member = conn.member
        conn.stop()
        self._unsynced.pop(conn, None)
        for room_id in conn.rooms:
            _drop(self._rooms, room_id, conn)
        _drop(self._users, member.id, conn)
        _drop(self._sessions, conn.session_id, conn)
        if not self._users:
            self._emptied.set()
        here = self._here.get(member.id)
        if here is None:
            return
        here.sockets -= 1
        if here.sockets == 0:
            del self._here[member.id]
            await self._guard(self._presence.extend([member.id], time.time() + self._grace), None)
            self._spawn(self._offline_after_grace(member, here.rooms))

    async def online_among(self, user_ids: Collection[int]) -> set[int]:
        online = await self._guard(self._presence.online_among(user_ids, time.time()), None)
        if online is None:  # presence store unreachable: at least the users connected here
            return {user_id for user_id in user_ids if user_id in self._here}
        return online

    def user_connection_count(self, user_id: int) -> int:
        return len(self._users.get(user_id, ()))

    # --- broker events ---------------------------------------------------------------------

    def handle(self, event: Event) -> None:
        """Called by the broker for every event, in the order they were published."""
        kind = event.kind
        if kind == "messages":  # the busiest path first
            self._messages(event)
            return
        frame = OutFrame(event.frame) if event.frame else None
        if kind == "room" and frame is not None:
            number, room_id = event.message_id or 0, event.room_id or 0
            conns = self._rooms.get(room_id, ())
            if event.skip_user:
                skip = event.user_id
                for conn in conns:
                    if conn.member.id != skip:
                        conn.push(frame, number, room_id)
            else:
                for conn in conns:
                    conn.push(frame, number, room_id)
        elif kind == "room_closed":
            self._room_closed(event, frame)
        elif kind == "user_frame" and frame is not None:
            for conn in self._users.get(event.user_id or 0, ()):
                conn.push(frame)
        elif kind == "user_closed":
            for conn in self._users.get(event.user_id or 0, ()):
                conn.close(event.close_code or CloseCode.FORBIDDEN)
        elif kind == "session_closed":
            for conn in self._sessions.get(event.session_id or 0, ()):
                conn.close(event.close_code or CloseCode.UNAUTHENTICATED)
        elif kind == "member_added" and frame is not None:
            self._member_added(event.user_id or 0, event.room_id or 0, frame)
        elif kind == "member_removed" and frame is not None:
            self._member_removed(event.user_id or 0, event.room_id or 0, frame, event.close_code)
        elif kind == "presence" and frame is not None:
            self._presence_changed(event.user_id or 0, event.rooms or (), frame)

    def _messages(self, event: Event) -> None:
        conns = self._rooms.get(event.room_id or 0)
        if not conns or not event.frames or not event.message_ids:
            return
        run = FrameRun([OutFrame(text) for text in event.frames], event.message_ids, event.room_id or 0)
        for conn in conns:
            conn.push_run(run)

    def _room_closed(self, event: Event, frame: OutFrame | None) -> None:
        room_id = event.room_id or 0
        removed: OutFrame | None = None
        for conn in list(self._rooms.pop(room_id, ())):
            if conn.follows_membership:
                removed = removed or OutFrame(encode(RoomRemoved(room_id=room_id, reason="deleted")))
                conn.rooms = _without(conn.rooms, room_id)
                conn.push(removed)
            else:
                if frame is not None:
                    conn.push(frame)
                conn.close(event.close_code or CloseCode.NO_ROOM, after_pending=True)
        self._pending_adds = {(user, room) for user, room in self._pending_adds if room != room_id}
        for here in self._here.values():
            here.rooms = _without(here.rooms, room_id)
        for changes in self._unsynced.values():
            changes.append((False, room_id))

    def _member_added(self, user_id: int, room_id: int, frame: OutFrame) -> None:
        here = self._here.get(user_id)
        if here is not None and room_id not in here.rooms:
            here.rooms += (room_id,)
        conns = [conn for conn in self._users.get(user_id, ()) if conn.follows_membership]
        for conn in conns:
            if conn in self._unsynced:
                self._unsynced[conn].append((True, room_id))
        if not any(conn not in self._unsynced for conn in conns):
            return
        self._pending_adds.add((user_id, room_id))
        if room_id in self._subscribed:
            self._start_following(user_id, room_id, frame)
        else:  # the room's frames must flow here before its sockets are told they do
            self._spawn(self._subscribe_then_follow(user_id, room_id, frame))

    async def _subscribe_then_follow(self, user_id: int, room_id: int, frame: OutFrame) -> None:
        await self._subscribe([room_id])
        self._start_following(user_id, room_id, frame)

    def _start_following(self, user_id: int, room_id: int, frame: OutFrame) -> None:
        if (user_id, room_id) not in self._pending_adds:
            return  # removed meanwhile
        self._pending_adds.discard((user_id, room_id))
        for conn in self._users.get(user_id, ()):
            if conn.follows_membership and conn not in self._unsynced and room_id not in conn.rooms:
                conn.rooms += (room_id,)
                self._rooms.setdefault(room_id, []).append(conn)
                conn.push(frame)

    def _member_removed(self, user_id: int, room_id: int, frame: OutFrame, close_code: int | None) -> None:
        self._pending_adds.discard((user_id, room_id))
        here = self._here.get(user_id)
        if here is not None:
            here.rooms = _without(here.rooms, room_id)
        for conn in self._users.get(user_id, ()):
            if not conn.follows_membership:
                if conn.room_id == room_id:  # they may join again: reconnecting says whether they did
                    conn.close(close_code or CloseCode.FORBIDDEN)
            elif conn in self._unsynced:
                self._unsynced[conn].append((False, room_id))
            elif room_id in conn.rooms:
                conn.rooms = _without(conn.rooms, room_id)
                _drop(self._rooms, room_id, conn)
                conn.push(frame)

    def _presence_changed(self, user_id: int, rooms: Collection[int], frame: OutFrame) -> None:
        """To every socket that shares one of `rooms` with the user, once; not to the user's own."""
        told: set[ClientConnection] = set()
        for room_id in rooms:
            for conn in self._rooms.get(room_id, ()):
                if conn not in told and conn.member.id != user_id:
                    told.add(conn)
                    conn.push(frame)

    # --- presence ----------------------------------------------------------------------------

    async def _arrive(self, here: _UserHere) -> None:
        """The user's first socket here knows its rooms: online, announced if they were not before."""
        if here.arrived:
            return
        here.arrived = True
        until = time.time() + self._grace + self._heartbeat
        if await self._guard(self._presence.arrive(here.member.id, until), False):
            await self._announce(here.member, online=True, rooms=here.rooms)

    async def _announce(self, member: Member, *, online: bool, rooms: Collection[int]) -> None:
        if not rooms:
            return
        frame = encode(Presence(event="join" if online else "leave", online=online, user=member.public()))
        await self._broker.publish(Event("presence", user_id=member.id, frame=frame, rooms=tuple(sorted(rooms))))

    async def _offline_after_grace(self, member: Member, rooms: Collection[int]) -> None:
        await asyncio.sleep(self._grace + 0.05)
        if member.id in self._here:
            return
        if await self._guard(self._presence.remove_if_expired(member.id, time.time()), False):
            await self._announce(member, online=False, rooms=rooms)

    async def _beat(self) -> None:
        while True:
            await asyncio.sleep(self._heartbeat)
            try:
                await self.heartbeat()
            except Exception:
                log.exception("hub heartbeat failed")

    async def heartbeat(self) -> None:
        """Keeps this process's users online, announces those of crashed processes as gone, and
        drops subscriptions no socket needs any more."""
        now = time.time()
        # Only users already marked online: extending one whose rooms are still being read would
        # mark them online first, and their arrival would go unannounced.
        arrived = [user_id for user_id, here in self._here.items() if here.arrived]
        await self._guard(self._presence.extend(arrived, now + self._grace + self._heartbeat), None)
        await self._sweep_expired(now)
        await self._drop_idle_subscriptions()

    async def _sweep_expired(self, now: float) -> None:
        """Users of a crashed process expire without anyone's offline check: announce them."""
        for user_id in await self._guard(self._presence.expired(now - 1.0), None) or []:
            if user_id in self._here:
                continue
            if await self._guard(self._presence.remove_if_expired(user_id, now - 1.0), False):
                username, rooms = await self._guard(self._rooms_of(user_id), ("", []))
                await self._announce(Member(user_id, username), online=False, rooms=rooms)

    async def _subscribe(self, room_ids: Collection[int]) -> None:
        async with self._subscription_lock:
            missing = [room_id for room_id in room_ids if room_id not in self._subscribed]
            if missing:
                await self._broker.subscribe(missing)
                self._subscribed.update(missing)

    async def _drop_idle_subscriptions(self) -> None:
        async with self._subscription_lock:
            for room_id in [r for r in self._subscribed if not self._rooms.get(r)]:
                if any(room == room_id for _, room in self._pending_adds):
                    continue
                self._subscribed.discard(room_id)
                self._rooms.pop(room_id, None)
                self._room_ids.pop(room_id, None)
                await self._broker.unsubscribe(room_id)

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _guard(self, call: Awaitable[T], default: D) -> T | D:
        """Presence is best effort: while its store is unreachable, chat goes on without it."""
        try:
            return await call
        except Exception as exc:
            log.warning("presence store unavailable: %s", exc)
            return default


def _drop(index: dict[int, list[ClientConnection]], key: int, conn: ClientConnection) -> None:
    conns = index.get(key)
    if conns is not None and conn in conns:
        conns.remove(conn)
        if not conns:
            del index[key]


def _without(rooms: tuple[int, ...], room_id: int) -> tuple[int, ...]:
    """`rooms` less `room_id`; the same tuple (shared, nothing copied) when it is not there."""
    return tuple(room for room in rooms if room != room_id) if room_id in rooms else rooms
