"""The WebSocket side of the generator: picows clients speaking the chat protocol.

picows parses frames in C and calls `on_ws_frame` with the payload: about 1 µs of generator
CPU per received frame here, against 6-8 µs for the `websockets` asyncio client (measured on
this machine: see bench/README.md), so the generator can take ~10x the deliveries the server
can make without becoming the bottleneck.

Message bodies carry `b<step>:<monotonic send time in ns> <filler>`; the generator sends and
receives in one process, so the latency of every delivery is `now - send time` on one clock.
A receiver reads the message id and the body with two `bytes.find`s instead of a JSON parse;
every other frame (hello, errors, presence...) is parsed in full."""

from __future__ import annotations

import asyncio
import os
import time
from typing import Any

import orjson
from picows import WSCloseCode, WSListener, WSMsgType, WSTransport, ws_connect

from benchlib.httpclient import Account

TEXT = WSMsgType.TEXT
CLOSE = WSMsgType.CLOSE
MESSAGE_PREFIX = b'{"type":"message","message":{"id":'
ID_AT = len(MESSAGE_PREFIX)
BODY_MARK = b'"body":"b'
ROOM_MARK = b'"room_id":'
FILLER = b"lorem ipsum dolor sit amet, consectetur adipiscing elit"
monotonic_ns = time.monotonic_ns
USE_AIOFASTNET = os.environ.get("BENCH_AIOFASTNET", "1") == "1"


def body_text(step: int, filler: bytes = FILLER) -> str:
    return f"b{step}:{monotonic_ns()} {filler.decode()}"


class Recorder:
    """What every client of a scenario saw: latency samples (ns) per step, errors, closes."""

    def __init__(self) -> None:
        self.samples: dict[int, list[int]] = {}
        self.last_latency_ns = 0
        self.frames = 0  # every frame received, for quiescence checks
        self.error_frames: list[dict[str, Any]] = []
        self.protocol_errors: list[str] = []
        self.unexpected_closes: list[int | None] = []

    def reset_step(self, step: int) -> list[int]:
        samples = self.samples[step] = []
        return samples


class ChatClient(WSListener):
    """One socket of one account in one room. Reusable: `connect` again after a close."""

    def __init__(self, recorder: Recorder, account: Account, room_id: int, *, keep_ids: bool = False) -> None:
        super().__init__()
        self.rec = recorder
        self.account = account
        self.room_id = room_id
        self.transport: WSTransport | None = None
        self.counts: dict[int, int] = {}  # step -> message frames received
        self.last_id = 0
        self.order_errors = 0  # a message id not above the previous one: duplicate or out of order
        self.ids: list[int] | None = [] if keep_ids else None
        self.hello: dict[str, Any] | None = None
        self.live = False
        self.base: str | None = None  # host:port of the server it last connected to
        self.gaps = 0
        self.pongs = 0
        self.close_code: int | None = None
        self.closing = False  # we asked for the close
        self._hello_waiter: asyncio.Future[None] | None = None
        self._seq = 0
        self._cid = f"{account.index}-{room_id}-"

    # --- connection ------------------------------------------------------------------------

    def path(self) -> str:
        return f"/ws/{self.room_id}"

    async def connect(self, base: str, since: int | None = None, timeout: float = 30.0) -> None:
        url = f"ws://{base}{self.path()}"
        self.base = base
        if since is not None:
            url += f"?since={since}"
        loop = asyncio.get_running_loop()
        self._hello_waiter = loop.create_future()
        self.live = False
        self.hello = None
        self.close_code = None
        self.closing = False
        transport, _ = await ws_connect(
            lambda: self,
            url,
            extra_headers=[("Authorization", f"Bearer {self.account.token}")],
            websocket_handshake_timeout=timeout,
            max_frame_size=1 << 20,
            use_aiofastnet=USE_AIOFASTNET,
        )
        self.transport = transport
        await asyncio.wait_for(self._hello_waiter, timeout)

    def close(self) -> None:
        if self.transport is not None and not self.transport.is_disconnected:
            self.closing = True
            self.transport.send_close(WSCloseCode.OK)

    async def wait_closed(self, timeout: float = 10.0) -> None:
        if self.transport is None:
            return
        try:
            await asyncio.wait_for(self.transport.wait_disconnected(), timeout)
        except TimeoutError:
            self.transport.disconnect(graceful=False)

    @property
    def is_open(self) -> bool:
        return self.transport is not None and not self.transport.is_disconnected and self.close_code is None

    # --- sending ---------------------------------------------------------------------------

    def send_message(self, step: int, filler: bytes = FILLER) -> None:
        """A `message` frame whose body carries the step and the send time."""
        self._seq += 1
        assert self.transport is not None
        self.transport.send(
            TEXT,
            b'{"type":"message","body":"b%d:%d %s","client_id":"%s%d"}'
            % (step, monotonic_ns(), filler, self._cid.encode(), self._seq),
        )

    # --- what a step expects of this socket (benchlib/load.py) --------------------------------

    def expected(self, room_sent: dict[int, int]) -> int:
        """Deliveries due to this socket, given the messages sent to each room in a step."""
        return room_sent[self.room_id]

    def delivered(self, step: int, room_sent: dict[int, int]) -> int:
        """Deliveries of `step` received, none counted twice or beyond what was sent."""
        return min(self.counts.get(step, 0), room_sent[self.room_id])

    def send_ping(self) -> None:
        assert self.transport is not None
        self.transport.send(TEXT, b'{"type":"ping"}')

    # --- receiving (picows callbacks) --------------------------------------------------------

    def on_ws_connected(self, transport: WSTransport) -> None:
        self.transport = transport

    def on_ws_frame(self, transport: WSTransport, frame: Any) -> None:
        rec = self.rec
        rec.frames += 1
        msg_type = frame.msg_type
        if msg_type == TEXT:
            payload = frame.get_payload_as_bytes()
            if payload.startswith(MESSAGE_PREFIX):
                message_id = int(payload[ID_AT : payload.index(b",", ID_AT)])
                if message_id <= self.last_id:
                    self.order_errors += 1
                else:
                    self.last_id = message_id
                if self.ids is not None:
                    self.ids.append(message_id)
                if not self.live:
                    rec.protocol_errors.append(f"message before hello on room {self.room_id}")
                at = payload.find(BODY_MARK)
                if at >= 0:
                    colon = payload.index(b":", at + 9)
                    space = payload.index(b" ", colon)
                    latency = monotonic_ns() - int(payload[colon + 1 : space])
                    step = int(payload[at + 9 : colon])
                    counts = self.counts
                    counts[step] = counts.get(step, 0) + 1
                    samples = rec.samples.get(step)
                    if samples is not None:
                        samples.append(latency)
                    rec.last_latency_ns = latency
                return
            self._other(orjson.loads(payload))
        elif msg_type == CLOSE:
            raw = frame.get_payload_as_bytes()
            self.close_code = int.from_bytes(raw[:2], "big") if len(raw) >= 2 else 1005
            if not self.closing:
                rec.unexpected_closes.append(self.close_code)
                transport.send_close(WSCloseCode.OK)
            transport.disconnect()
            self._fail_hello(f"closed with {self.close_code} before hello")

    def on_ws_disconnected(self, transport: WSTransport) -> None:
        if self.close_code is None and not self.closing:
            self.rec.unexpected_closes.append(None)
        self._fail_hello("disconnected before hello")

    def _other(self, data: dict[str, Any]) -> None:
        kind = data.get("type")
        if kind == "hello":
            if self.live:
                self.rec.protocol_errors.append("second hello")
            self.hello = data
            self.live = True
            if self._hello_waiter is not None and not self._hello_waiter.done():
                self._hello_waiter.set_result(None)
            return
        if not self.live:
            self.rec.protocol_errors.append(f"{kind} frame before hello")
        if kind == "error":
            self.rec.error_frames.append(data)
        elif kind == "gap":
            self.gaps += 1
        elif kind == "pong":
            self.pongs += 1

    def _fail_hello(self, why: str) -> None:
        if self._hello_waiter is not None and not self._hello_waiter.done():
            self._hello_waiter.set_exception(ConnectionError(why))


class UserClient(ChatClient):
    """One socket on `/ws`: every room of the account at once (`rooms`, as its `hello` must
    list them). Each `message` frame names its room (`message.room_id`, read with one more
    `bytes.find`); ids are checked per room (they only increase within a room), and deliveries
    are counted per step and per room. `room_id` is 0: this socket is for no one room."""

    def __init__(self, recorder: Recorder, account: Account, rooms: list[int], *, keep_ids: bool = False) -> None:
        super().__init__(recorder, account, 0, keep_ids=keep_ids)
        self.rooms = tuple(rooms)
        self.last_ids: dict[int, int] = dict.fromkeys(self.rooms, 0)  # room -> newest message id seen
        self.room_counts: dict[tuple[int, int], int] = {}  # (step, room) -> message frames received
        self.foreign = 0  # messages of a room the account is not in

    def path(self) -> str:
        return "/ws"

    def send_to(self, room_id: int, step: int, filler: bytes = FILLER) -> None:
        """A `message` frame into one of the account's rooms, carrying the step and the send time."""
        self._seq += 1
        assert self.transport is not None
        self.transport.send(
            TEXT,
            b'{"type":"message","room_id":%d,"body":"b%d:%d %s","client_id":"%s%d"}'
            % (room_id, step, monotonic_ns(), filler, self._cid.encode(), self._seq),
        )

    def send_message(self, step: int, filler: bytes = FILLER) -> None:
        raise TypeError("a /ws socket sends into a room: send_to(room_id, step), or a RoomSender")

    def expected(self, room_sent: dict[int, int]) -> int:
        return sum(room_sent[r] for r in self.rooms)

    def delivered(self, step: int, room_sent: dict[int, int]) -> int:
        counts = self.room_counts
        return sum(min(counts.get((step, r), 0), room_sent[r]) for r in self.rooms)

    def on_ws_frame(self, transport: WSTransport, frame: Any) -> None:
        if frame.msg_type != TEXT:
            super().on_ws_frame(transport, frame)
            return
        payload = frame.get_payload_as_bytes()
        if not payload.startswith(MESSAGE_PREFIX):
            super().on_ws_frame(transport, frame)
            return
        rec = self.rec
        rec.frames += 1
        comma = payload.index(b",", ID_AT)
        message_id = int(payload[ID_AT:comma])
        at = payload.index(ROOM_MARK, comma) + len(ROOM_MARK)
        room_id = int(payload[at : payload.index(b",", at)])
        last = self.last_ids.get(room_id)
        if last is None:
            self.foreign += 1
            rec.protocol_errors.append(f"message {message_id} of room {room_id}, not one of the user's")
            return
        if message_id <= last:
            self.order_errors += 1
        else:
            self.last_ids[room_id] = message_id
            if message_id > self.last_id:
                self.last_id = message_id
        if self.ids is not None:
            self.ids.append(message_id)
        if not self.live:
            rec.protocol_errors.append(f"message before hello on /ws (room {room_id})")
        at = payload.find(BODY_MARK)
        if at >= 0:
            colon = payload.index(b":", at + 9)
            space = payload.index(b" ", colon)
            latency = monotonic_ns() - int(payload[colon + 1 : space])
            step = int(payload[at + 9 : colon])
            counts = self.counts
            counts[step] = counts.get(step, 0) + 1
            key = (step, room_id)
            room_counts = self.room_counts
            room_counts[key] = room_counts.get(key, 0) + 1
            samples = rec.samples.get(step)
            if samples is not None:
                samples.append(latency)
            rec.last_latency_ns = latency

    def hello_rooms(self) -> set[int]:
        """The room ids the `hello` listed."""
        return {int(room["id"]) for room in (self.hello or {}).get("rooms") or []}


class RoomSender:
    """A sender for benchlib/load.py: a /ws socket sending into one of its rooms."""

    __slots__ = ("client", "room_id")

    def __init__(self, client: UserClient, room_id: int) -> None:
        self.client = client
        self.room_id = room_id

    @property
    def is_open(self) -> bool:
        return self.client.is_open

    def send_message(self, step: int) -> None:
        self.client.send_to(self.room_id, step)


async def connect_all(
    clients: list[ChatClient],
    base: str,
    *,
    concurrency: int = 64,
    since: dict[int, int | None] | None = None,
    retries: int = 3,
) -> int:
    """Connect every client (at most `concurrency` handshakes in flight); returns retries used."""
    sem = asyncio.Semaphore(concurrency)
    retried = 0

    async def one(client: ChatClient) -> None:
        nonlocal retried
        async with sem:
            for attempt in range(retries + 1):
                try:
                    await client.connect(base, None if since is None else since.get(id(client)))
                    return
                except (OSError, ConnectionError, TimeoutError, asyncio.TimeoutError) as exc:  # noqa: UP041
                    if attempt == retries:
                        raise ConnectionError(f"could not connect: {exc!r}") from exc
                    retried += 1
                    await asyncio.sleep(0.2 * (attempt + 1))

    await asyncio.gather(*(one(c) for c in clients))
    return retried


async def close_all(clients: list[ChatClient]) -> None:
    for client in clients:
        client.close()
    await asyncio.gather(*(c.wait_closed() for c in clients))


def percentiles_ms(samples_ns: list[int]) -> dict[str, float | None]:
    if not samples_ns:
        return {"p50_ms": None, "p90_ms": None, "p99_ms": None, "p999_ms": None, "max_ms": None}
    ordered = sorted(samples_ns)
    n = len(ordered)

    def at(q: float) -> float:
        return round(ordered[min(n - 1, int(q * n))] / 1e6, 3)

    return {"p50_ms": at(0.5), "p90_ms": at(0.9), "p99_ms": at(0.99), "p999_ms": at(0.999), "max_ms": at(1.0)}


async def wait_quiet(recorder: Recorder, quiet: float = 0.5, limit: float = 30.0) -> None:
    """Until no frame has arrived for `quiet` seconds (or `limit` passed)."""
    deadline = time.monotonic() + limit
    last = recorder.frames
    still_since = time.monotonic()
    while time.monotonic() < deadline:
        await asyncio.sleep(0.05)
        if recorder.frames != last:
            last = recorder.frames
            still_since = time.monotonic()
        elif time.monotonic() - still_since >= quiet:
            return
