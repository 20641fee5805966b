"""Paced message load over real sockets, one step at a time, and the step-up search.

A step sends `rate` messages/s (spread over the senders, round robin) for `duration` seconds,
then waits for every receiver of each room to get every message of the step. Deliveries are
messages x the clients of their room (the sender's own copy, its acknowledgement, included)."""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Protocol

from benchlib.env import CpuMeter
from benchlib.server import CpuWindow, Server
from benchlib.ws import ChatClient, Recorder, connect_all, percentiles_ms, wait_quiet

P99_LIMIT_MS = 100.0
ABORT_LATENCY_NS = 1_000_000_000  # a delivery 1 s late: the server has fallen behind, stop the step
GENERATOR_SATURATED = 0.9  # share of its core above which the generator may be the bottleneck


@dataclass
class StepResult:
    step: int
    offered_deliveries_per_s: float
    offered_messages_per_s: float
    duration_s: float
    sent: int
    sent_messages_per_s: float
    expected_deliveries: int
    delivered: int
    lost: int
    delivered_per_s: float
    latency: dict[str, float | None]
    generator_cpu: float
    server_cpu: float
    other_cpu: float  # other processes on the machine, in cores: noise when well above 0
    deliveries_per_server_cpu_s: float  # delivered / server CPU seconds: capacity, less sensitive to noise
    server_cpu_each: list[float]  # per server process (one entry unless a `-2p` scenario)
    error_frames: int
    closed_sockets: int
    order_errors: int
    aborted: bool
    passed: bool = False
    notes: list[str] = field(default_factory=list)

    def summary(self) -> str:
        lat = self.latency
        flag = "PASS" if self.passed else "fail"
        gen = f"gen cpu {self.generator_cpu:.0%}"
        each = f" ({' + '.join(f'{c:.0%}' for c in self.server_cpu_each)})" if len(self.server_cpu_each) > 1 else ""
        if self.generator_cpu >= GENERATOR_SATURATED:
            gen += " (GENERATOR SATURATED)"
        return (
            f"  step {self.step:2d}: offered {self.offered_deliveries_per_s:>9,.0f} deliv/s "
            f"({self.offered_messages_per_s:,.0f} msg/s) delivered {self.delivered_per_s:>9,.0f}/s "
            f"lost {self.lost} p50 {lat['p50_ms']} p99 {lat['p99_ms']} ms  "
            f"server cpu {self.server_cpu:.0%}{each} {gen} others {self.other_cpu:.2f} cores  {flag}{' ' + '; '.join(self.notes) if self.notes else ''}"
        )


class Sender(Protocol):
    """What sends a step's messages: a ChatClient (into its room), or a ws.RoomSender (a `/ws`
    socket into one of its rooms)."""

    room_id: int

    @property
    def is_open(self) -> bool: ...

    def send_message(self, step: int) -> None: ...


class Load:
    """Rooms of connected clients, some of which send. A client may be in several rooms (a
    `/ws` socket: ws.UserClient); it is one receiver per room it is in."""

    def __init__(
        self,
        server: Server,
        recorder: Recorder,
        rooms: dict[int, list[ChatClient]],
        senders: Sequence[Sender],
        more_servers: Sequence[Server] = (),
    ) -> None:
        self.server = server
        # `-2p` scenarios: a second process on the same database and Redis; CPU is counted for each.
        self.servers = [server, *more_servers]
        self.rec = recorder
        self.rooms = rooms
        self.senders = senders
        self.clients = list(dict.fromkeys(c for members in rooms.values() for c in members))
        self._step = 0
        self.quiet = 1.0  # seconds without frames that count as "drained"

    async def step(
        self, deliveries_per_s: float, duration: float, drain: float = 5.0, abort_ns: int | None = ABORT_LATENCY_NS
    ) -> StepResult:
        self._step += 1
        step = self._step
        rec = self.rec
        samples = rec.reset_step(step)
        receivers_per_message = sum(len(self.rooms[s.room_id]) for s in self.senders) / len(self.senders)
        rate = deliveries_per_s / receivers_per_message  # messages/s over all senders
        errors_before = len(rec.error_frames)
        closes_before = len(rec.unexpected_closes)
        order_before = sum(c.order_errors for c in self.clients)
        room_sent: dict[int, int] = dict.fromkeys(self.rooms, 0)
        senders = self.senders
        n_senders = len(senders)
        gen_cpu = CpuMeter()
        srv_cpu = CpuWindow(*self.servers)
        rec.last_latency_ns = 0
        sent = 0
        aborted = False
        start = time.monotonic()
        sleep = asyncio.sleep
        while True:
            elapsed = time.monotonic() - start
            if elapsed >= duration:
                break
            due = min(int(elapsed * rate) + 1, math.ceil(duration * rate)) - sent
            for _ in range(due):
                sender = senders[sent % n_senders]
                if sender.is_open:
                    sender.send_message(step)
                    room_sent[sender.room_id] += 1
                sent += 1
            if abort_ns is not None and rec.last_latency_ns > abort_ns:
                aborted = True
                break
            await sleep(0.001)
        send_wall = time.monotonic() - start
        generator_cpu = gen_cpu.share()
        server_cpu_each = srv_cpu.shares()
        server_cpu = sum(server_cpu_each)
        other_cpu = srv_cpu.others()
        sent = sum(room_sent.values())
        clients = self.clients
        expected = sum(c.expected(room_sent) for c in clients)
        deadline = time.monotonic() + (0.5 if aborted else drain)
        while time.monotonic() < deadline:
            # Frames of the step received, all rooms together (cheap); then the exact count,
            # per socket and per room, none counted beyond what was sent.
            if (
                sum(c.counts.get(step, 0) for c in clients) >= expected
                and sum(c.delivered(step, room_sent) for c in clients) >= expected
            ):
                break
            await asyncio.sleep(0.02)
        delivered = sum(c.delivered(step, room_sent) for c in clients)
        lost = expected - delivered
        result = StepResult(
            step=step,
            offered_deliveries_per_s=round(deliveries_per_s),
            offered_messages_per_s=round(rate, 1),
            duration_s=round(send_wall, 2),
            sent=sent,
            sent_messages_per_s=round(sent / send_wall, 1) if send_wall else 0.0,
            expected_deliveries=expected,
            delivered=delivered,
            lost=lost,
            delivered_per_s=round(delivered / duration),
            latency=percentiles_ms(samples),
            generator_cpu=round(generator_cpu, 3),
            server_cpu=round(server_cpu, 3),
            other_cpu=round(other_cpu, 2),
            deliveries_per_server_cpu_s=round(delivered / (server_cpu * send_wall)) if server_cpu > 0 and send_wall > 0 else 0,
            server_cpu_each=[round(c, 3) for c in server_cpu_each],
            error_frames=len(rec.error_frames) - errors_before,
            closed_sockets=len(rec.unexpected_closes) - closes_before,
            order_errors=sum(c.order_errors for c in self.clients) - order_before,
            aborted=aborted,
        )
        rec.samples.pop(step, None)
        p99 = result.latency["p99_ms"]
        if aborted:
            result.notes.append("aborted: deliveries over 1 s late")
        if lost:
            result.notes.append(f"{lost} deliveries missing after {drain}s")
        if result.error_frames:
            result.notes.append(f"{result.error_frames} error frames, e.g. {rec.error_frames[-1]}")
        if result.closed_sockets:
            result.notes.append(f"{result.closed_sockets} sockets closed by the server: {rec.unexpected_closes[-3:]}")
        if sent < 0.97 * rate * duration and not aborted:
            result.notes.append("generator could not keep the offered rate")
        result.passed = (
            not aborted
            and lost == 0
            and result.error_frames == 0
            and result.closed_sockets == 0
            and result.order_errors == 0
            and p99 is not None
            and p99 <= P99_LIMIT_MS
            and sent >= 0.97 * rate * duration
        )
        return result

    async def recover(self) -> None:
        """After a failed step: let the backlog drain, reconnect any socket the server closed."""
        await wait_quiet(self.rec, quiet=self.quiet, limit=30.0)
        closed = [c for c in self.clients if not c.is_open]
        for base in {c.base or self.server.base for c in closed}:  # each back to the server it was on
            await connect_all([c for c in closed if (c.base or self.server.base) == base], base, concurrency=32)
        if closed:
            await asyncio.sleep(0.5)


async def search(
    load: Load,
    *,
    start: float,
    factor: float,
    duration: float,
    max_steps: int,
    refine: int,
    confirm: int,
    log: Callable[[str], None],
) -> dict[str, Any]:
    """Raise the offered rate until a step fails (twice in a row, unless it was clearly over the
    limit), refine between the last pass and the first failure, then confirm the best rate
    `confirm` more times (it must pass every time; if not, the rate steps down 5% and is
    confirmed again)."""
    steps: list[StepResult] = []

    async def run(rate: float) -> StepResult:
        result = await load.step(rate, duration)
        steps.append(result)
        log(result.summary())
        if not result.passed:
            await load.recover()
        else:
            await asyncio.sleep(min(0.3, load.quiet))
        return result

    # Warm-up (not counted): caches, first-use costs, the group-commit path.
    warm = await load.step(start / 2, min(1.0, duration))
    log(f"  warm-up: {warm.summary().strip()}")
    await load.recover()

    best: StepResult | None = None
    failed: StepResult | None = None
    rate = start
    for _ in range(max_steps):
        result = await run(rate)
        if not result.passed and not result.aborted and result.lost == 0:
            # One more try at the same rate: a single stall (a full GC, another process on the
            # machine) fails a 3 s step; the limit is where the rate fails twice in a row.
            result = await run(rate)
        if not result.passed:
            failed = result
            break
        best = result
        rate *= factor
    if best is None:
        return {"steps": [asdict(s) for s in steps], "best": None}
    if failed is not None:
        lo, hi = best.offered_deliveries_per_s, failed.offered_deliveries_per_s
        for _ in range(refine):
            mid = math.sqrt(lo * hi)
            result = await run(mid)
            if result.passed:
                best, lo = result, mid
            else:
                hi = mid
    confirmed = [best]
    rate = best.offered_deliveries_per_s
    attempts = 0
    while len(confirmed) < 1 + confirm and attempts < confirm + 3:
        attempts += 1
        result = await run(rate)
        if result.passed:
            confirmed.append(result)
        else:
            rate *= 0.95
            confirmed = []
    fully_confirmed = len(confirmed) >= 1 + confirm
    if not confirmed:
        confirmed = [best]
    # Report the least good of the runs at the confirmed rate.
    worst = max(confirmed, key=lambda r: r.latency["p99_ms"] or 0.0)
    return {
        "steps": [asdict(s) for s in steps],
        "best": asdict(worst),
        "confirmed": fully_confirmed,
        "runs_at_best_rate": len(confirmed),
        "p99_ms_of_those_runs": [r.latency["p99_ms"] for r in confirmed],
        "delivered_per_s_of_those_runs": [r.delivered_per_s for r in confirmed],
    }
