"""What a client's frames do: each one becomes a service call, or an `error` frame on its socket."""

import asyncio
import time
from functools import partial

import orjson
from pydantic import ValidationError

from app.context import AppContext
from app.database import DATABASE_DOWN
from app.errors import AppError
from app.events import UserTyping
from app.realtime.connection import ClientConnection
from app.realtime.frames import (
    Auth,
    CloseCode,
    ErrorFrame,
    MessageFrame,
    Ping,
    Pong,
    SendMessage,
    client_frame_adapter,
    encode,
)
from app.services.message_writer import Sent

# Typing notices are best effort; one per second per socket is all a room needs to see.
TYPING_INTERVAL = 1.0


class ClientFrames:
    """One socket's client frames, handled one at a time in the order they arrive."""

    __slots__ = ("conn", "context", "last_typing", "max_frame")

    def __init__(self, context: AppContext, conn: ClientConnection) -> None:
        self.context = context
        self.conn = conn
        self.max_frame = context.settings.ws_max_frame_bytes
        self.last_typing = 0.0

    async def handle(self, text: str | None) -> None:
        """One frame's text (None: a binary frame)."""
        if text is None:
            self.error("bad_request", "frames are JSON text, not binary")
            return
        if len(text) > self.max_frame and len(text.encode()) > self.max_frame:
            self.conn.close(CloseCode.TOO_BIG)
            return
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
        if isinstance(frame, Ping):
            self.conn.push_text(encode(Pong()))
        elif isinstance(frame, Auth):
            await self.renew(frame.token)
        else:
            client_id = frame.client_id if isinstance(frame, SendMessage) else None
            room_id = self.room_of(frame.room_id, client_id)
            if room_id is None:
                return
            if isinstance(frame, SendMessage):
                await self.send_message(frame, room_id)
            else:
                await self.typing(room_id)

    def room_of(self, named: int | None, client_id: str | None) -> int | None:
        """The room a frame is for: the socket's own on /ws/{room_id}, the one it names on /ws
        (which must be one of the user's); None, after an error frame, if there is none."""
        conn = self.conn
        if not conn.follows_membership:
            if named is None or named == conn.room_id:
                return conn.room_id
            self.error("bad_request", "this socket is for one room: room_id must be that room's", client_id, named)
        elif named is None:
            self.error("bad_request", "room_id: required on /ws", client_id)
        elif named not in conn.rooms:
            self.error("forbidden", "not a member of that room", client_id, named)
        else:
            return named
        return None

    async def send_message(self, frame: SendMessage, room_id: int) -> None:
        member = self.conn.member
        try:
            # Awaited only for the rate limit (a Redis round trip when counts are shared): the
            # socket's next frame is read after this one is queued, so its sends keep their order.
            stored = await self.context.messages.send(
                room_id, member, frame.body, frame.client_id, frame.reply_to, frame.attachments
            )
        except AppError as exc:
            self.app_error(exc, frame.client_id, room_id)
            return
        # Not awaited: the socket keeps reading while the group commit runs; the sender's
        # acknowledgement is its own copy of the broadcast.
        stored.add_done_callback(partial(self._stored, frame.client_id, room_id))

    def _stored(self, client_id: str | None, room_id: int, future: "asyncio.Future[Sent]") -> None:
        if future.cancelled():
            return
        exc = future.exception()
        if isinstance(exc, AppError):
            self.app_error(exc, client_id, room_id)
        elif exc is not None:
            self.error("bad_request", "message not stored", client_id, room_id)
        elif not future.result().created:
            # A retried client_id: acknowledge this socket only, with the message stored before.
            self.conn.push_text(encode(MessageFrame(message=future.result().message)))

    async def typing(self, room_id: int) -> None:
        now = time.monotonic()
        if now - self.last_typing < TYPING_INTERVAL:
            return
        self.last_typing = now
        await self.context.events.publish(UserTyping(room_id, self.conn.member.public()))

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
        self.conn.expire_at(caller.expires_at)

    def app_error(self, exc: AppError, client_id: str | None = None, room_id: int | None = None) -> None:
        retry_after = getattr(exc, "retry_after", None)
        frame = ErrorFrame(
            code=exc.code, detail=exc.detail, retry_after=retry_after, client_id=client_id, room_id=room_id
        )
        self.conn.push_text(encode(frame))

    def error(self, code: str, detail: str, client_id: str | None = None, room_id: int | None = None) -> None:
        self.conn.push_text(encode(ErrorFrame(code=code, detail=detail, client_id=client_id, room_id=room_id)))


def _first_error(exc: ValidationError) -> str:
    first = exc.errors()[0]
    where = ".".join(str(part) for part in first["loc"])
    return f"{where}: {first['msg']}" if where else first["msg"]
