"""The scenarios of issue 6, and `users` (one `/ws` socket per user). Each returns (ok, figures):
`ok` is functional only (nothing lost, no protocol error, every request answered); no figure is
ever asserted."""

from __future__ import annotations

import asyncio
import datetime as dt
import random
import secrets
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import bcrypt

from benchlib.env import CpuMeter
from benchlib.httpclient import Account, Http, bounded, create_room, make_accounts, unique_prefix
from benchlib.load import GENERATOR_SATURATED, Load, search
from benchlib.server import BareServer, CpuWindow, NaiveServer, Server
from benchlib.ws import (
    ChatClient,
    Recorder,
    RoomSender,
    UserClient,
    body_text,
    close_all,
    connect_all,
    percentiles_ms,
    wait_quiet,
)


@dataclass
class Ctx:
    quick: bool
    workdir: Path
    log: Callable[[str], None]
    server_commands: list[str] = field(default_factory=list)
    # `run.py --profile`: called around a scenario's measured phase (py-spy attaches to the server).
    on_measure_start: Callable[[Server], Any] | None = None
    on_measure_stop: Callable[[], Any] | None = None

    async def measure_start(self, server: Server) -> None:
        if self.on_measure_start is not None:
            await self.on_measure_start(server)

    async def measure_stop(self) -> None:
        if self.on_measure_stop is not None:
            await self.on_measure_stop()

    def server(self, name: str, **kwargs: Any) -> Server:
        server = Server(self.workdir / name, **kwargs)
        self.server_commands.append(server.describe())
        return server


def _pick(quick: bool, small: Any, full: Any) -> Any:
    return small if quick else full


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 3)


# --- 1 and 2: fan-out ------------------------------------------------------------------------


@dataclass
class FanoutSetup:
    server: Server
    http: Http | None  # None: a reference server with no accounts (`naive`)
    load: Load
    clients: int
    rooms: int
    senders: int
    more_servers: list[Server] = field(default_factory=list, kw_only=True)  # `-2p`: the second process
    pg_database: str | None = field(default=None, kw_only=True)  # `-pg`, `-2p`: dropped on close
    redis_prefix: str | None = field(default=None, kw_only=True)  # `-2p`: its keys deleted on close

    async def close(self) -> None:
        await close_all(self.load.clients)
        if self.http is not None:
            await self.http.close()
        for server in (self.server, *self.more_servers):
            server.stop()
        if self.pg_database is not None:
            await _drop_pg_database(self.pg_database)
        if self.redis_prefix is not None:
            await _drop_redis_keys(self.redis_prefix)


async def setup_fanout(ctx: Ctx, kind: str, *, database: str = "sqlite", processes: int = 1) -> FanoutSetup:
    """`fanout`: 1 room, 200 clients, 2 senders. `rooms`: 100 rooms x 10 clients, 1 sender each.
    `database="postgresql"`: on a fresh PostgreSQL database. `processes=2`: two server processes
    (both pinned to the server core) on that database and one Redis; each room has half of its
    sockets (and senders) on each, so every delivery to the other half crosses Redis."""
    n_rooms, per_room, senders_per_room = fanout_shape(ctx.quick, kind)
    pg_name, database_url = await _create_pg_database() if database == "postgresql" else (None, None)
    # Two processes: one Redis (a fresh key prefix), one SECRET_KEY (a token of one is valid on the other).
    redis_prefix = f"chat_bench_{secrets.token_hex(4)}" if processes > 1 else None
    extra = (
        {"REDIS_URL": REDIS_URL, "REDIS_PREFIX": redis_prefix, "SECRET_KEY": secrets.token_hex(32)} if redis_prefix else {}
    )
    servers = [
        ctx.server(f"{kind}-{i}" if processes > 1 else kind, database_url=database_url, extra_env=extra) for i in range(processes)
    ]
    setup: FanoutSetup | None = None
    try:
        for server in servers:  # one after the other: the first creates the schema
            server.start()
        server = servers[0]
        http = Http("127.0.0.1", server.port)
        t0 = time.monotonic()
        accounts = await make_accounts(http, n_rooms * per_room, unique_prefix())
        room_ids = await bounded(8, (create_room(http, accounts[r * per_room], f"{kind}-{r}") for r in range(n_rooms)))
        rec = Recorder()
        rooms: dict[int, list[ChatClient]] = {}
        senders: list[ChatClient] = []
        for r, room_id in enumerate(room_ids):
            members = [ChatClient(rec, accounts[r * per_room + i], room_id) for i in range(per_room)]
            rooms[room_id] = members
            # Sockets alternate between the processes: each room's senders and receivers are split.
            senders.extend(members[: senders_per_room * processes])
        all_clients = [c for members in rooms.values() for c in members]
        for i, srv in enumerate(servers):
            await connect_all(all_clients[i::processes], srv.base, concurrency=32)
        await wait_quiet(rec, quiet=_pick(ctx.quick, 0.2, 0.5), limit=15)  # presence frames of the arrivals
        ctx.log(
            f"  set-up: {len(accounts)} accounts (signup + login over HTTP), {n_rooms} room(s), "
            f"{len(all_clients)} sockets on {processes} process(es), {database}, in {time.monotonic() - t0:.1f}s"
        )
        load = Load(server, rec, rooms, senders, more_servers=servers[1:])
        load.quiet = _pick(ctx.quick, 0.2, 1.0)
        setup = FanoutSetup(server, http, load, len(all_clients), n_rooms, len(senders), more_servers=servers[1:])
        setup.pg_database, setup.redis_prefix = pg_name, redis_prefix
        return setup
    finally:
        if setup is None:  # set-up failed: nothing is left running
            for srv in servers:
                srv.stop()
            if pg_name is not None:
                await _drop_pg_database(pg_name)
            if redis_prefix is not None:
                await _drop_redis_keys(redis_prefix)


def fanout_shape(quick: bool, kind: str) -> tuple[int, int, int]:
    """(rooms, sockets per room, senders per room) of `fanout` and `rooms`."""
    if kind == "fanout":
        return 1, _pick(quick, 20, 200), 2
    return _pick(quick, 4, 100), 10, 1


async def scenario_fanout(ctx: Ctx, kind: str, *, database: str = "sqlite", processes: int = 1) -> tuple[bool, dict[str, Any]]:
    setup = await setup_fanout(ctx, kind, database=database, processes=processes)
    try:
        return await rate_search(ctx, setup, **search_start(kind))
    finally:
        await setup.close()


# Issue 16 compares fan-out's server CPU per delivery with the naive server's at this rate, so
# both measure it there too, after their search (even above their best rate; quick: a small one).
FANOUT_FIXED_RATE = 100_000.0
FIXED_RATE_RUNS = 3


def search_start(kind: str) -> dict[str, Any]:
    """`rate_search`'s start (and fixed rate) for `fanout` or `rooms`, on any server."""
    if kind == "fanout":
        return {"start": 5000.0, "fixed_rate": FANOUT_FIXED_RATE}
    return {"start": 2500.0}


async def at_fixed_rate(ctx: Ctx, load: Load, rate: float, best: float) -> dict[str, Any]:
    """FIXED_RATE_RUNS steps at `rate`: the server CPU per delivery there (the median run). A
    server that cannot sustain the rate (above `best`) is measured all the same: its steps fail
    (`passed_each_run`), and the figure is per delivery made."""
    if ctx.quick:
        rate, runs, duration = 1000.0, 1, 0.5
    else:
        runs, duration = FIXED_RATE_RUNS, 3.0
    results = []
    for _ in range(runs):
        result = await load.step(rate, duration)
        ctx.log(f"  at {rate:,.0f}/s: {result.summary().strip()}")
        results.append(result)
        if not result.passed:
            await load.recover()
    per_cpu_s = sorted(r.deliveries_per_server_cpu_s for r in results)
    median = per_cpu_s[len(per_cpu_s) // 2]
    return {
        "offered": rate,
        "above_best_rate": best < rate,
        "us_per_delivery": round(1e6 / median, 2) if median else None,
        "us_per_delivery_each_run": [round(1e6 / v, 2) if v else None for v in per_cpu_s],
        "server_cpu_each_run": [r.server_cpu for r in results],
        "p99_ms_each_run": [r.latency["p99_ms"] for r in results],
        "passed_each_run": [r.passed for r in results],
        "order_errors": sum(r.order_errors for r in results),
    }


async def rate_search(
    ctx: Ctx, setup: FanoutSetup, start: float, fixed_rate: float | None = None
) -> tuple[bool, dict[str, Any]]:
    """The step-up search of scenarios 1, 2 and `users`, and its figures; with `fixed_rate`, the
    server's CPU per delivery at that rate too (`at_fixed_rate`)."""
    if ctx.quick:
        params = dict(start=1000.0, factor=2.0, duration=0.5, max_steps=2, refine=0, confirm=0)
    else:
        # x1.5 per step up to the first failure, then 3 bisections (~5% apart), then 2 more runs
        # at the best rate: three runs in a row with p99 <= 100 ms and nothing lost.
        params = dict(start=start, factor=1.5, duration=3.0, max_steps=12, refine=3, confirm=2)
    outcome = await search(setup.load, log=ctx.log, **params)  # type: ignore[arg-type]
    rec = setup.load.rec
    steps = outcome["steps"]
    first = steps[0] if steps else None
    ok = (
        first is not None
        and first["lost"] == 0
        and first["error_frames"] == 0
        and first["closed_sockets"] == 0
        and not rec.protocol_errors
        and all(s["order_errors"] == 0 for s in steps)
    )
    best = outcome["best"]
    fixed = await at_fixed_rate(ctx, setup.load, fixed_rate, best["delivered_per_s"] if best else 0.0) if fixed_rate else None
    ok = ok and not (fixed and fixed.get("order_errors"))
    figures: dict[str, Any] = {
        "clients": setup.clients,
        "rooms": setup.rooms,
        "senders": setup.senders,
        "deliveries_per_s": best["delivered_per_s"] if best else 0,
        "messages_per_s": best["sent_messages_per_s"] if best else 0,
        "p50_ms": best["latency"]["p50_ms"] if best else None,
        "p99_ms": best["latency"]["p99_ms"] if best else None,
        "max_ms": best["latency"]["max_ms"] if best else None,
        "server_cpu_at_best": best["server_cpu"] if best else None,
        "deliveries_per_server_cpu_s_at_best": best["deliveries_per_server_cpu_s"] if best else None,
        # Per process (`-2p`: two entries; their sum is server_cpu_at_best).
        "server_cpu_each_at_best": best["server_cpu_each"] if best else None,
        "deliveries_per_server_cpu_s_each_at_best": (
            [round(best["delivered_per_s"] / c) if c > 0 else None for c in best["server_cpu_each"]] if best else None
        ),
        "other_processes_cpu_max": max((s["other_cpu"] for s in steps), default=None),
        "generator_cpu_at_best": best["generator_cpu"] if best else None,
        "generator_cpu_max": max((s["generator_cpu"] for s in steps), default=None),
        "generator_saturated": any(s["generator_cpu"] >= GENERATOR_SATURATED for s in steps),
        "first_failure": next(
            ({"offered": s["offered_deliveries_per_s"], "p99_ms": s["latency"]["p99_ms"], "lost": s["lost"], "notes": s["notes"]}
             for s in steps if not s["passed"]),
            None,
        ),
        "confirmed": outcome.get("confirmed"),
        "p99_ms_of_runs_at_best": outcome.get("p99_ms_of_those_runs"),
        "at_fixed_rate": fixed,
        "server_rss_mb": round(sum(s.rss_bytes() for s in (setup.server, *setup.more_servers)) / 2**20, 1),
        "protocol_errors": rec.protocol_errors[:5],
        "steps": [
            {
                k: s[k]
                for k in (
                    "offered_deliveries_per_s", "delivered_per_s", "lost", "server_cpu", "generator_cpu", "other_cpu",
                    "deliveries_per_server_cpu_s", "server_cpu_each", "passed",
                )
            }
            | {"p50_ms": s["latency"]["p50_ms"], "p99_ms": s["latency"]["p99_ms"]}
            for s in steps
        ],
    }
    return ok, figures


# --- 7: one socket per user (`/ws`), every room of the user on it ------------------------------


def memberships(users: int, per_user: int, room_size: int, seed: int = 7) -> list[list[int]]:
    """Members (user indexes) of each of `users * per_user / room_size` rooms: every room has
    exactly `room_size` members, every user is in exactly `per_user` rooms, the same every run.

    The rooms come in `per_user` layers of `users / room_size` rooms; each layer is a shuffle of
    all the users (seeded) cut into rooms of `room_size`, so it puts every user in exactly one of
    its rooms. Two rooms share few members (2.4 on average at full size, at most 10)."""
    if users % room_size:
        raise ValueError("users must be a multiple of room_size")
    rng = random.Random(seed)
    rooms: list[list[int]] = []
    for _ in range(per_user):
        order = list(range(users))
        rng.shuffle(order)
        rooms.extend(sorted(order[i : i + room_size]) for i in range(0, users, room_size))
    return rooms


@dataclass
class UsersSetup(FanoutSetup):
    users: list[UserClient]
    warm: UserClient
    rss_before: int = 0
    rss_after: int = 0
    connect_s: float = 0.0
    connect_retries: int = 0
    setup_calls: int = 0
    setup_s: float = 0.0
    bad_hellos: list[str] = field(default_factory=list)

    async def close(self) -> None:
        await close_all([self.warm])
        await super().close()


async def setup_users(ctx: Ctx) -> UsersSetup:
    """1,000 accounts, 400 rooms of 50, 20 rooms per account (`memberships`), all over HTTP;
    then one `/ws` socket per account, with the server's RSS before and after they connect."""
    n_users, per_user, room_size = _pick(ctx.quick, (20, 4, 10), (1000, 20, 50))
    members = memberships(n_users, per_user, room_size)
    server = ctx.server("users")
    server.start()
    http = Http("127.0.0.1", server.port, size=16)
    rec = Recorder()
    warm: UserClient | None = None
    clients: list[UserClient] = []
    try:
        t0 = time.monotonic()
        # The last account only warms the /ws path up before the baseline (it stays in `general`).
        *accounts, warm_account = await make_accounts(http, n_users + 1, unique_prefix())
        calls = 2 * (n_users + 1)
        accounts_s = time.monotonic() - t0
        # The rooms everyone joins at signup (`general`): every measured account leaves them.
        listed = await http.call("GET", "/api/v1/rooms", token=accounts[0].token)
        auto_joined = [int(room["id"]) for room in listed if room["joined"]]
        calls += 1
        room_ids = await bounded(
            16, (create_room(http, accounts[m[0]], f"users-{r}") for r, m in enumerate(members))
        )
        calls += len(room_ids)

        async def call(path: str, account: Account) -> None:
            await http.call("POST", path, token=account.token)

        joins = [(room_id, u) for room_id, m in zip(room_ids, members, strict=True) for u in m[1:]]
        leaves = [(room_id, u) for room_id in auto_joined for u in range(n_users)]
        t_joins = time.monotonic()
        # 4 in flight: the server's core is the limit (4-6 ms a join); 16 in flight were no faster,
        # and their slowest calls waited ~2 s.
        await bounded(4, (call(f"/api/v1/rooms/{r}/join", accounts[u]) for r, u in joins))
        await bounded(4, (call(f"/api/v1/rooms/{r}/leave", accounts[u]) for r, u in leaves))
        calls += len(joins) + len(leaves)
        setup_s = time.monotonic() - t0
        joins_s = time.monotonic() - t_joins
        ctx.log(
            f"  set-up: {n_users + 1} accounts (signup + login) in {accounts_s:.1f}s, {len(room_ids)} rooms of "
            f"{room_size}, {len(joins)} joins and {len(leaves)} leaves of {auto_joined} in {joins_s:.1f}s: "
            f"{calls:,} HTTP calls in {setup_s:.1f}s"
        )
        rooms_of: list[list[int]] = [[] for _ in range(n_users)]
        for room_id, m in zip(room_ids, members, strict=True):
            for u in m:
                rooms_of[u].append(room_id)
        clients = [UserClient(rec, accounts[u], rooms_of[u]) for u in range(n_users)]

        # One socket first (the warm-up account's): every code path of /ws has run once before the baseline.
        warm = UserClient(rec, warm_account, auto_joined)
        await connect_all([warm], server.base)
        await wait_quiet(rec, quiet=_pick(ctx.quick, 0.2, 1.0), limit=15)
        rss_before = server.rss_bytes()
        await ctx.measure_start(server)
        t1 = time.monotonic()
        retries = await connect_all(clients, server.base, concurrency=64)
        connect_s = time.monotonic() - t1
        await ctx.measure_stop()
        await wait_quiet(rec, quiet=_pick(ctx.quick, 0.2, 1.0), limit=30)  # presence of the arrivals
        await asyncio.sleep(_pick(ctx.quick, 0.2, 2.0))
        rss_after = server.rss_bytes()

        # Every hello lists exactly the user's rooms, each with its members.
        bad_hellos = []
        for c in clients:
            listed = {int(r["id"]): int(r["member_count"]) for r in (c.hello or {}).get("rooms") or []}
            if set(listed) != set(c.rooms) or set(listed.values()) != {room_size}:
                name = c.account.username
                bad_hellos.append(f"{name}: hello lists {listed} (room: members), member of {sorted(c.rooms)}")

        # One sender per room, a different account for each where possible, in a shuffled order
        # so that consecutive messages go to rooms of unrelated members.
        senders: list[RoomSender] = []
        used: set[int] = set()
        for room_id, m in zip(room_ids, members, strict=True):
            u = next((u for u in m if u not in used), m[0])
            used.add(u)
            senders.append(RoomSender(clients[u], room_id))
        random.Random(7).shuffle(senders)
        rooms = {room_id: [clients[u] for u in m] for room_id, m in zip(room_ids, members, strict=True)}
        load = Load(server, rec, rooms, senders)
        load.quiet = _pick(ctx.quick, 0.2, 1.0)
        per_user = (rss_after - rss_before) / n_users
        ctx.log(
            f"  {n_users} /ws sockets ({len(used)} of them send, each into one of its rooms) connected at "
            f"{n_users / connect_s:.0f}/s; server RSS {rss_before / 2**20:.1f} MB -> {rss_after / 2**20:.1f} MB, "
            f"{per_user / 1024:.1f} KB per connected user; hellos wrong: {len(bad_hellos)}"
        )
        return UsersSetup(
            server, http, load, n_users, len(room_ids), len(senders), clients, warm,
            rss_before=rss_before, rss_after=rss_after, connect_s=connect_s, connect_retries=retries,
            setup_calls=calls, setup_s=setup_s, bad_hellos=bad_hellos,
        )  # fmt: skip
    except BaseException:
        await close_all([*clients, *(c for c in (warm,) if c is not None)])
        await http.close()
        server.stop()
        raise


async def scenario_users(ctx: Ctx) -> tuple[bool, dict[str, Any]]:
    setup = await setup_users(ctx)
    try:
        ok, figures = await rate_search(ctx, setup, start=5000.0)
        n = setup.clients
        rooms_per_user = len(setup.users[0].rooms)
        foreign = sum(c.foreign for c in setup.users)
        figures = {
            "users": n,
            "rooms_per_user": rooms_per_user,
            "members_per_room": n * rooms_per_user // max(1, setup.rooms),
            "rss_per_user_kb": round((setup.rss_after - setup.rss_before) / n / 1024, 2),
            "rss_before_mb": round(setup.rss_before / 2**20, 1),
            "rss_after_mb": round(setup.rss_after / 2**20, 1),
            "connect_rate_per_s": round(n / setup.connect_s, 1),
            "connect_retries": setup.connect_retries,
            "setup_http_calls": setup.setup_calls,
            "setup_s": round(setup.setup_s, 1),
            "bad_hellos": setup.bad_hellos[:5],
            "messages_of_rooms_not_joined": foreign,
            **figures,
            # What the server logged at ERROR, or a traceback (LOG_LEVEL=warning): shown, not judged.
            "server_log_errors": setup.server.error_lines()[:5],
        }
        ok = ok and not setup.bad_hellos and foreign == 0
        return ok, figures
    finally:
        await setup.close()


# --- calibration: the generator against a bare broadcast server -------------------------------


async def scenario_calibrate(ctx: Ctx) -> tuple[bool, dict[str, Any]]:
    """Scenario 1's load against bench/benchlib/bare_server.py (no auth, no storage): the most
    this generator can measure here. If the real server's figure is well below, the generator
    was not the limit."""
    n = _pick(ctx.quick, 20, 200)
    server = BareServer(ctx.workdir / "bare")
    ctx.server_commands.append(server.describe())
    server.start()
    rec = Recorder()
    clients = [ChatClient(rec, Account(i, f"u{i}", i, "none"), 1) for i in range(n)]
    try:
        await connect_all(clients, server.base, concurrency=32)
        load = Load(server, rec, {1: clients}, clients[:2])
        load.quiet = _pick(ctx.quick, 0.2, 1.0)
        if ctx.quick:
            params = dict(start=1000.0, factor=2.0, duration=0.5, max_steps=1, refine=0, confirm=0)
        else:
            params = dict(start=40000.0, factor=1.5, duration=3.0, max_steps=6, refine=1, confirm=0)
        outcome = await search(load, log=ctx.log, **params)  # type: ignore[arg-type]
        best = outcome["best"]
        steps = outcome["steps"]
        figures = {
            "clients": n,
            "deliveries_per_s": best["delivered_per_s"] if best else 0,
            "p50_ms": best["latency"]["p50_ms"] if best else None,
            "p99_ms": best["latency"]["p99_ms"] if best else None,
            "generator_cpu_at_best": best["generator_cpu"] if best else None,
            "server_cpu_at_best": best["server_cpu"] if best else None,
            "generator_saturated": any(s["generator_cpu"] >= GENERATOR_SATURATED for s in steps),
            "steps": [
                {k: s[k] for k in ("offered_deliveries_per_s", "delivered_per_s", "lost", "server_cpu", "generator_cpu", "other_cpu", "passed")}
                | {"p99_ms": s["latency"]["p99_ms"]}
                for s in steps
            ],
        }
        ok = bool(steps) and steps[0]["lost"] == 0 and not rec.protocol_errors
        return ok, figures
    finally:
        await close_all(clients)
        server.stop()


# --- the naive reference: fan-out and many rooms on a plain FastAPI server --------------------


async def scenario_naive(ctx: Ctx) -> tuple[bool, dict[str, Any]]:
    """Scenarios 1 and 2's loads against bench/benchlib/naive_server.py (FastAPI's documented
    ConnectionManager; no auth, no storage), with the same step-up search: the figures the chat
    server is set beside (issue 16)."""
    ok = True
    figures: dict[str, Any] = {}
    for kind in ("fanout", "rooms"):
        n_rooms, per_room, senders_per_room = fanout_shape(ctx.quick, kind)
        server = NaiveServer(ctx.workdir / kind)
        ctx.server_commands.append(server.describe())
        server.start()
        rec = Recorder()
        rooms: dict[int, list[ChatClient]] = {}
        for room_id in range(1, n_rooms + 1):
            first = (room_id - 1) * per_room
            rooms[room_id] = [ChatClient(rec, Account(first + i, f"u{first + i}", first + i, "none"), room_id) for i in range(per_room)]
        clients = [c for members in rooms.values() for c in members]
        senders = [c for members in rooms.values() for c in members[:senders_per_room]]
        load = Load(server, rec, rooms, senders)
        load.quiet = _pick(ctx.quick, 0.2, 1.0)
        setup = FanoutSetup(server, None, load, len(clients), n_rooms, len(senders))
        try:
            await connect_all(clients, server.base, concurrency=32)
            ctx.log(f"  {kind}: {n_rooms} room(s) x {per_room} sockets, {len(senders)} sender(s)")
            kind_ok, figures[kind] = await rate_search(ctx, setup, **search_start(kind))
            ok = ok and kind_ok
        finally:
            await setup.close()
    return ok, figures


# --- 3: idle sockets -------------------------------------------------------------------------


async def scenario_idle(ctx: Ctx) -> tuple[bool, dict[str, Any]]:
    n = _pick(ctx.quick, 40, 5000)
    per_room = _pick(ctx.quick, 20, 50)
    tabs = 2  # sockets per account, as a user with two tabs or devices
    server = ctx.server("idle")
    server.start()
    http = Http("127.0.0.1", server.port)
    clients: list[ChatClient] = []
    try:
        t0 = time.monotonic()
        accounts = await make_accounts(http, n // tabs, unique_prefix())
        n_rooms = n // per_room
        room_ids = await bounded(8, (create_room(http, accounts[0], f"idle-{r}") for r in range(n_rooms)))
        ctx.log(f"  set-up: {len(accounts)} accounts and {n_rooms} rooms in {time.monotonic() - t0:.1f}s")
        rec = Recorder()
        # Each room: per_room sockets of per_room / tabs accounts, each account with `tabs` sockets.
        clients = [ChatClient(rec, accounts[i // tabs], room_ids[i // per_room]) for i in range(n)]
        # The first socket of each room first: every code path has run once before the baseline.
        warm = clients[::per_room]
        rest = [c for i, c in enumerate(clients) if i % per_room]
        await connect_all(warm, server.base, concurrency=32)
        await wait_quiet(rec, quiet=_pick(ctx.quick, 0.2, 1.0), limit=15)
        rss_before = server.rss_bytes()
        await ctx.measure_start(server)
        t1 = time.monotonic()
        retries = await connect_all(rest, server.base, concurrency=64)
        connect_s = time.monotonic() - t1
        await ctx.measure_stop()
        await wait_quiet(rec, quiet=_pick(ctx.quick, 0.2, 1.0), limit=30)
        await asyncio.sleep(_pick(ctx.quick, 0.2, 2.0))
        rss_after = server.rss_bytes()
        # Still alive and answering: a ping on a sample of sockets.
        sample = clients[:: max(1, n // 200)]
        for c in sample:
            c.send_ping()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and any(c.pongs == 0 for c in sample):
            await asyncio.sleep(0.05)
        open_now = sum(c.is_open for c in clients)
        answered = sum(c.pongs > 0 for c in sample)
        per_socket = (rss_after - rss_before) / len(rest)
        ok = open_now == n and answered == len(sample) and not rec.protocol_errors and not rec.error_frames
        ctx.log(
            f"  {n} sockets: server RSS {rss_before / 2**20:.0f} MB -> {rss_after / 2**20:.0f} MB, "
            f"{per_socket / 1024:.1f} KB per socket; connected at {len(rest) / connect_s:.0f}/s; {open_now} open, "
            f"{answered}/{len(sample)} answered a ping"
        )
        figures = {
            "sockets": n,
            "rooms": n_rooms,
            "accounts": len(accounts),
            "sockets_per_account": tabs,
            "rss_per_socket_kb": round(per_socket / 1024, 2),
            "rss_before_mb": round(rss_before / 2**20, 1),
            "rss_after_mb": round(rss_after / 2**20, 1),
            "measured_over_sockets": len(rest),
            "connect_rate_per_s": round(len(rest) / connect_s, 1),
            "connect_retries": retries,
            "open_at_end": open_now,
            "ping_answered": f"{answered}/{len(sample)}",
            "unexpected_closes": len(rec.unexpected_closes),
        }
        return ok, figures
    finally:
        await close_all(clients)
        await http.close()
        server.stop()


# --- 4: history ------------------------------------------------------------------------------

WORDS = (
    "the of and to in is you that it he was for on are as with his they at be this have from or one had by "
    "word but not what all were we when your can said there use an each which she do how their if will up "
    "other about out many then them these so some her would make like him into time has look two more write "
    "go see number no way could people my than first water been call who oil its now find long down day did "
    "get come made may part résumé naïve café 東京 мир"
).split()


def _bodies(rng: random.Random, count: int) -> list[str]:
    """Chat lines: 1 to 12 words, ~35 characters on average. (Every character costs at load time:
    the search index, fed by triggers on SQLite and a GIN index on PostgreSQL, holds trigrams;
    MariaDB's, a Mroonga table fed by triggers, bigrams.)"""
    return [" ".join(rng.choice(WORDS) for _ in range(rng.randint(1, 12))) for _ in range(count)]


@dataclass
class HistoryData:
    rooms: list[int]
    min_id: int
    max_id: int
    messages: int


SQLITE_INDEX_PENDING = (
    "INSERT INTO messages_fts(rowid, body) SELECT id, body FROM messages "
    "WHERE id > (SELECT last_indexed_id FROM search_index_state) AND NOT deleted"
)


async def _load_sqlite(db_path: Path, users: list[int], n_rooms: int, n_messages: int, rng: random.Random) -> HistoryData:
    def load() -> HistoryData:
        con = sqlite3.connect(db_path, timeout=60)
        con.execute("PRAGMA busy_timeout=60000")
        con.execute("PRAGMA synchronous=OFF")
        now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
        fmt = "%Y-%m-%d %H:%M:%S.%f"
        with con:
            tag = secrets.token_hex(3)
            con.executemany(
                "INSERT INTO rooms (name, name_key, is_private, owner_id, created_at) VALUES (?, ?, 0, ?, ?)",
                [(f"history-{tag}-{i}", f"history-{tag}-{i}", users[0], now.strftime(fmt)) for i in range(n_rooms)],
            )
            rooms = [r for (r,) in con.execute("SELECT id FROM rooms WHERE name_key LIKE ? ORDER BY id", (f"history-{tag}-%",))]
            con.executemany(
                "INSERT INTO memberships (room_id, user_id, joined_at) VALUES (?, ?, ?)",
                [(r, u, now.strftime(fmt)) for r in rooms for u in users],
            )
        bodies = _bodies(rng, 5000)
        start = now - dt.timedelta(seconds=n_messages)
        chunk = 100_000
        for base in range(0, n_messages, chunk):
            rows = [
                (
                    rooms[rng.randrange(n_rooms)],
                    users[rng.randrange(len(users))],
                    bodies[rng.randrange(len(bodies))],
                    (start + dt.timedelta(seconds=i)).strftime(fmt),
                )
                for i in range(base, min(n_messages, base + chunk))
            ]
            with con:
                con.executemany(
                    "INSERT INTO messages (room_id, sender_id, body, client_id, created_at, edited_at, deleted) "
                    "VALUES (?, ?, ?, NULL, ?, NULL, 0)",
                    rows,
                )
        with con:  # indexed for search as the app's indexer would (app/services/search_indexer.py), at once
            con.execute(SQLITE_INDEX_PENDING)
            con.execute("UPDATE search_index_state SET last_indexed_id = (SELECT max(id) FROM messages)")
        lo, hi, count = con.execute("SELECT min(id), max(id), count(*) FROM messages").fetchone()
        con.close()
        return HistoryData(rooms, lo, hi, count)

    return await asyncio.to_thread(load)


async def _load_postgres(dsn: str, users: list[int], n_rooms: int, n_messages: int, rng: random.Random) -> HistoryData:
    import asyncpg

    con = await asyncpg.connect(dsn)
    try:
        now = dt.datetime.now(dt.UTC)
        tag = secrets.token_hex(3)
        await con.copy_records_to_table(
            "rooms",
            records=[(f"history-{tag}-{i}", f"history-{tag}-{i}", False, users[0], now) for i in range(n_rooms)],
            columns=["name", "name_key", "is_private", "owner_id", "created_at"],
        )
        rooms = [r["id"] for r in await con.fetch("SELECT id FROM rooms WHERE name_key LIKE $1 ORDER BY id", f"history-{tag}-%")]
        await con.copy_records_to_table(
            "memberships", records=[(r, u, now) for r in rooms for u in users], columns=["room_id", "user_id", "joined_at"]
        )
        bodies = _bodies(rng, 5000)
        start = now - dt.timedelta(seconds=n_messages)
        chunk = 100_000
        for base in range(0, n_messages, chunk):
            rows = [
                (rooms[rng.randrange(n_rooms)], users[rng.randrange(len(users))], bodies[rng.randrange(len(bodies))],
                 start + dt.timedelta(seconds=i), False)
                for i in range(base, min(n_messages, base + chunk))
            ]
            await con.copy_records_to_table(
                "messages", records=rows, columns=["room_id", "sender_id", "body", "created_at", "deleted"]
            )
        # What autovacuum would do after a bulk load, done now rather than at some later minute.
        await con.execute("VACUUM ANALYZE messages")
        await con.execute("ANALYZE")
        row = await con.fetchrow("SELECT min(id) AS lo, max(id) AS hi, count(*) AS n FROM messages")
        return HistoryData(rooms, row["lo"], row["hi"], row["n"])
    finally:
        await con.close()


async def _load_mariadb(url: str, users: list[int], n_rooms: int, n_messages: int, rng: random.Random) -> HistoryData:
    """Multi-row INSERTs (asyncmy's executemany) of 10,000 rows, one commit each, through the
    triggers that feed the Mroonga search table, as the app's own inserts do; then ANALYZE TABLE."""
    import asyncmy
    from sqlalchemy import make_url

    where = make_url(url)
    con = await asyncmy.connect(
        host=where.host, port=where.port or 3306, user=where.username, password=where.password or "",
        database=where.database, charset="utf8mb4",
    )
    try:
        async with con.cursor() as cur:
            now = dt.datetime.now(dt.UTC).replace(tzinfo=None)  # DATETIME(6) holds UTC, no offset
            tag = secrets.token_hex(3)
            await cur.executemany(
                "INSERT INTO rooms (name, name_key, is_private, owner_id, created_at) VALUES (%s, %s, 0, %s, %s)",
                [(f"history-{tag}-{i}", f"history-{tag}-{i}", users[0], now) for i in range(n_rooms)],
            )
            await cur.execute("SELECT id FROM rooms WHERE name_key LIKE %s ORDER BY id", (f"history-{tag}-%",))
            rooms = [r for (r,) in await cur.fetchall()]
            await cur.executemany(
                "INSERT INTO memberships (room_id, user_id, joined_at) VALUES (%s, %s, %s)",
                [(r, u, now) for r in rooms for u in users],
            )
            await con.commit()
            bodies = _bodies(rng, 5000)
            start = now - dt.timedelta(seconds=n_messages)
            chunk = 10_000
            for base in range(0, n_messages, chunk):
                rows = [
                    (rooms[rng.randrange(n_rooms)], users[rng.randrange(len(users))], bodies[rng.randrange(len(bodies))],
                     start + dt.timedelta(seconds=i))
                    for i in range(base, min(n_messages, base + chunk))
                ]
                await cur.executemany(
                    "INSERT INTO messages (room_id, sender_id, body, created_at, deleted) VALUES (%s, %s, %s, %s, 0)", rows
                )
                await con.commit()
            await cur.execute("ANALYZE TABLE messages, memberships, rooms")
            await cur.fetchall()
            await cur.execute("SELECT min(id), max(id), count(*) FROM messages")
            lo, hi, count = await cur.fetchone()
            return HistoryData(rooms, lo, hi, count)
    finally:
        con.close()


async def _history_queries(
    http: Http, token: str, data: HistoryData, count: int, concurrency: int, rng: random.Random
) -> tuple[list[float], int, float]:
    """`count` GET /chat/history: half the newest page, a quarter `before`, a quarter `after`
    a random id. Returns (latencies in s, bad answers, wall time)."""
    bad = 0

    def path() -> str:
        room = data.rooms[rng.randrange(len(data.rooms))]
        kind = rng.random()
        if kind < 0.5:
            return f"/api/v1/chat/history?room_id={room}"
        cursor = rng.randint(data.min_id, data.max_id)
        return f"/api/v1/chat/history?room_id={room}&{'before' if kind < 0.75 else 'after'}={cursor}"

    import orjson

    latencies: list[float] = []

    async def one(p: str) -> None:
        nonlocal bad
        t = time.perf_counter()
        status, body = await http.raw("GET", p, token=token)
        latencies.append(time.perf_counter() - t)
        if status != 200:
            bad += 1
            return
        page = orjson.loads(body)
        ids = [m["id"] for m in page["messages"]]
        if len(ids) > 50 or ids != sorted(ids) or "has_more" not in page:
            bad += 1

    paths = [path() for _ in range(count)]
    t0 = time.perf_counter()
    await bounded(concurrency, (one(p) for p in paths))
    return latencies, bad, time.perf_counter() - t0


REDIS_URL = "redis://127.0.0.1:6379/0"  # `-2p` scenarios; keys under a fresh REDIS_PREFIX each run


async def _drop_redis_keys(prefix: str) -> None:
    """What the servers left under their key prefix (presence sets outlive the processes)."""
    import redis.asyncio as aioredis

    client = aioredis.from_url(REDIS_URL)
    try:
        keys = [key async for key in client.scan_iter(match=f"{prefix}:*")]
        if keys:
            await client.delete(*keys)
    finally:
        await client.aclose()


async def _create_pg_database() -> tuple[str, str]:
    import asyncpg

    name = f"chat_bench_{secrets.token_hex(4)}"
    con = await asyncpg.connect("postgresql://postgres@127.0.0.1:5432/postgres")
    try:
        await con.execute(f'CREATE DATABASE "{name}"')
    finally:
        await con.close()
    return name, f"postgresql://postgres@127.0.0.1:5432/{name}"


async def _drop_pg_database(name: str) -> None:
    import asyncpg

    con = await asyncpg.connect("postgresql://postgres@127.0.0.1:5432/postgres")
    try:
        await con.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await con.close()


MARIADB_SERVER = "mariadb://root@127.0.0.1:3306"


async def _create_mariadb_database() -> tuple[str, str]:
    name = f"chat_bench_{secrets.token_hex(4)}"
    await _mariadb_admin(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin")
    return name, f"{MARIADB_SERVER}/{name}"


async def _drop_mariadb_database(name: str) -> None:
    await _mariadb_admin(f"DROP DATABASE IF EXISTS `{name}`")


async def _mariadb_admin(statement: str) -> list[tuple[Any, ...]]:
    """One statement on the MariaDB server as root, outside any bench database; its rows."""
    import asyncmy

    con = await asyncmy.connect(host="127.0.0.1", port=3306, user="root", password="")
    try:
        async with con.cursor() as cur:
            await cur.execute(statement)
            return list(await cur.fetchall())
    finally:
        con.close()


async def _buffer_pool_size() -> int:
    return int((await _mariadb_admin("SELECT @@innodb_buffer_pool_size"))[0][0])


async def _mariadb_status(name: str) -> int:
    rows = await _mariadb_admin(f"SHOW GLOBAL STATUS LIKE '{name}'")
    return int(rows[0][1])


async def _resize_buffer_pool(size: int) -> None:
    """InnoDB resizes its buffer pool online, in the background: wait until it holds `size`."""
    await _mariadb_admin(f"SET GLOBAL innodb_buffer_pool_size = {size}")
    page = int((await _mariadb_admin("SELECT @@innodb_page_size"))[0][0])
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if abs(await _mariadb_status("Innodb_buffer_pool_pages_total") * page - size) < 0.05 * size:
            return
        await asyncio.sleep(0.2)
    raise TimeoutError(f"MariaDB did not resize its buffer pool to {size} bytes within 60 s")


# MariaDB's buffer pool for the history scenario: Debian's default (128 MB, with O_DIRECT, so no
# OS page cache behind it) is smaller than 1M messages and their indexes, so a history page
# would be read from disk row by row; PostgreSQL and SQLite read theirs from the OS page cache,
# which the bulk load has just filled. A server is sized for its data: 1 GB, set before the load
# (online, SET GLOBAL), measured, then put back and measured again ("as configured").
MARIADB_BUFFER_POOL = 1 << 30


def _history_warm_up(ctx: Ctx) -> int:
    return _pick(ctx.quick, 10, 300)


def _history_requests(ctx: Ctx, n_queries: int) -> int:
    """How many requests `_measure_history` makes."""
    return _history_warm_up(ctx) + n_queries + n_queries // 2


async def _measure_history(
    ctx: Ctx, server: Server, http: Http, token: str, data: HistoryData, n_queries: int, rng: random.Random,
    profile: bool = False,
) -> dict[str, Any]:
    """A warm-up, `n_queries` history pages one at a time (timed, with the server's CPU), then
    half as many with 8 in flight: `_history_requests` in all."""
    await _history_queries(http, token, data, _history_warm_up(ctx), 1, rng)
    if profile:
        await ctx.measure_start(server)
    cpu = CpuWindow(server)
    gen = CpuMeter()
    seq, bad1, wall1 = await _history_queries(http, token, data, n_queries, 1, rng)
    server_cpu, generator_cpu = cpu.share(), gen.share()
    if profile:
        await ctx.measure_stop()
    conc, bad2, wall2 = await _history_queries(http, token, data, n_queries // 2, 8, rng)
    p_seq = percentiles_ms([int(x * 1e9) for x in seq])
    p_conc = percentiles_ms([int(x * 1e9) for x in conc])
    ctx.log(
        f"  GET /chat/history p50 {p_seq['p50_ms']} ms p99 {p_seq['p99_ms']} ms "
        f"({n_queries / wall1:.0f} req/s one at a time; {len(conc) / wall2:.0f} req/s with 8 in flight, "
        f"p99 {p_conc['p99_ms']} ms) server cpu {server_cpu:.0%} gen cpu {generator_cpu:.0%}"
    )
    return {
        "p50_ms": p_seq["p50_ms"],
        "p99_ms": p_seq["p99_ms"],
        "max_ms": p_seq["max_ms"],
        "requests": n_queries,
        "sequential_requests_per_s": round(n_queries / wall1, 1),
        "server_cpu_sequential": round(server_cpu, 3),
        "generator_cpu_sequential": round(generator_cpu, 3),
        "concurrency_8": {"requests_per_s": round(len(conc) / wall2, 1), "p50_ms": p_conc["p50_ms"], "p99_ms": p_conc["p99_ms"]},
        "bad_answers": bad1 + bad2,
    }


async def _measure_mariadb_history(
    ctx: Ctx, server: Server, http: Http, token: str, data: HistoryData, n_queries: int, rng: random.Random, configured: int
) -> dict[str, Any]:
    """The measurement with the buffer pool as it is now, with the pages InnoDB read from disk
    per request (Innodb_buffer_pool_reads) beside it."""
    reads = await _mariadb_status("Innodb_buffer_pool_reads")
    figures = await _measure_history(ctx, server, http, token, data, n_queries, rng)
    read = await _mariadb_status("Innodb_buffer_pool_reads") - reads
    figures["buffer_pool_mb"] = round(configured / 2**20)
    figures["disk_reads_per_request"] = round(read / _history_requests(ctx, n_queries), 2)  # the warm-up's too
    ctx.log(f"  (buffer pool {configured / 2**20:,.0f} MB: {figures['disk_reads_per_request']} pages read from disk per request)")
    return figures


async def scenario_history(ctx: Ctx) -> tuple[bool, dict[str, Any]]:
    n_messages = _pick(ctx.quick, 5_000, 1_000_000)
    n_rooms = _pick(ctx.quick, 10, 1000)
    n_queries = _pick(ctx.quick, 40, 2000)
    figures: dict[str, Any] = {"messages": n_messages, "rooms": n_rooms, "limit": 50}
    ok = True
    for db in ("sqlite", "postgresql", "mariadb"):
        rng = random.Random(6)
        pg_name = mariadb_name = None
        database_url = None
        configured_pool: int | None = None
        if db == "postgresql":
            pg_name, database_url = await _create_pg_database()
        elif db == "mariadb":
            mariadb_name, database_url = await _create_mariadb_database()
            if not ctx.quick:  # quick: 5,000 messages fit in any pool; the shared server is left alone
                configured_pool = await _buffer_pool_size()
                await _resize_buffer_pool(MARIADB_BUFFER_POOL)
        server = ctx.server(f"history-{db}", database_url=database_url)
        http = Http("127.0.0.1", server.port, size=8)
        try:
            server.start()
            accounts = await make_accounts(http, _pick(ctx.quick, 2, 10), unique_prefix())
            users = [a.user_id for a in accounts]
            t0 = time.monotonic()
            if db == "sqlite":
                data = await _load_sqlite(server.data_dir / "chat.db", users, n_rooms, n_messages, rng)
            elif db == "postgresql":
                assert database_url is not None
                data = await _load_postgres(database_url, users, n_rooms, n_messages, rng)
            else:
                assert database_url is not None
                data = await _load_mariadb(database_url, users, n_rooms, n_messages, rng)
            load_s = time.monotonic() - t0
            ctx.log(f"  {db}: bulk-loaded {data.messages:,} messages in {data.rooms.__len__()} rooms in {load_s:.1f}s")
            token = accounts[0].token
            if db != "mariadb":
                figures[db] = await _measure_history(ctx, server, http, token, data, n_queries, rng, profile=db == "sqlite")
            else:
                pool = await _buffer_pool_size()
                figures[db] = await _measure_mariadb_history(ctx, server, http, token, data, n_queries, rng, pool)
                if configured_pool is not None and configured_pool != pool:
                    await _resize_buffer_pool(configured_pool)
                    figures["mariadb_as_configured"] = await _measure_mariadb_history(
                        ctx, server, http, token, data, n_queries, rng, configured_pool
                    )
                    ok = ok and figures["mariadb_as_configured"]["bad_answers"] == 0
            figures[db] |= {"bulk_load_s": round(load_s, 1), "stored_messages": data.messages}
            ok = ok and figures[db]["bad_answers"] == 0 and data.messages >= n_messages
        finally:
            await http.close()
            server.stop()
            if pg_name:
                await _drop_pg_database(pg_name)
            if mariadb_name:
                await _drop_mariadb_database(mariadb_name)
            if configured_pool is not None:
                await _resize_buffer_pool(configured_pool)  # the server as it was (a no-op if it is)
    return ok, figures


# --- 5: connect storm ------------------------------------------------------------------------


async def scenario_storm(ctx: Ctx) -> tuple[bool, dict[str, Any]]:
    n = _pick(ctx.quick, 20, 2000)
    n_rooms = _pick(ctx.quick, 2, 20)
    missed_per_room = _pick(ctx.quick, 3, 10)
    server = ctx.server("storm")
    server.start()
    http = Http("127.0.0.1", server.port, size=4)
    clients: list[ChatClient] = []
    try:
        t0 = time.monotonic()
        tabs = 2  # sockets per account (a user with two tabs or devices), each in a different room
        poster, *accounts = await make_accounts(http, n // tabs + 1, unique_prefix())
        room_ids = await bounded(8, (create_room(http, poster, f"storm-{r}") for r in range(n_rooms)))
        rec = Recorder()
        clients = [
            ChatClient(rec, accounts[i // tabs], room_ids[i % n_rooms], keep_ids=True) for i in range(len(accounts) * tabs)
        ]
        await connect_all(clients, server.base, concurrency=64)
        await wait_quiet(rec, quiet=_pick(ctx.quick, 0.2, 1.0), limit=30)
        ctx.log(f"  set-up: {len(accounts) + 1} accounts, {n} sockets in {n_rooms} rooms in {time.monotonic() - t0:.1f}s")
        posted: dict[int, list[int]] = {r: [] for r in room_ids}

        async def post(room_id: int) -> None:
            msg = await http.call(
                "POST", f"/api/v1/rooms/{room_id}/messages", json={"body": body_text(0)}, token=poster.token
            )
            posted[room_id].append(int(msg["id"]))

        # 1. Everyone live sees one message per room; 2. everyone leaves; 3. messages they miss.
        for r in room_ids:
            await post(r)
        await wait_quiet(rec, quiet=_pick(ctx.quick, 0.2, 0.5), limit=15)
        since = {id(c): c.last_id for c in clients}
        await close_all(clients)
        await asyncio.sleep(_pick(ctx.quick, 0.1, 0.5))
        for _ in range(missed_per_room):
            await bounded(4, (post(r) for r in room_ids))
        last_before = {r: max(ids) for r, ids in posted.items()}

        # 4. All reconnect at once with `since`, while messages keep coming.
        live_at: dict[int, float] = {}
        stop_posting = asyncio.Event()

        async def keep_posting() -> None:
            i = 0
            while not stop_posting.is_set():
                await post(room_ids[i % n_rooms])
                i += 1
                await asyncio.sleep(0.05)

        async def reconnect(client: ChatClient) -> int:
            tries = 0
            while True:
                try:
                    await client.connect(server.base, since=since[id(client)], timeout=60)
                    return tries
                except (OSError, ConnectionError, TimeoutError) as exc:
                    tries += 1
                    if tries > 5:
                        raise ConnectionError(f"reconnect failed 5 times: {exc!r}") from exc
                    await asyncio.sleep(random.uniform(0.1, 0.5) * tries)

        await ctx.measure_start(server)
        gen = CpuMeter()
        cpu = CpuWindow(server)
        start = time.monotonic()
        poster_task = asyncio.create_task(keep_posting())
        tasks = [asyncio.create_task(reconnect(c)) for c in clients]
        limit = 120.0
        while time.monotonic() - start < limit and len(live_at) < len(clients):
            now = time.monotonic()
            for c in clients:
                if id(c) not in live_at and c.live and c.last_id >= last_before[c.room_id]:
                    live_at[id(c)] = now - start
            await asyncio.sleep(0.01)
        all_live_s = time.monotonic() - start if len(live_at) == len(clients) else None
        server_cpu, generator_cpu = cpu.share(), gen.share()
        await ctx.measure_stop()
        await asyncio.sleep(_pick(ctx.quick, 0.2, 1.0))
        stop_posting.set()
        await poster_task
        results = await asyncio.gather(*tasks, return_exceptions=True)
        failed = [r for r in results if isinstance(r, BaseException)]
        retries = sum(r for r in results if isinstance(r, int))
        await wait_quiet(rec, quiet=_pick(ctx.quick, 0.2, 1.0), limit=30)

        missed = duplicates = unexpected = 0
        for c in clients:
            expected = set(posted[c.room_id])
            got = c.ids or []
            missed += len(expected - set(got))
            duplicates += len(got) - len(set(got))
            unexpected += len(set(got) - expected)
        order_errors = sum(c.order_errors for c in clients)
        times = sorted(live_at.values())
        p = percentiles_ms([int(t * 1e9) for t in times])
        figures = {
            "clients": n,
            "accounts": len(accounts),
            "rooms": n_rooms,
            "missed_while_away_per_room": missed_per_room,
            "all_live_s": round(all_live_s, 3) if all_live_s is not None else None,
            "live_p50_s": round((p["p50_ms"] or 0) / 1000, 3),
            "live_p99_s": round((p["p99_ms"] or 0) / 1000, 3),
            "reconnect_retries": retries,
            "failed_reconnects": len(failed),
            "missed": missed,
            "duplicates": duplicates,
            "unexpected": unexpected,
            "order_errors": order_errors,
            "gaps": sum(c.gaps for c in clients),
            "messages_posted": sum(len(v) for v in posted.values()),
            "server_cpu_during_storm": round(server_cpu, 3),
            "generator_cpu_during_storm": round(generator_cpu, 3),
        }
        ctx.log(
            f"  {n} sockets live again in {figures['all_live_s']} s (p50 {figures['live_p50_s']} s), "
            f"missed {missed}, duplicates {duplicates}, retries {retries}, server cpu {server_cpu:.0%} gen cpu {generator_cpu:.0%}"
        )
        ok = (
            all_live_s is not None
            and not failed
            and missed == 0
            and duplicates == 0
            and unexpected == 0
            and order_errors == 0
            and not rec.protocol_errors
            and not rec.error_frames
        )
        if rec.protocol_errors:
            figures["protocol_errors"] = rec.protocol_errors[:5]
        return ok, figures
    finally:
        await close_all(clients)
        await http.close()
        server.stop()


# --- 6: login burst --------------------------------------------------------------------------


async def scenario_login(ctx: Ctx) -> tuple[bool, dict[str, Any]]:
    n_accounts = _pick(ctx.quick, 2, 10)
    sockets_per_account = 2
    workers = _pick(ctx.quick, 4, 16)
    duration = _pick(ctx.quick, 1.0, 8.0)
    server = ctx.server("login", bcrypt_rounds=None)  # the default cost, 12
    server.start()
    http = Http("127.0.0.1", server.port, size=workers + 2)
    clients: list[ChatClient] = []
    try:
        # One hash at cost 12 in this (generator) process, for reference.
        t = time.perf_counter()
        bcrypt.hashpw(b"x" * 16, bcrypt.gensalt(12))
        hash_s = time.perf_counter() - t
        t0 = time.monotonic()
        accounts = await make_accounts(http, n_accounts, unique_prefix(), concurrency=4)
        room_id = await create_room(http, accounts[0], "login-probe")
        rec = Recorder()
        clients = [ChatClient(rec, a, room_id) for a in accounts for _ in range(sockets_per_account)]
        await connect_all(clients, server.base, concurrency=8)
        await wait_quiet(rec, quiet=_pick(ctx.quick, 0.2, 0.5), limit=15)
        ctx.log(f"  set-up: {n_accounts} accounts at bcrypt cost 12, {len(clients)} sockets in {time.monotonic() - t0:.1f}s")
        load = Load(server, rec, {room_id: clients}, clients[:1])
        load.quiet = _pick(ctx.quick, 0.2, 1.0)
        probe_rate = 20 * len(clients)  # 20 messages/s to every socket of the room
        await load.step(probe_rate, _pick(ctx.quick, 0.3, 1.0))  # warm-up
        baseline = await load.step(probe_rate, duration)
        ctx.log("  no logins: " + baseline.summary().strip())

        logins: list[float] = []
        failures = 0
        stop_at = time.monotonic() + duration

        async def worker(i: int) -> None:
            nonlocal failures
            account = accounts[i % len(accounts)]
            while time.monotonic() < stop_at:
                t = time.perf_counter()
                status, _ = await http.raw(
                    "POST", "/api/v1/token", form={"username": account.username, "password": "bench-password-1"}
                )
                if status == 200:
                    logins.append(time.perf_counter() - t)
                else:
                    failures += 1

        cpu = CpuWindow(server)
        burst_start = time.monotonic()
        login_tasks = [asyncio.create_task(worker(i)) for i in range(workers)]
        during = await load.step(probe_rate, duration, drain=10.0, abort_ns=None)
        await asyncio.gather(*login_tasks)
        burst_s = time.monotonic() - burst_start
        server_cpu = cpu.share()
        ctx.log("  during logins: " + during.summary().strip())
        p_login = percentiles_ms([int(x * 1e9) for x in logins])
        figures = {
            "bcrypt_rounds": 12,
            "tokens_per_s": round(len(logins) / burst_s, 2),
            "logins": len(logins),
            "login_failures": failures,
            "concurrent_logins": workers,
            "login_p50_ms": p_login["p50_ms"],
            "login_p99_ms": p_login["p99_ms"],
            "one_hash_in_generator_s": round(hash_s, 3),
            "bcrypt_bound_tokens_per_s": round(1 / hash_s, 2),
            "ws_probe": {"sockets": len(clients), "deliveries_per_s": probe_rate},
            "ws_p50_ms_idle": baseline.latency["p50_ms"],
            "ws_p99_ms_idle": baseline.latency["p99_ms"],
            "ws_p50_ms_during_logins": during.latency["p50_ms"],
            "ws_p99_ms_during_logins": during.latency["p99_ms"],
            "ws_max_ms_during_logins": during.latency["max_ms"],
            "ws_lost_during_logins": during.lost,
            "server_cpu_during_logins": round(server_cpu, 3),
        }
        ctx.log(
            f"  {figures['tokens_per_s']} tokens/s ({len(logins)} logins, {workers} in flight; one hash = {hash_s * 1000:.0f} ms here), "
            f"login p50 {p_login['p50_ms']} ms; WebSocket p99 {baseline.latency['p99_ms']} ms idle -> "
            f"{during.latency['p99_ms']} ms during the burst"
        )
        ok = (
            failures == 0
            and len(logins) > 0
            and baseline.lost == 0
            and during.lost == 0
            and not rec.protocol_errors
            and not rec.error_frames
        )
        return ok, figures
    finally:
        await close_all(clients)
        await http.close()
        server.stop()
