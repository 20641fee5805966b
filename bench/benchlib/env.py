"""Where the benchmark runs: paths, the machine, package versions, the git commit, fd limits."""

from __future__ import annotations

import importlib.metadata
import importlib.util
import os
import platform
import resource
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parents[1]
REPO_DIR = BENCH_DIR.parent
BACKEND_DIR = REPO_DIR / "backend"
VENV_PYTHON = BACKEND_DIR / ".venv" / "bin" / "python"
RESULTS_DIR = BENCH_DIR / "results"
PROFILES_DIR = BENCH_DIR / "profiles"

# The backend source the server runs from: the work tree, or a commit exported by --backend-ref.
server_backend_dir = BACKEND_DIR
server_backend_ref: str | None = None
server_backend_copy: Path | None = None  # --backend-dir: a copy of the backend, e.g. with a change to compare

SERVER_CORE = 0
GENERATOR_CORE = 1

PACKAGES = (
    "fastapi",
    "starlette",
    "uvicorn",
    "uvloop",
    "httptools",
    "websockets",
    "sqlalchemy",
    "aiosqlite",
    "asyncpg",
    "pydantic",
    "pydantic-core",
    "orjson",
    "bcrypt",
    "picows",
    "py-spy",
)


def ensure_requirements() -> None:
    """Install bench/requirements.txt into this interpreter's environment if something is missing."""
    missing = importlib.util.find_spec("picows") is None or py_spy_path() is None
    if not missing:
        return
    print("bench: installing bench/requirements.txt into", sys.prefix, flush=True)
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--disable-pip-version-check", "-r", str(BENCH_DIR / "requirements.txt")],
        check=True,
    )
    importlib.invalidate_caches()


def py_spy_path() -> str | None:
    candidate = Path(sys.executable).parent / "py-spy"
    if candidate.exists():
        return str(candidate)
    return shutil.which("py-spy")


def raise_fd_limit(want: int = 65536) -> int:
    """Raise RLIMIT_NOFILE as far as allowed; returns the soft limit now in force."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    for target in (want, hard):
        try:
            new_hard = max(hard, target) if os.geteuid() == 0 else hard
            resource.setrlimit(resource.RLIMIT_NOFILE, (min(target, new_hard), new_hard))
            break
        except (ValueError, OSError):
            continue
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


# Both processes run at this nice value when allowed (root): on a machine where other work runs
# now and then, the server and the generator keep most of their cores instead of sharing them.
NICE = -10


def raise_priority() -> bool:
    """Lower this process's nice value to NICE (threads started later inherit it), and its
    autogroup's: with sched_autogroup on, nice only orders threads within one session's group,
    and the group's own nice is what counts against other sessions' work."""
    try:
        os.setpriority(os.PRIO_PROCESS, 0, NICE)
    except OSError:
        return False
    try:
        with open("/proc/self/autogroup", "w") as f:
            f.write(str(NICE))
    except OSError:
        pass
    return True


def autogroup() -> str | None:
    try:
        return Path("/proc/self/autogroup").read_text().strip()
    except OSError:
        return None


def pin_to_core(core: int) -> bool:
    if (os.cpu_count() or 1) <= core:
        return False
    os.sched_setaffinity(0, {core})
    return True


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def versions() -> dict[str, str]:
    found: dict[str, str] = {}
    for name in PACKAGES:
        try:
            found[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            continue
    found["sqlite"] = sqlite3.sqlite_version
    return found


def git_state() -> dict[str, object]:
    def git(*args: str) -> str:
        try:
            return subprocess.run(
                ["git", *args], cwd=REPO_DIR, capture_output=True, text=True, check=True, timeout=10
            ).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            return ""

    commit = git("rev-parse", "HEAD")
    # The backend is what is measured: say whether it differs from the commit.
    backend_dirty = bool(git("status", "--porcelain", "--", "backend"))
    state: dict[str, object] = {"commit": commit or None}
    if server_backend_ref is not None:
        state["backend_ref"] = server_backend_ref
        state["backend_commit"] = git("rev-parse", server_backend_ref) or None
        state["backend_last_change"] = git("log", "-1", "--format=%h %s", server_backend_ref, "--", "backend")[:120] or None
    elif server_backend_copy is not None:
        state["backend"] = f"directory {server_backend_copy}"
    else:
        state["backend"] = "work tree"
        state["backend_dirty"] = backend_dirty
        state["backend_last_change"] = git("log", "-1", "--format=%h %s", "--", "backend")[:120] or None
    return state


def export_backend(ref: str, into: Path) -> Path:
    """`git archive REF backend` into `into`: a fixed backend to measure while the work tree moves on."""
    into.mkdir(parents=True, exist_ok=True)
    archive = subprocess.run(["git", "archive", ref, "backend"], cwd=REPO_DIR, capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    return into / "backend"


def machine() -> dict[str, object]:
    return {
        "cpu_model": cpu_model(),
        "cores": os.cpu_count(),
        "memory_gib": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "server_core": SERVER_CORE,
        "generator_core": GENERATOR_CORE,
        "nice": os.getpriority(os.PRIO_PROCESS, 0),
        "autogroup": autogroup(),
    }


class CpuMeter:
    """CPU use of this process (the generator) over a window, as a share of one core."""

    def __init__(self) -> None:
        self.start()

    def start(self) -> None:
        self._cpu = _self_cpu()
        self._wall = _monotonic()

    def share(self) -> float:
        wall = _monotonic() - self._wall
        return (_self_cpu() - self._cpu) / wall if wall > 0 else 0.0


def core_busy_seconds() -> dict[int, float]:
    """Busy CPU time of each core so far (everything but idle and iowait), from /proc/stat."""
    tick = os.sysconf("SC_CLK_TCK")
    busy: dict[int, float] = {}
    with open("/proc/stat") as f:
        for line in f:
            if line.startswith("cpu") and line[3].isdigit():
                name, *values = line.split()
                v = [int(x) for x in values]
                # user nice system idle iowait irq softirq steal
                busy[int(name[3:])] = (v[0] + v[1] + v[2] + v[5] + v[6] + v[7]) / tick
    return busy


def other_load(seconds: float = 1.0) -> dict[int, float]:
    """How busy each core is right now (share of one core), measured over `seconds`."""
    import time

    a = core_busy_seconds()
    time.sleep(seconds)
    b = core_busy_seconds()
    return {core: round((b[core] - a[core]) / seconds, 2) for core in b}


def _self_cpu() -> float:
    t = os.times()
    return t.user + t.system


def _monotonic() -> float:
    import time

    return time.monotonic()
