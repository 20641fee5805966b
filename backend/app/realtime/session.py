"""One socket's life: accept, admission, `hello` and the replay of what it missed, the reading
loop, the close, and its one log line.

The writing side belongs to the connection (realtime/connection.py), what each client frame
does to realtime/protocol.py, who may connect to realtime/admission.py."""

import asyncio
import contextlib
import time
from dataclasses import dataclass, field

from fastapi import WebSocket, WebSocketDisconnect
from starlette.types import Receive, Scope, Send

from app.context import AppContext
from app.database import DATABASE_DOWN
from app.logs import access_log, log_event
from app.middleware import request_id_for
from app.realtime.admission import (
    Admission,
    Refused,
    admit,
    bearer_token,
    check_connection_cap,
    check_origin,
    parse_since,
)
from app.realtime.connection import CLOSE_TIMEOUT, ClientConnection
from app.realtime.frames import CloseCode, Gap, Hello, MessageFrame, encode
from app.realtime.protocol import ClientFrames
from app.realtime.slots import NewestFirst
from app.schemas import MessageOut, UserPublic
from app.server_internals import DirectSocket, FastWrites
from app.services.access import room_peers
from app.services.unit_of_work import unit_of_work

# Room ids are 64-bit: a longer run of digits names no room.
MAX_ROOM_ID = 2**63 - 1
_SCOPE_KEYS_NOT_KEPT = ("state", "extensions", "asgi", "subprotocols", "app")
# Replays read from the database at once (per process). A replay is up to `ws_replay_limit`
# messages (megabytes): a burst of resumes (a restart, or sockets opened with `since=0` on
# purpose) reads them a few at a time, and leaves the rest of the pool to everyone else.
REPLAY_READS = 4
# Openings reading the database at once (admission, greeting, replay), and how long one may wait
# before it goes ahead of newer ones (realtime/slots.py). Two keep the pool's overflow unused
# under a connect storm; the reads are a few milliseconds each.
OPENING_READS = 2
OPENING_PATIENCE = 5.0


class RoomSockets:
    """The socket endpoint of `/ws/{room_id}` and of `/ws` (api/ws.py routes to it): one call per
    socket, for the socket's whole life, with the server's own `send`, which the fan-out fast
    path writes behind. `room_id` 0 stands for a path that names no room (closed 4404); None is
    `/ws`, every room of the user."""

    def __init__(self, fast_writes: FastWrites | None) -> None:
        self.fast_writes = fast_writes
        self.replay_reads = asyncio.Semaphore(REPLAY_READS)
        self.reads = NewestFirst(OPENING_READS, OPENING_PATIENCE)

    async def serve(self, scope: Scope, receive: Receive, send: Send, room_id: int | None) -> None:
        started = time.monotonic()
        request_id = scope.setdefault("state", {})["request_id"] = request_id_for(scope)
        if room_id is not None and room_id > MAX_ROOM_ID:
            room_id = 0
        # The socket's transport, for the fan-out fast path (None: frames go through `send`).
        direct = self.fast_writes.socket_for(send) if self.fast_writes is not None else None
        websocket = WebSocket(scope, receive, send)
        context: AppContext = scope["app"].state.context
        session = await _open(context, websocket, receive, send, room_id, direct, self, started)
        del websocket  # from here on the socket is the server's own `receive` and `send`
        if session is None:
            return
        # The handshake's headers (the token among them), and what the scope carried for the
        # app, are of no further use, yet the server keeps the scope for the socket's lifetime
        # (it logs the client's address and the path from it).
        scope["headers"] = []
        for key in _SCOPE_KEYS_NOT_KEPT:
            scope.pop(key, None)
        try:
            await session.read_until_closed()
        finally:
            await context.hub.detach(session.conn)
            _log_session(request_id, session.conn.member.id, room_id, session.close_code, started)


async def _open(
    context: AppContext,
    websocket: WebSocket,
    receive: Receive,
    send: Send,
    room_id: int | None,
    direct: DirectSocket | None,
    endpoint: RoomSockets,
    started: float,
) -> "SocketSession | None":
    """Accept, admit, register with the hub and greet; None if the socket was refused, or did
    not take its greeting in time.

    Database sessions are held only while they are read (admission, then the greeting), never
    while waiting on anything else, and are closed before the first write, the `hello` included:
    a peer that does not read holds up its own socket only, never a pooled connection everyone
    else is waiting for. Kept apart from the reading loop so that nothing of the admission (the
    `hello` with its online list, the replay, the caller's account) stays referenced for the
    socket's lifetime."""
    token, subprotocol = bearer_token(websocket)
    # Accept first, even to refuse: a close code (4401, 4403, 4404) only exists on an open socket.
    await websocket.accept(subprotocol=subprotocol)
    user_id: int | None = None
    attached: ClientConnection | None = None
    request_id = websocket.scope["state"]["request_id"]
    try:
        check_origin(websocket, context.settings.cors_origins)
        since = parse_since(websocket)
        # A unit of work: connecting to a public room joins it, and that must be committed.
        try:
            async with endpoint.reads.slot(), unit_of_work(context.sessions, context.events) as db:
                admission = await admit(context, db, token, room_id)
        except DATABASE_DOWN:  # the commit (admit turns its own reads' failures into Refused)
            raise Refused(CloseCode.TRY_LATER, "database unavailable") from None
        user_id = admission.member.id
        check_connection_cap(context, user_id)
        if direct is not None:
            direct.forget_handshake()
        conn = ClientConnection(
            send,  # not the WebSocket object: it would keep the handshake's scope alive
            admission.member,
            room_id or 0,
            admission.session_id,
            context.settings.ws_send_queue_limit,
            direct,
        )
        await context.hub.attach(conn, admission.member_rooms)
        attached = conn
        # Attached before anything is read for the greeting: whatever is stored (or changes
        # membership) from now on reaches the socket too (and waits in the outbox), so nothing
        # falls between the greeting and the live frames.
        if room_id is None:
            greeting = await _user_greeting(context, conn, since, endpoint)
        else:
            greeting = await _room_greeting(context, admission, room_id, since, endpoint)
        session = SocketSession(context, receive, conn)
        await session.greet(greeting)
    except Refused as refused:
        if attached is not None:
            await context.hub.detach(attached)
        await close_within(websocket, refused.code, refused.reason)
        _log_session(request_id, user_id, room_id, refused.code, started)
        return None
    except WebSocketDisconnect as gone:  # the client left during its greeting
        if attached is not None:
            await context.hub.detach(attached)
        _log_session(request_id, user_id, room_id, gone.code, started)
        return None
    except BaseException:
        if attached is not None:
            await context.hub.detach(attached)
        raise
    conn.expire_at(admission.expires_at)
    return session


@dataclass
class _Greeting:
    """What a new socket is sent before it goes live, all read from the database beforehand."""

    hello: Hello
    since: int | None = None
    gaps: list[int] = field(default_factory=list)  # rooms whose history to fetch instead of a replay
    missed: list[MessageOut] = field(default_factory=list)


async def _room_greeting(
    context: AppContext, admission: Admission, room_id: int, since: int | None, endpoint: RoomSockets
) -> _Greeting:
    assert admission.hello is not None
    hello = admission.hello
    hello.online = await _online(context, admission.room_members)
    if since is None:
        return _Greeting(hello)
    try:
        # Slots first: no connection held waiting.
        async with endpoint.replay_reads, endpoint.reads.slot(), context.sessions() as db:
            missed, gap = await context.messages.since(db, room_id, since)
    except DATABASE_DOWN:
        raise Refused(CloseCode.TRY_LATER, "database unavailable") from None
    return _Greeting(hello, since, [room_id] if gap else [], missed)


async def _user_greeting(
    context: AppContext, conn: ClientConnection, since: int | None, endpoint: RoomSockets
) -> _Greeting:
    """A /ws socket's rooms, who is online among the people in them, and what it missed."""
    user_id = conn.member.id
    try:
        async with endpoint.reads.slot(), context.sessions() as db:
            rooms = await context.rooms.list_joined(db, user_id)
            peers = await room_peers(db, user_id)
    except DATABASE_DOWN:
        raise Refused(CloseCode.TRY_LATER, "database unavailable") from None
    # The socket receives these rooms from here on; the replay is read after, so nothing falls between.
    await context.hub.follow(conn, [room.id for room in rooms])
    newest = max((room.last_message_id or 0 for room in rooms), default=0)
    hello = Hello(
        user=conn.member.public(),
        rooms=rooms,
        online=await _online(context, peers),
        last_message_id=newest or None,
    )
    if since is None:
        return _Greeting(hello)
    try:
        async with endpoint.replay_reads, endpoint.reads.slot(), context.sessions() as db:
            missed, gaps = await context.messages.since_in_rooms(db, user_id, since)
    except DATABASE_DOWN:
        raise Refused(CloseCode.TRY_LATER, "database unavailable") from None
    return _Greeting(hello, since, gaps, missed)


async def _online(context: AppContext, people: list[tuple[int, str]]) -> list[UserPublic]:
    """Who of `people` is online."""
    online = await context.hub.online_among([person_id for person_id, _ in people])
    return [UserPublic(id=person_id, username=name) for person_id, name in sorted(people) if person_id in online]


async def close_within(websocket: WebSocket, code: int, reason: str) -> None:
    """Close, giving a peer that does not read CLOSE_TIMEOUT to take the close frame; after that
    the socket is given up without one (uvicorn drops it once this handler returns)."""
    with contextlib.suppress(Exception):  # the peer may be gone already
        async with asyncio.timeout(CLOSE_TIMEOUT):
            await websocket.close(code, reason)


def _log_session(
    request_id: str | None, user_id: int | None, room_id: int | None, code: int | None, started: float
) -> None:
    log_event(
        access_log,
        "websocket",
        request_id=request_id,
        user_id=user_id,
        room_id=room_id,
        close_code=code,
        seconds=round(time.monotonic() - started, 3),
    )


class SocketSession:
    """A live socket: its greeting, then its client frames until it closes."""

    __slots__ = ("client_close_code", "conn", "context", "frames", "reading", "receive")

    def __init__(self, context: AppContext, receive: Receive, conn: ClientConnection) -> None:
        self.context = context
        self.receive = receive
        self.conn = conn
        self.frames = ClientFrames(context, conn)
        self.client_close_code: int | None = None
        self.reading = False

    @property
    def close_code(self) -> int | None:
        """Who closed, with what: this side's code, else the client's."""
        return self.conn.close_code or self.client_close_code

    async def greet(self, greeting: _Greeting) -> None:
        """`hello`, then what was missed: all taken within `ws_replay_timeout_seconds`, or Refused
        (1013, the client resumes later from the last message it got).

        One deadline for the whole greeting rather than one per write: a peer that reads just
        enough to keep each write going would otherwise keep up to `ws_replay_limit` messages
        (megabytes) in memory here for as long as it likes. Whatever the outcome, the replay is
        let go on the way out (a close may still wait for the peer)."""
        conn = self.conn
        if greeting.since is not None:  # live copies of what the client has, or is replayed, are dropped
            skip = dict.fromkeys(conn.rooms, greeting.since)
            for message in greeting.missed:
                skip[message.room_id] = message.id
            conn.skip = skip
        try:
            async with asyncio.timeout(self.context.settings.ws_replay_timeout_seconds):
                await conn.send_now(encode(greeting.hello))
                for room_id in greeting.gaps:
                    await conn.send_now(encode(Gap(room_id=room_id)))
                for message in greeting.missed:
                    if conn.close_code is not None:
                        break  # closed meanwhile (signed out, outbox overflowed): going live says so
                    await conn.send_now(encode(MessageFrame(message=message)))
        except TimeoutError:
            raise Refused(CloseCode.TRY_LATER, "replay not taken in time") from None
        except OSError:  # the server's send, when the peer is gone
            raise WebSocketDisconnect(1006) from None
        finally:
            greeting.missed.clear()

    async def read_until_closed(self) -> None:
        """Read frames until the client leaves, or until this side has closed the socket (or
        given up on a peer that does not read): then reading any further is pointless."""
        reader = asyncio.current_task()
        assert reader is not None
        self.reading = True

        def finished() -> None:
            if self.reading:
                reader.cancel()

        self.conn.go_live(finished)
        receive, handle = self.receive, self.frames.handle
        try:
            while True:
                event = await receive()
                if event["type"] == "websocket.disconnect":
                    self.client_close_code = event.get("code")
                    return
                await handle(event.get("text"))
        except asyncio.CancelledError:
            if self.conn.close_code is None:
                raise  # cancelled from outside (shutdown): not ours to swallow
            reader.uncancel()
        finally:
            self.reading = False
