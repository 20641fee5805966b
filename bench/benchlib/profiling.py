"""`run.py --profile`: py-spy samples the server while scenario 1 or 2 runs at a fixed rate, and
the samples are summarised as text (top functions by own and by inclusive time, and by layer).

The raw collapsed stacks go to bench/profiles/<scenario>.raw.txt (not committed); the summary
to bench/profiles/<scenario>.txt (committed: small)."""

from __future__ import annotations

import asyncio
import json
import re
import subprocess
import time
from collections import Counter
from pathlib import Path

from benchlib import env
from benchlib.scenarios import Ctx, scenario_history, scenario_idle, scenario_storm, setup_fanout, setup_users

DEFAULT_RATES = {"fanout": 30000.0, "rooms": 20000.0, "users": 20000.0}

# Layers by the frame's file as py-spy prints it: the app's modules appear by their bare file
# name (hub.py), libraries by their path under site-packages or the standard library.
APP_LAYERS = {
    "ws.py": "app: websocket endpoint (api/ws.py, realtime/session.py, admission.py, protocol.py)",
    "session.py": "app: websocket endpoint (api/ws.py, realtime/session.py, admission.py, protocol.py)",
    "admission.py": "app: websocket endpoint (api/ws.py, realtime/session.py, admission.py, protocol.py)",
    "protocol.py": "app: websocket endpoint (api/ws.py, realtime/session.py, admission.py, protocol.py)",
    "hub.py": "app: hub fan-out (realtime/hub.py)",
    "broker.py": "app: broker (realtime/broker.py)",
    "messages.py": "app: messages (services/messages.py, message_writer.py, message_queries.py)",
    "message_writer.py": "app: messages (services/messages.py, message_writer.py, message_queries.py)",
    "message_queries.py": "app: messages (services/messages.py, message_writer.py, message_queries.py)",
    "publish_order.py": "app: messages (services/messages.py, message_writer.py, message_queries.py)",
    "delivery.py": "app: domain events to frames (realtime/delivery.py)",
    "frames.py": "app: frames (realtime/frames.py)",
    "connection.py": "app: per-socket send path (realtime/connection.py, server_internals.py)",
    "server_internals.py": "app: per-socket send path (realtime/connection.py, server_internals.py)",
}
LIB_LAYERS = (
    ("uvicorn websockets-sansio protocol", r"^uvicorn/protocols/websockets/"),
    ("websockets library (frames, protocol)", r"^websockets/"),
    ("uvicorn other", r"^uvicorn/"),
    ("starlette / fastapi", r"^(starlette|fastapi)/"),
    ("pydantic", r"^pydantic"),
    ("sqlalchemy", r"^sqlalchemy/"),
    ("aiosqlite / sqlite3", r"^(aiosqlite|sqlite3)/"),
    ("asyncpg", r"^asyncpg/"),
    ("asyncio (locks, queues, tasks, events)", r"^asyncio/"),
    ("threading / queue / concurrent", r"^(threading|queue|concurrent)"),
    ("json / orjson", r"json"),
    ("logging", r"^logging/"),
)


# Own time of a leaf frame that calls into C: where that C time goes.
LEAF_LAYERS = (
    ("uvloop (C): epoll, socket reads, callback dispatch", r"^Runner\.run \(.*asyncio/runners\.py"),
    ("sqlite3 (C) in aiosqlite's threads", r"^_connection_worker_thread \(.*aiosqlite"),
    ("socket write (transport.write, C) from uvicorn's send", r"^WebSocketsSansIOProtocol\.send \("),
    ("socket write (transport.write, C) from the fan-out fast path", r"^DirectSocket\.write \("),
)

_FRAME = re.compile(r"^(?P<func>.*?) \((?P<file>.*?)(?::(?P<line>\d+))?\)$")


def _parse(path: Path) -> list[tuple[list[str], int]]:
    stacks = []
    for line in path.read_text().splitlines():
        if not line.strip():
            continue
        stack, _, count = line.rpartition(" ")
        try:
            n = int(count)
        except ValueError:
            continue
        stacks.append((stack.split(";"), n))
    return stacks


def _func(frame: str) -> str:
    m = _FRAME.match(frame)
    if not m:
        return frame
    file = m.group("file")
    for marker in ("site-packages/", "/lib/python3.11/", "/backend/"):
        if marker in file:
            file = file.split(marker, 1)[1]
            break
    return f"{m.group('func')} ({file})"


def _layer(frame: str) -> str | None:
    m = _FRAME.match(frame)
    if not m:
        return None
    file = m.group("file")
    if "/" not in file and not file.startswith("<"):
        return APP_LAYERS.get(file, "app: other")
    for name, pattern in LIB_LAYERS:
        if re.search(pattern, file):
            return name
    return None


def summarise(raw: Path, seconds: float, rate_hz: int, title: str) -> str:
    stacks = _parse(raw)
    total = sum(n for _, n in stacks)
    by_thread: Counter[str] = Counter()
    self_time: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    layers: Counter[str] = Counter()
    groups: Counter[str] = Counter()
    for frames, n in stacks:
        thread = frames[0] if frames and frames[0].startswith(("thread", "process")) else "?"
        by_thread[thread] += n
        body = [f for f in frames if not f.startswith(("thread", "process"))]
        if not body:
            continue
        self_time[_func(body[-1])] += n
        for name in {_func(f) for f in body}:
            inclusive[name] += n
        # Own time by layer: the leaf's C callee if known, else the innermost frame of a known layer.
        layer = next((name for name, pattern in LEAF_LAYERS if re.search(pattern, body[-1])), None)
        if layer is None:
            layer = "other (interpreter, C calls without a Python frame)"
            for f in reversed(body):
                found = _layer(f)
                if found:
                    layer = found
                    break
        layers[layer] += n
        groups[re.sub(r"\(\d+\)|-\d+", "", thread)] += n
    possible = seconds * rate_hz
    out = [
        f"# {title}",
        f"{total} samples with the server on CPU, of {possible:.0f} possible ({seconds:.0f}s at {rate_hz} Hz): "
        f"server busy ~{min(1.0, total / possible):.0%} of the time",
        "",
        "## by thread (kind)",
        *(f"{n / total:6.1%}  {t}" for t, n in groups.most_common(6)),
        "",
        "## own time by layer (innermost frame of a known layer)",
        *(f"{n / total:6.1%}  {name}" for name, n in layers.most_common()),
        "",
        "## top functions by own time",
        *(f"{n / total:6.1%}  {name}" for name, n in self_time.most_common(30)),
        "",
        "## top functions by inclusive time",
        *(f"{n / total:6.1%}  {name}" for name, n in inclusive.most_common(45)),
    ]
    return "\n".join(out) + "\n"


async def run_profiles(chosen: list[str], workdir: Path, rate: float | None, seconds: float) -> int:
    py_spy = env.py_spy_path()
    if py_spy is None:
        print("bench: py-spy is missing")
        return 1
    env.PROFILES_DIR.mkdir(parents=True, exist_ok=True)
    for kind in chosen:
        if kind in ("storm", "idle", "history"):
            await _profile_phase(kind, workdir, py_spy)
            continue
        if kind not in DEFAULT_RATES:
            print(f"bench: --profile covers fanout, rooms, users, storm, idle (connects) and history, not {kind}")
            continue
        offered = rate or DEFAULT_RATES[kind]
        print(f"\n== profile {kind} at {offered:,.0f} deliveries/s for {seconds:.0f}s", flush=True)
        ctx = Ctx(quick=False, workdir=workdir / f"profile-{kind}", log=lambda line: print(line, flush=True))
        setup = await (setup_users(ctx) if kind == "users" else setup_fanout(ctx, kind))
        try:
            await setup.load.step(offered / 2, 2.0)  # warm-up
            raw = env.PROFILES_DIR / f"{kind}.raw.txt"
            rate_hz = 200
            cmd = [
                "taskset", "-c", str(env.GENERATOR_CORE), py_spy, "record", "--pid", str(setup.server.pid),
                "--rate", str(rate_hz), "--duration", str(int(seconds)), "--format", "raw", "--threads", "--nonblocking",
                "--output", str(raw),
            ]  # fmt: skip
            spy = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            await asyncio.sleep(0.5)
            results = []
            t0 = time.monotonic()
            while spy.poll() is None and time.monotonic() - t0 < seconds + 30:
                result = await setup.load.step(offered, 5.0)
                results.append(result)
                print(result.summary(), flush=True)
                if not result.passed:
                    await setup.load.recover()
            _, err = spy.communicate(timeout=60)
            if spy.returncode != 0:
                print(f"bench: py-spy failed: {err.decode(errors='replace')[-2000:]}")
                return 1
            steps = "; ".join(r.summary().strip() for r in results)
            text = summarise(
                raw,
                seconds,
                rate_hz,
                f"server profile, scenario {kind}, {offered:,.0f} deliveries/s offered "
                f"(py-spy {rate_hz} Hz, {int(seconds)} s, backend {json.dumps(env.git_state())})",
            )
            text += "\n## load during the profile\n" + steps.replace("; ", "\n") + "\n"
            summary_path = env.PROFILES_DIR / f"{kind}.txt"
            summary_path.write_text(text)
            print(text)
            print(f"bench: summary in {summary_path}, raw stacks in {raw}")
        finally:
            await setup.close()
    return 0


async def _profile_phase(kind: str, workdir: Path, py_spy: str) -> None:
    """py-spy over a scenario's measured phase: the reconnect storm, idle's 4,900 connects, or
    history's one-at-a-time requests on SQLite."""
    raw = env.PROFILES_DIR / f"{kind}.raw.txt"
    rate_hz = 200
    state: dict[str, object] = {}

    async def start(server: object) -> None:
        cmd = [
            "taskset", "-c", str(env.GENERATOR_CORE), py_spy, "record", "--pid", str(server.pid),  # type: ignore[attr-defined]
            "--rate", str(rate_hz), "--duration", "600", "--format", "raw", "--threads", "--nonblocking",
            "--output", str(raw),
        ]  # fmt: skip
        state["spy"] = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        state["t0"] = time.monotonic()
        await asyncio.sleep(0.5)

    async def stop() -> None:
        spy = state["spy"]
        assert isinstance(spy, subprocess.Popen)
        state["seconds"] = time.monotonic() - float(state["t0"])  # type: ignore[arg-type]
        spy.send_signal(2)  # SIGINT: py-spy writes what it has
        spy.communicate(timeout=60)

    print(f"\n== profile {kind}", flush=True)
    ctx = Ctx(quick=False, workdir=workdir / f"profile-{kind}", log=lambda line: print(line, flush=True))
    ctx.on_measure_start, ctx.on_measure_stop = start, stop
    runner = {"storm": scenario_storm, "idle": scenario_idle, "history": scenario_history}[kind]
    ok, figures = await runner(ctx)
    figures.pop("steps", None)
    text = summarise(raw, float(state.get("seconds", 1.0)), rate_hz, f"server profile, {kind} (measured phase), backend {json.dumps(env.git_state())}")  # type: ignore[arg-type]
    text += "\n## figures of that run\n" + json.dumps(figures) + "\n"
    (env.PROFILES_DIR / f"{kind}.txt").write_text(text)
    print(text)
