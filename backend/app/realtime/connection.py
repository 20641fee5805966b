"""One WebSocket's outgoing side: frames go straight to the socket while it keeps up, and into a
bounded outbox, drained by a short-lived task, while it does not. An idle socket holds no task."""

import asyncio
import contextlib
import time
from collections import deque
from collections.abc import Awaitable, Callable, Mapping, MutableMapping, Sequence
from types import MappingProxyType
from typing import Any

from websockets.frames import Frame, Opcode

from app.realtime.frames import CloseCode
from app.realtime.presence import Member
from app.server_internals import DirectSocket

ASGISend = Callable[[MutableMapping[str, Any]], Awaitable[None]]

# A peer that stopped reading sees the close frame only once it drains its buffers: it gets this
# long to do so, then the socket is dropped without one (the room never waits either way). A frame
# it has not taken after this long (the outbox waiting on it) closes it as too slow.
CLOSE_TIMEOUT = 10.0
# A socket that did not resume skips nothing: one empty mapping for all of them.
NO_SKIPS: Mapping[int, int] = MappingProxyType({})


class OutFrame:
    """A server frame serialised once: its JSON text and, built on first use, the bytes of the
    whole WebSocket frame, which are the same for every socket."""

    __slots__ = ("_wire", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        self._wire: bytes | None = None

    @property
    def wire(self) -> bytes:
        if self._wire is None:
            self._wire = Frame(Opcode.TEXT, self.text.encode()).serialize(mask=False)
        return self._wire


class FrameRun:
    """Consecutive messages of one room, serialised once: their frames, their ids (increasing),
    and, built on first use, the bytes of all their frames together: one write per socket."""

    __slots__ = ("_wire", "first_id", "frames", "message_ids", "room_id")

    def __init__(self, frames: Sequence[OutFrame], message_ids: Sequence[int], room_id: int) -> None:
        self.frames = frames
        self.message_ids = message_ids
        self.first_id = message_ids[0]
        self.room_id = room_id
        self._wire: bytes | None = None

    @property
    def wire(self) -> bytes:
        if self._wire is None:
            self._wire = b"".join([frame.wire for frame in self.frames])
        return self._wire


class ClientConnection:
    __slots__ = (
        "_direct",
        "_drain_task",
        "_live",
        "_on_finished",
        "_outbox",
        "_send",
        "close_code",
        "expiry_timer",
        "limit",
        "member",
        "room_id",
        "rooms",
        "session_id",
        "skip",
    )

    def __init__(
        self,
        send: ASGISend,
        member: Member,
        room_id: int,
        session_id: int,
        limit: int,
        direct: DirectSocket | None = None,
    ) -> None:
        self._send = send
        self._direct = direct
        self.member = member
        # The room of a /ws/{room_id} socket; 0 for a /ws socket, which follows the user's membership.
        self.room_id = room_id
        # The rooms whose frames this socket receives (kept by the hub).
        # A tuple, not a set: a few hundred bytes less per socket (a user's rooms number tens), and
        # shared with the hub's record of the user while they are the same.
        self.rooms: tuple[int, ...] = (room_id,) if room_id else ()
        self.session_id = session_id
        self.limit = limit
        # (frame, message id, room id), or (None, close code, 0): close once the frames before it are out.
        # Made on first use and dropped once drained: most sockets never queue (760 bytes each).
        self._outbox: deque[tuple[OutFrame | None, int, int]] | None = None
        self._drain_task: asyncio.Task[None] | None = None
        self._live = False
        self._on_finished: Callable[[], None] = lambda: None
        self.close_code: int | None = None
        # Per room, the newest message a resume replayed: live copies of those are dropped.
        self.skip: Mapping[int, int] = NO_SKIPS
        self.expiry_timer: asyncio.TimerHandle | None = None

    async def send_now(self, text: str) -> None:
        """Before going live (hello, replay): frames pushed meanwhile wait in the outbox."""
        await self._send({"type": "websocket.send", "text": text})

    def go_live(self, on_finished: Callable[[], None]) -> None:
        """From now on frames flow; `on_finished` runs once the socket is closed by this side."""
        self._live = True
        self._on_finished = on_finished
        if self._outbox or self.close_code is not None:
            self._start_drain()

    @property
    def follows_membership(self) -> bool:
        """A /ws socket: rooms come and go with the user's memberships."""
        return not self.room_id

    def push(self, frame: OutFrame, message_id: int = 0, room_id: int = 0) -> None:
        if self.close_code is not None or (message_id and message_id <= self.skip.get(room_id, 0)):
            return
        direct = self._direct
        if self._live and not self._outbox and self._drain_task is None and direct is not None and direct.writable():
            direct.write(frame.wire)  # the common case: no queue, no task, no await
            return
        if self._outbox is None:
            self._outbox = deque()
        elif len(self._outbox) >= self.limit:
            self.close(CloseCode.TRY_LATER)  # the client resumes with `since`
            return
        self._outbox.append((frame, message_id, room_id))
        self._start_drain()

    def push_run(self, run: FrameRun) -> None:
        """`run`'s frames, as `push` would each, but in one write while the socket keeps up."""
        if self.close_code is not None:
            return
        direct = self._direct
        if (
            self._live
            and not self._outbox
            and self._drain_task is None
            and direct is not None
            and run.first_id > self.skip.get(run.room_id, 0)
            and direct.writable()
        ):
            direct.write(run.wire)
            return
        # Queued (limit counted per frame), or partly replayed already: frame by frame.
        room_id = run.room_id
        for frame, message_id in zip(run.frames, run.message_ids, strict=True):
            self.push(frame, message_id, room_id)

    def push_text(self, text: str) -> None:
        self.push(OutFrame(text))

    def close(self, code: int, *, after_pending: bool = False) -> None:
        """Close with `code`: at once, or once the frames already queued are sent."""
        if self.close_code is not None:
            return
        if after_pending:
            if self._outbox is None:
                self._outbox = deque()
            self._outbox.append((None, code, 0))
        else:
            self.close_code = code
            self._outbox = None
        self._start_drain()

    def expire_at(self, expires_at: float) -> None:
        """Close with 4401 when the socket's token expires (at `expires_at`, a Unix time), unless
        renewed before: a later call replaces the earlier deadline."""
        if self.expiry_timer is not None:
            self.expiry_timer.cancel()
        delay = max(0.0, expires_at - time.time())
        self.expiry_timer = asyncio.get_running_loop().call_later(delay, self.close, CloseCode.UNAUTHENTICATED)

    def stop(self) -> None:
        """The socket is gone: drop whatever was still queued for it."""
        if self.expiry_timer is not None:
            self.expiry_timer.cancel()
        if self._drain_task is not None:
            self._drain_task.cancel()
        self._outbox = None

    def _start_drain(self) -> None:
        if self._live and self._drain_task is None:
            self._drain_task = asyncio.create_task(self._drain())

    async def _drain(self) -> None:
        outbox, send = self._outbox, self._send
        try:
            while outbox and self.close_code is None:
                frame, number, room_id = outbox.popleft()
                if frame is None:
                    self.close_code = number
                elif not number or number > self.skip.get(room_id, 0):
                    direct = self._direct
                    if direct is not None and direct.writable():
                        direct.write(frame.wire)
                    else:  # waits while the transport pushes back, but not forever
                        try:
                            async with asyncio.timeout(CLOSE_TIMEOUT):
                                await send({"type": "websocket.send", "text": frame.text})
                        except TimeoutError:  # the peer stopped reading: it resumes with `since`
                            self.close_code = self.close_code or CloseCode.TRY_LATER
                            self._outbox = None
            if self.close_code is not None:
                with contextlib.suppress(Exception):  # the peer may be gone already
                    async with asyncio.timeout(CLOSE_TIMEOUT):
                        await send({"type": "websocket.close", "code": self.close_code})
                self._on_finished()
        except Exception:  # the peer went away mid-send: the reader sees the disconnect
            self.close_code = self.close_code or 1006
            self._outbox = None
        finally:
            self._drain_task = None
            if not self._outbox:
                self._outbox = None
