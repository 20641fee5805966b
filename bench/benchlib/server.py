"""The server under test: `python -m app.server` as a real process, pinned to its own core."""

from __future__ import annotations

import os
import resource
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

from benchlib import env
from benchlib.env import SERVER_CORE, VENV_PYTHON

CLK_TCK = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _server_limits() -> None:  # runs in the child before exec
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (65536, max(hard, 65536)))
    except (ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    os.setsid()  # its own process group: stopping it never touches the generator
    env.raise_priority()  # this new session's autogroup too


class Server:
    """One server process on a fresh DATA_DIR (and, optionally, a PostgreSQL database)."""

    def __init__(
        self,
        data_dir: Path,
        *,
        database_url: str | None = None,
        bcrypt_rounds: int | None = 4,
        extra_env: dict[str, str] | None = None,
    ) -> None:
        self.data_dir = data_dir
        self.port = free_port()
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "REDIS_"))},
            "DATA_DIR": str(data_dir),
            "PORT": str(self.port),
            "HOST": "127.0.0.1",
            "MESSAGE_RATE_LIMIT": "0",
            "LOGIN_RATE_LIMIT": "0",
            "SIGNUP_RATE_LIMIT": "0",
            # One account creates every room of a scenario (100 in `idle`): no write is limited.
            "EDIT_RATE_LIMIT": "0",
            "REACTION_RATE_LIMIT": "0",
            "ROOM_RATE_LIMIT": "0",
            "INVITE_RATE_LIMIT": "0",
            "READ_MARKER_RATE_LIMIT": "0",
            # Access logs on every request would be measured too; warnings and errors still show.
            "LOG_LEVEL": "warning",
            "WORKERS": "1",
        }
        if bcrypt_rounds is not None:
            self.env["BCRYPT_ROUNDS"] = str(bcrypt_rounds)
        else:
            self.env.pop("BCRYPT_ROUNDS", None)  # the default cost (12)
        if database_url:
            self.env["DATABASE_URL"] = database_url
        self.env.update(extra_env or {})
        self.cmd = ["taskset", "-c", str(SERVER_CORE), str(VENV_PYTHON), "-m", "app.server"]
        self.proc: subprocess.Popen[bytes] | None = None
        self.log_path = data_dir / "server.log"

    @property
    def base(self) -> str:
        return f"127.0.0.1:{self.port}"

    def describe(self) -> str:
        shown = " ".join(
            f"{k}={self.env[k]}"
            for k in ("MESSAGE_RATE_LIMIT", "LOGIN_RATE_LIMIT", "SIGNUP_RATE_LIMIT", "BCRYPT_ROUNDS", "LOG_LEVEL", "WS_DIRECT_WRITES")
            if k in self.env
        )
        db = f"DATABASE_URL={self.env['DATABASE_URL'].split('://')[0]}://… " if "DATABASE_URL" in self.env else ""
        return (
            f"cd backend && {db}DATA_DIR=<tmp> PORT=<free> {shown} ulimit -n 65536; nice -n {env.NICE} "
            f"{' '.join(self.cmd[:3])} .venv/bin/python -m app.server"
        )

    def start(self, timeout: float = 60.0) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        log = open(self.log_path, "ab")  # noqa: SIM115 (kept open for the child)
        self.proc = subprocess.Popen(
            self.cmd, cwd=env.server_backend_dir, env=self.env, stdout=log, stderr=subprocess.STDOUT, preexec_fn=_server_limits
        )
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited with {self.proc.returncode}:\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(f"http://{self.base}/readyz", timeout=2) as response:
                    if response.status == 200:
                        return
            except OSError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"server not ready after {timeout}s:\n{self.log_tail()}")

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=5)

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def rss_bytes(self) -> int:
        """Resident set size now (VmRSS)."""
        with open(f"/proc/{self.pid}/statm") as f:
            return int(f.read().split()[1]) * PAGE

    def cpu_seconds(self) -> float:
        """User + system CPU the server (all its threads) has used so far."""
        with open(f"/proc/{self.pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLK_TCK

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def error_lines(self) -> list[str]:
        """Tracebacks and errors the server logged (LOG_LEVEL=warning keeps only those)."""
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return []
        return [line for line in text.splitlines() if "ERROR" in line or "Traceback" in line]


class CpuWindow:
    """Server CPU use over a window, as a share of one core (several server processes: summed,
    and each in `shares()`); and how busy both cores were with anything else (other processes on
    the machine disturb the figures: they are shown)."""

    def __init__(self, server: Server, *more: Server) -> None:
        self.servers = (server, *more)
        self.start()

    def _server_cpus(self) -> list[float]:
        return [s.cpu_seconds() for s in self.servers]

    def start(self) -> None:
        self._cpus = self._server_cpus()
        self._self = _self_cpu()
        self._cores = env.core_busy_seconds()
        self._wall = time.monotonic()

    def shares(self) -> list[float]:
        wall = time.monotonic() - self._wall
        return [(now - then) / wall if wall > 0 else 0.0 for now, then in zip(self._server_cpus(), self._cpus, strict=True)]

    def share(self) -> float:
        return sum(self.shares())

    def others(self) -> float:
        """CPU used by other processes than the server(s) and this generator, in cores (0-2)."""
        wall = time.monotonic() - self._wall
        if wall <= 0:
            return 0.0
        cores = env.core_busy_seconds()
        total = sum(cores[c] - self._cores.get(c, 0.0) for c in cores)
        mine = sum(self._server_cpus()) - sum(self._cpus) + (_self_cpu() - self._self)
        return max(0.0, (total - mine) / wall)


def _self_cpu() -> float:
    t = os.times()
    return t.user + t.system


class BareServer(Server):
    """bench/benchlib/bare_server.py: the generator's calibration target (no auth, no storage)."""

    def __init__(self, data_dir: Path) -> None:
        super().__init__(data_dir)
        script = Path(__file__).resolve().with_name("bare_server.py")
        self.cmd = ["taskset", "-c", str(SERVER_CORE), str(VENV_PYTHON), str(script), str(self.port)]

    def describe(self) -> str:
        return f"nice -n {env.NICE} " + " ".join(self.cmd[:3]) + " .venv/bin/python bench/benchlib/bare_server.py <port>"

    def start(self, timeout: float = 30.0) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        log = open(self.log_path, "ab")  # noqa: SIM115
        self.proc = subprocess.Popen(self.cmd, env=self.env, stdout=log, stderr=subprocess.STDOUT, preexec_fn=_server_limits)
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"bare server exited:\n{self.log_tail()}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("bare server did not start")


class NaiveServer(BareServer):
    """bench/benchlib/naive_server.py on uvicorn (uvloop, httptools): the naive FastAPI reference."""

    def __init__(self, data_dir: Path) -> None:
        super().__init__(data_dir)
        app_dir = Path(__file__).resolve().parent
        self.cmd = [
            "taskset", "-c", str(SERVER_CORE), str(VENV_PYTHON), "-m", "uvicorn", "naive_server:app",
            "--app-dir", str(app_dir), "--host", "127.0.0.1", "--port", str(self.port),
            "--loop", "uvloop", "--http", "httptools", "--log-level", "warning", "--no-access-log",
        ]  # fmt: skip

    def describe(self) -> str:
        return (
            f"nice -n {env.NICE} " + " ".join(self.cmd[:3]) + " .venv/bin/python -m uvicorn naive_server:app "
            "--app-dir bench/benchlib --port <port> --loop uvloop --http httptools --log-level warning --no-access-log"
        )

