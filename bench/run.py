"""The chat server's benchmark suite (issue 6): `make bench`, `make bench-quick`.

    backend/.venv/bin/python bench/run.py [--quick] [--only fanout,rooms,fanout-pg,rooms-pg,fanout-2p,rooms-2p,idle,history,storm,login,users,naive,calibrate]
    backend/.venv/bin/python bench/run.py --profile [--only fanout,rooms,users] [--rate N]

Each scenario starts its own server (`python -m app.server`, pinned to core 0 with taskset) on
a fresh data directory; this process is the load generator, pinned to core 1. Each prints one
JSON line and appends it to bench/results/<scenario>.jsonl (--quick: bench/results/quick/).
The exit status is non-zero if a scenario failed functionally (lost or duplicated messages,
protocol errors, failed requests); no timing is ever asserted."""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import shutil
import sys
import tempfile
import time
import traceback
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from benchlib import env  # noqa: E402

BUSY_AT_START: dict[int, float] = {}
SCENARIOS = ("fanout", "rooms", "fanout-pg", "rooms-pg", "fanout-2p", "rooms-2p", "idle", "history", "storm", "login", "users", "naive", "calibrate")
# What each scenario's server stores into (the reference servers store nothing).
DATABASE_OF = {
    "fanout-pg": "postgresql",
    "rooms-pg": "postgresql",
    "fanout-2p": "postgresql (2 processes, Redis)",
    "rooms-2p": "postgresql (2 processes, Redis)",
    "history": "sqlite+postgresql+mariadb", "naive": "none", "calibrate": "none",
}
# Seconds a full-size scenario may take (--quick: 120 each); `users` sets up 1,000 accounts in 20 rooms each over HTTP;
# `history` loads 1,000,000 messages into each of three databases (MariaDB's through its search triggers: minutes).
TIMEOUTS = {"users": 900, "history": 1200}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="every scenario at tiny scale (a smoke check)")
    parser.add_argument("--only", default=",".join(SCENARIOS), help="comma-separated scenarios")
    parser.add_argument("--profile", action="store_true", help="py-spy the server in fanout/rooms at a fixed rate")
    parser.add_argument("--rate", type=float, default=None, help="--profile: offered deliveries/s")
    parser.add_argument("--seconds", type=float, default=20.0, help="--profile: how long to sample")
    parser.add_argument(
        "--backend-ref", default=None, help="measure the backend of this git commit (exported to a temp dir) instead of the work tree"
    )
    parser.add_argument(
        "--backend-dir",
        default=None,
        type=Path,
        help="measure the backend in this directory (a copy with a change to compare) instead of the work tree",
    )
    parser.add_argument(
        "--wait-quiet",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="before each scenario, wait up to SECONDS for other processes to leave both cores idle",
    )
    parser.add_argument("--keep", action="store_true", help="keep the temporary data directories")
    args = parser.parse_args()
    chosen = [s.strip() for s in args.only.split(",") if s.strip()]
    unknown = set(chosen) - set(SCENARIOS)
    if unknown:
        parser.error(f"unknown scenario(s): {', '.join(sorted(unknown))}")

    env.ensure_requirements()
    limit = env.raise_fd_limit()
    pinned = env.pin_to_core(env.GENERATOR_CORE)
    niced = env.raise_priority()
    print(
        f"bench: generator pid {__import__('os').getpid()} "
        f"{'pinned to core ' + str(env.GENERATOR_CORE) if pinned else 'NOT pinned (one core only)'}, "
        f"fd limit {limit}, nice {env.NICE if niced else 'unchanged (not allowed)'}; server pinned to core {env.SERVER_CORE}",
        flush=True,
    )
    global BUSY_AT_START
    busy = BUSY_AT_START = env.other_load(1.0)
    print(f"bench: cores busy before start (other processes): {busy}", flush=True)
    if max(busy.values(), default=0) > 0.15:
        print("bench: WARNING: the machine is not idle; figures will be lower and noisier than on a quiet machine", flush=True)
    import uvloop

    workdir = Path(tempfile.mkdtemp(prefix="chat-bench-"))
    try:
        if args.backend_ref:
            env.server_backend_dir = env.export_backend(args.backend_ref, workdir / "src")
            env.server_backend_ref = args.backend_ref
            print(f"bench: server runs the backend of {args.backend_ref} from {env.server_backend_dir}", flush=True)
        elif args.backend_dir:
            env.server_backend_dir = env.server_backend_copy = args.backend_dir.resolve()
            print(f"bench: server runs the backend in {env.server_backend_dir}", flush=True)
        if args.profile:
            from benchlib.profiling import run_profiles

            return uvloop.run(run_profiles(chosen if args.only != ",".join(SCENARIOS) else ["fanout", "rooms"], workdir, args.rate, args.seconds))
        return uvloop.run(run_all(chosen, args.quick, workdir, args.wait_quiet))
    finally:
        if args.keep:
            print(f"bench: data kept in {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


async def wait_for_quiet(limit: float) -> dict[int, float]:
    """Until other processes use under 10% of each core for 2 s running (or `limit` passed)."""
    deadline = time.monotonic() + limit
    calm = 0
    busy = {}
    while time.monotonic() < deadline:
        busy = await asyncio.to_thread(env.other_load, 1.0)
        calm = calm + 1 if max(busy.values(), default=0) < 0.1 else 0
        if calm >= 2:
            break
    return busy


async def run_all(chosen: list[str], quick: bool, workdir: Path, wait_quiet: float = 0.0) -> int:
    from benchlib.scenarios import (
        Ctx,
        scenario_calibrate,
        scenario_fanout,
        scenario_history,
        scenario_idle,
        scenario_login,
        scenario_naive,
        scenario_storm,
        scenario_users,
    )

    runners = {
        "fanout": lambda ctx: scenario_fanout(ctx, "fanout"),
        "rooms": lambda ctx: scenario_fanout(ctx, "rooms"),
        "fanout-pg": lambda ctx: scenario_fanout(ctx, "fanout", database="postgresql"),
        "rooms-pg": lambda ctx: scenario_fanout(ctx, "rooms", database="postgresql"),
        "fanout-2p": lambda ctx: scenario_fanout(ctx, "fanout", database="postgresql", processes=2),
        "rooms-2p": lambda ctx: scenario_fanout(ctx, "rooms", database="postgresql", processes=2),
        "idle": scenario_idle,
        "history": scenario_history,
        "storm": scenario_storm,
        "login": scenario_login,
        "users": scenario_users,
        "naive": scenario_naive,
        "calibrate": scenario_calibrate,
    }
    meta = {"machine": env.machine() | {"cores_busy_at_start": BUSY_AT_START}, "versions": env.versions(), "git": env.git_state()}
    command = "backend/.venv/bin/python bench/run.py" + (" --quick" if quick else "")
    if set(chosen) != set(SCENARIOS):
        command += f" --only {','.join(chosen)}"
    if env.server_backend_ref:
        command += f" --backend-ref {env.server_backend_ref}"
    if env.server_backend_copy:
        command += f" --backend-dir {env.server_backend_copy}"
    if wait_quiet:
        command += f" --wait-quiet {wait_quiet:g}"
    # A copy of the backend (--backend-dir) is a comparison: its lines go to results/compare/.
    out_dir = env.RESULTS_DIR / ("quick" if quick else "compare" if env.server_backend_copy else "")
    out_dir.mkdir(parents=True, exist_ok=True)
    failures: list[str] = []
    figures_of: dict[str, dict[str, Any]] = {}
    started = time.monotonic()
    for name in chosen:
        print(f"\n== {name}{' (quick)' if quick else ''}", flush=True)
        if wait_quiet:
            busy = await wait_for_quiet(wait_quiet)
            print(f"  cores busy with other processes: {busy}", flush=True)
        ctx = Ctx(quick=quick, workdir=workdir / name, log=lambda line: print(line, flush=True))
        t0 = time.monotonic()
        error = None
        try:
            ok, figures = await asyncio.wait_for(runners[name](ctx), timeout=120 if quick else TIMEOUTS.get(name, 400))
        except Exception as exc:  # a scenario that breaks is reported, and the others still run
            traceback.print_exc()
            ok, figures, error = False, {}, f"{type(exc).__name__}: {exc}"
        record: dict[str, Any] = {
            "scenario": name,
            "ok": ok,
            "quick": quick,
            "at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "seconds": round(time.monotonic() - t0, 1),
            "command": command,
            "figures": figures,
            **({"error": error} if error else {}),
            "server": {"command": ctx.server_commands, "database": DATABASE_OF.get(name, "sqlite")},
            "generator": {"client": "picows (WebSocket), raw HTTP/1.1 keep-alive (asyncio)", "loop": "uvloop"},
            **meta,
        }
        line = json.dumps(record, separators=(",", ":"), ensure_ascii=False)
        print(line, flush=True)
        with open(out_dir / f"{name}.jsonl", "a") as f:
            f.write(line + "\n")
        figures_of[name] = figures
        if not ok:
            failures.append(name)
    print_beside_naive(figures_of)
    print(f"\nbench: {len(chosen) - len(failures)}/{len(chosen)} scenarios ok in {time.monotonic() - started:.0f}s")
    if failures:
        print(f"bench: FAILED: {', '.join(failures)}")
        return 1
    return 0


def print_beside_naive(figures_of: dict[str, dict[str, Any]]) -> None:
    """The chat server's fan-out and many-rooms figures (SQLite, PostgreSQL, two processes) beside
    the naive reference's, this run."""
    naive = figures_of.get("naive", {})
    rows: list[tuple[str, str, dict[str, Any], int | None]] = []  # (scenario, server, figures, process or None)
    for kind in ("fanout", "rooms"):
        for label, f in (("chat sqlite", figures_of.get(kind)), ("chat pg", figures_of.get(f"{kind}-pg"))):
            if f:
                rows.append((kind, label, f, None))
        two = figures_of.get(f"{kind}-2p")
        if two:
            rows += [(kind, f"chat 2p #{i + 1}", two, i) for i in range(len(two.get("server_cpu_each_at_best") or []))]
            rows.append((kind, "chat 2p total", two, None))
        if naive.get(kind):
            rows.append((kind, "naive", naive[kind], None))
    if not rows:
        return

    def us_per_delivery(f: dict[str, Any], process: int | None) -> str:
        if process is not None:  # that process's CPU per delivery (both together: the total row)
            per_cpu_s = (f.get("deliveries_per_server_cpu_s_each_at_best") or [None] * (process + 1))[process]
        else:
            per_cpu_s = f.get("deliveries_per_server_cpu_s_at_best")
        return f"{1e6 / per_cpu_s:.1f}" if per_cpu_s else "-"

    def us_at_fixed_rate(f: dict[str, Any], process: int | None) -> str:
        fixed = f.get("at_fixed_rate") or {}
        if process is not None or not fixed.get("us_per_delivery"):  # per process: not measured
            return "-"
        return f"{fixed['us_per_delivery']:.1f} at {fixed['offered']:,.0f}/s"

    print("\nbench: the chat server (SQLite, PostgreSQL, 2 processes on one core) beside the naive FastAPI server (this run)")
    print(
        f"  {'scenario':<9} {'server':<14} {'deliveries/s':>13} {'p99 ms':>8} {'server CPU µs/delivery':>23}"
        f"  {'µs/delivery at a fixed rate':>28}"
    )
    for kind, label, f, process in rows:
        rate = f"{f.get('deliveries_per_s', 0):>13,.0f}" if process is None else f"{'(same)':>13}"
        print(
            f"  {kind:<9} {label:<14} {rate} {f.get('p99_ms') or 0:>8.1f} {us_per_delivery(f, process):>23}"
            f"  {us_at_fixed_rate(f, process):>28}"
        )


if __name__ == "__main__":
    sys.exit(main())
