"""`/ws/{room_id}`: authenticate, register with the hub, replay what was missed, then read frames.

The writing side belongs to the connection (see realtime/connection.py); this module only
authenticates, reads client frames and turns each into a service call or an `error` frame."""

import asyncio
import contextlib
import time
from dataclasses import dataclass, field

import orjson
from fastapi import WebSocket, WebSocketDisconnect
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.types import ASGIApp, Receive, Scope, Send

from app.context import AppContext
from app.database import DATABASE_DOWN
from app.errors import AppError, Forbidden, NotAuthenticated, NotFound
from app.logs import access_log, log_event
from app.middleware import request_id_for
from app.realtime.broker import Event
from app.realtime.connection import CLOSE_TIMEOUT, ClientConnection
from app.realtime.direct import RAW_SEND, DirectSocket
from app.realtime.frames import (
    Auth,
    ErrorFrame,
    Gap,
    Hello,
    MessageFrame,
    Ping,
    Pong,
    SendMessage,
    TypingNotice,
    client_frame_adapter,
    encode,
)
from app.realtime.presence import Member
from app.schemas import MessageOut
from app.services.message_writer import Sent


class SocketLane:
    """Serves `/ws/{room_id}` ahead of the HTTP middleware and the router.

    A socket lives for hours, and every layer it passes through keeps a coroutine frame alive
    for all that time; skipping the HTTP layers (which do nothing for a socket) saves about a
    third of a socket's memory. It also sees the server's own `send`, for the fast path."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.replay_reads = asyncio.Semaphore(REPLAY_READS)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "websocket" or not scope["path"].startswith("/ws/"):
            await self.app(scope, receive, send)
            return
        scope[RAW_SEND] = send
        scope.setdefault("state", {})["request_id"] = request_id_for(scope)
        room = scope["path"][len("/ws/") :]
        room_id = int(room) if room.isdigit() and len(room) < 19 else 0
        await room_socket(WebSocket(scope, receive, send), room_id, self.replay_reads)


CLOSE_UNAUTHENTICATED = 4401
CLOSE_FORBIDDEN = 4403
CLOSE_NO_ROOM = 4404
CLOSE_POLICY = 1008
CLOSE_TOO_BIG = 1009
CLOSE_TRY_LATER = 1013
# Typing notices are best effort; one per second per socket is all a room needs to see.
TYPING_INTERVAL = 1.0
# Replays read from the database at once (per process). A replay is up to `ws_replay_limit`
# messages (megabytes): a burst of resumes (a restart, or sockets opened with `since=0` on
# purpose) reads them a few at a time, and leaves the rest of the pool to everyone else.
REPLAY_READS = 4


class Refused(Exception):
    def __init__(self, code: int, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


@dataclass
class _Admission:
    member: Member
    session_id: int
    expires_at: float
    hello: Hello


def bearer_token(websocket: WebSocket) -> tuple[str | None, str | None]:
    """(token, subprotocol to accept): from the Authorization header, or the browser's
    `["bearer", token]` subprotocols. Never from the query string, which ends up in logs."""
    header = websocket.headers.get("authorization", "")
    scheme, _, credentials = header.partition(" ")
    if scheme.lower() == "bearer" and credentials.strip():
        return credentials.strip(), None
    offered = websocket.scope.get("subprotocols") or []
    if len(offered) >= 2 and offered[0] == "bearer":
        return offered[1], "bearer"
    return None, "bearer" if "bearer" in offered else None


def parse_since(websocket: WebSocket) -> int | None:
    raw = websocket.query_params.get("since")
    if raw is None:
        return None
    if not raw.isdigit() or int(raw) > 2**63 - 1:
        raise Refused(CLOSE_POLICY, "since must be a message id")
    return int(raw)


async def admit(context: AppContext, db: AsyncSession, token: str | None, room_id: int) -> _Admission:
    """Who is connecting, to which room: refused with the close code API.md gives."""
    if not token:
        raise Refused(CLOSE_UNAUTHENTICATED, "missing token")
    try:
        caller = await context.auth.authenticate(db, token)
        try:
            room, last_id = await context.rooms.get_with_newest(db, caller.user, room_id)
        except NotFound:
            exists = await context.rooms.exists(db, room_id)
            raise Refused(CLOSE_FORBIDDEN if exists else CLOSE_NO_ROOM, "room not available") from None
        if not room.joined:  # a public room: connecting joins it
            room = await context.rooms.join(db, caller.user, room_id)
    except NotAuthenticated as exc:
        raise Refused(CLOSE_UNAUTHENTICATED, exc.detail) from None
    except Forbidden as exc:
        raise Refused(CLOSE_FORBIDDEN, exc.detail) from None
    except DATABASE_DOWN:
        raise Refused(CLOSE_TRY_LATER, "database unavailable") from None
    member = Member(caller.user.id, caller.user.username)
    hello = Hello(room=room, user=member.public(), online=[], last_message_id=last_id)
    return _Admission(member, caller.session_id, caller.expires_at, hello)


def check_origin(websocket: WebSocket, allowed: list[str]) -> None:
    """Browsers send Origin: only this site's own pages (or CORS_ORIGINS) may open a socket with
    a user's credentials. Other clients send none and are judged by their token alone."""
    origin = websocket.headers.get("origin")
    if origin is None or origin in allowed:
        return
    host = websocket.headers.get("host", "")
    if origin.split("://", 1)[-1] != host:
        raise Refused(CLOSE_POLICY, "origin not allowed")


def check_connection_cap(context: AppContext, user_id: int) -> None:
    if context.hub.user_connection_count(user_id) >= context.settings.max_connections_per_user:
        raise Refused(CLOSE_POLICY, "too many open connections for this user")


async def room_socket(websocket: WebSocket, room_id: int, replay_reads: asyncio.Semaphore) -> None:
    """`/ws/{room_id}`; room 0 stands for a path that names no room (closed 4404)."""
    context: AppContext = websocket.app.state.context
    started = time.monotonic()
    session = await _open(context, websocket, room_id, replay_reads, started)
    if session is None:
        return
    try:
        await session.read_until_closed()
    finally:
        await context.hub.detach(session.conn)
        _log_session(websocket, session.conn.member.id, room_id, session.close_code, started)


async def _open(
    context: AppContext, websocket: WebSocket, room_id: int, replay_reads: asyncio.Semaphore, started: float
) -> "SocketSession | None":
    """Accept, authenticate, register with the hub and greet; None if the socket was refused, or
    did not take its greeting in time.

    Database sessions are held only while they are read (admission, then the replay), never
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
    try:
        check_origin(websocket, context.settings.cors_origins)
        since = parse_since(websocket)
        async with context.sessions() as db:
            admission = await admit(context, db, token, room_id)
        user_id = admission.member.id
        check_connection_cap(context, user_id)
        direct = DirectSocket.for_scope(websocket.scope) if context.settings.ws_direct_writes else None
        if direct is not None:
            direct.forget_handshake()
        conn = ClientConnection(
            websocket.send,
            admission.member,
            room_id,
            admission.session_id,
            context.settings.ws_send_queue_limit,
            direct,
        )
        await context.hub.attach(conn)
        attached = conn
        # Attached before the replay is read: whatever is stored from now on is pushed too (and
        # waits in the outbox), so nothing falls between the replay and the live frames.
        greeting = await _greeting(context, admission, room_id, since, replay_reads)
        session = SocketSession(context, websocket, conn)
        await session.greet(greeting)
    except Refused as refused:
        if attached is not None:
            await context.hub.detach(attached)
        await close_within(websocket, refused.code, refused.reason)
        _log_session(websocket, user_id, room_id, refused.code, started)
        return None
    except WebSocketDisconnect as gone:  # the client left during its greeting
        if attached is not None:
            await context.hub.detach(attached)
        _log_session(websocket, user_id, room_id, gone.code, started)
        return None
    except BaseException:
        if attached is not None:
            await context.hub.detach(attached)
        raise
    session.expire_at(admission.expires_at)
    return session


@dataclass
class _Greeting:
    """What a new socket is sent before it goes live, all read from the database beforehand."""

    hello: Hello
    gap: bool = False
    missed: list[MessageOut] = field(default_factory=list)
    # Live copies of the replayed messages (ids up to this one) are dropped; 0: no replay.
    skip_up_to: int = 0


async def _greeting(
    context: AppContext, admission: _Admission, room_id: int, since: int | None, replay_reads: asyncio.Semaphore
) -> _Greeting:
    if since is None:
        return _Greeting(admission.hello)
    try:
        async with replay_reads, context.sessions() as db:  # a slot first: no connection held waiting
            missed, gap = await context.messages.since(db, room_id, since)
    except DATABASE_DOWN:
        raise Refused(CLOSE_TRY_LATER, "database unavailable") from None
    return _Greeting(admission.hello, gap, missed, missed[-1].id if missed else since)


async def close_within(websocket: WebSocket, code: int, reason: str) -> None:
    """Close, giving a peer that does not read CLOSE_TIMEOUT to take the close frame; after that
    the socket is given up without one (uvicorn drops it once this handler returns)."""
    with contextlib.suppress(Exception):  # the peer may be gone already
        async with asyncio.timeout(CLOSE_TIMEOUT):
            await websocket.close(code, reason)


def _log_session(websocket: WebSocket, user_id: int | None, room_id: int, code: int | None, started: float) -> None:
    log_event(
        access_log,
        "websocket",
        request_id=websocket.scope.get("state", {}).get("request_id"),
        user_id=user_id,
        room_id=room_id,
        close_code=code,
        seconds=round(time.monotonic() - started, 3),
    )


class SocketSession:
    """The reading side of one socket: each client frame becomes a service call or an error."""

    def __init__(self, context: AppContext, websocket: WebSocket, conn: ClientConnection) -> None:
        self.context = context
        self.websocket = websocket
        self.conn = conn
        self.max_frame = context.settings.ws_max_frame_bytes
        self.last_typing = 0.0
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
        hello = greeting.hello
        hello.online = [m.public() for m in await self.context.hub.online(conn.room_id)]
        conn.skip_up_to = greeting.skip_up_to
        try:
            async with asyncio.timeout(self.context.settings.ws_replay_timeout_seconds):
                await conn.send_now(encode(hello))
                if greeting.gap:
                    await conn.send_now(encode(Gap()))
                for message in greeting.missed:
                    if conn.close_code is not None:
                        break  # closed meanwhile (signed out, outbox overflowed): going live says so
                    await conn.send_now(encode(MessageFrame(message=message)))
        except TimeoutError:
            raise Refused(CLOSE_TRY_LATER, "replay not taken in time") from None
        finally:
            greeting.missed.clear()

    def expire_at(self, expires_at: float) -> None:
        if self.conn.expiry_timer is not None:
            self.conn.expiry_timer.cancel()
        delay = max(0.0, expires_at - time.time())
        self.conn.expiry_timer = asyncio.get_running_loop().call_later(delay, self.conn.close, CLOSE_UNAUTHENTICATED)

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
        try:
            await self.read_frames()
        except asyncio.CancelledError:
            if self.conn.close_code is None:
                raise  # cancelled from outside (shutdown): not ours to swallow
            reader.uncancel()
        finally:
            self.reading = False

    async def read_frames(self) -> None:
        receive = self.websocket.receive
        while True:
            event = await receive()
            if event["type"] == "websocket.disconnect":
                self.client_close_code = event.get("code")
                return
            text = event.get("text")
            if text is None:
                self.error("bad_request", "frames are JSON text, not binary")
                continue
            if len(text) > self.max_frame and len(text.encode()) > self.max_frame:
                self.conn.close(CLOSE_TOO_BIG)
                continue
            await self.handle(text)

    async def handle(self, text: str) -> None:
        try:
            data = orjson.loads(text)
        except orjson.JSONDecodeError:
            self.error("bad_request", "frame is not valid JSON")
            return
        try:
            frame = client_frame_adapter.validate_python(data)
        except ValidationError as exc:
            is_message = isinstance(data, dict) and data.get("type") == "message"
            self.error("invalid_message" if is_message else "bad_request", _first_error(exc))
            return
        if isinstance(frame, SendMessage):
            await self.send_message(frame)
        elif isinstance(frame, Ping):
            self.conn.push_text(encode(Pong()))
        elif isinstance(frame, Auth):
            await self.renew(frame.token)
        else:
            await self.typing()

    async def send_message(self, frame: SendMessage) -> None:
        member = self.conn.member
        try:
            # Awaited only for the rate limit (a Redis round trip when counts are shared): the
            # socket's next frame is read after this one is queued, so its sends keep their order.
            stored = await self.context.messages.send(self.conn.room_id, member, frame.body, frame.client_id)
        except AppError as exc:
            self.app_error(exc)
            return
        # Not awaited: the socket keeps reading while the group commit runs; the sender's
        # acknowledgement is its own copy of the broadcast.
        stored.add_done_callback(self._stored)

    def _stored(self, future: "asyncio.Future[Sent]") -> None:
        if future.cancelled():
            return
        exc = future.exception()
        if isinstance(exc, AppError):
            self.app_error(exc)
        elif exc is not None:
            self.error("bad_request", "message not stored")
        elif not future.result().created:
            # A retried client_id: acknowledge this socket only, with the message stored before.
            self.conn.push_text(encode(MessageFrame(message=future.result().message)))

    async def typing(self) -> None:
        now = time.monotonic()
        if now - self.last_typing < TYPING_INTERVAL:
            return
        self.last_typing = now
        member = self.conn.member
        frame = encode(TypingNotice(user=member.public()))
        await self.context.broker.publish(
            Event("room", room_id=self.conn.room_id, frame=frame, user_id=member.id, skip_user=True)
        )

    async def renew(self, token: str) -> None:
        try:
            async with self.context.sessions() as db:
                caller = await self.context.auth.authenticate(db, token)
        except AppError as exc:
            self.error("forbidden", f"token not renewed: {exc.detail}")
            return
        except DATABASE_DOWN:
            self.error("unavailable", "token not renewed: database unavailable")
            return
        if caller.user.id != self.conn.member.id:
            self.error("forbidden", "token not renewed: it belongs to another user")
            return
        self.expire_at(caller.expires_at)

    def app_error(self, exc: AppError) -> None:
        retry_after = getattr(exc, "retry_after", None)
        self.conn.push_text(encode(ErrorFrame(code=exc.code, detail=exc.detail, retry_after=retry_after)))

    def error(self, code: str, detail: str) -> None:
        self.conn.push_text(encode(ErrorFrame(code=code, detail=detail)))


def _first_error(exc: ValidationError) -> str:
    first = exc.errors()[0]
    where = ".".join(str(part) for part in first["loc"])
    return f"{where}: {first['msg']}" if where else first["msg"]
