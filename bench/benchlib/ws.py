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
        self.gaps = 0
        self.pongs = 0
        self.close_code: int | None = None
        self.closing = False  # we asked for the close
        self._hello_waiter: asyncio.Future[None] | None = None
        self._seq = 0
        self._cid = f"{account.index}-{room_id}-"

    # --- connection ------------------------------------------------------------------------

    async def connect(self, base: str, since: int | None = None, timeout: float = 30.0) -> None:
        url = f"ws://{base}/ws/{self.room_id}"
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
