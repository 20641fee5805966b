"""The services the app depends on: the machine's Redis (REDIS_URL; each test keeps to a key
prefix of its own), and private Redis, PostgreSQL and MariaDB servers, each on a port and in a
folder of its own, that a test stops and starts itself to play an outage (the machine's own are
never touched)."""

import contextlib
import os
import pwd
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

import pymysql
import redis

from tests.support.servers import free_port

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


class PrivateRedis:
    """redis-server on a free port of its own, no persistence; started and stopped by its PID."""

    def __init__(self, folder: Path) -> None:
        self.port = free_port()
        self.folder = folder
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        """Start (again, on the same port), and return once it answers PING (polled)."""
        executable = shutil.which("redis-server")
        assert executable, "redis-server is not installed (apt-get install redis-server)"
        with open(self.folder / "redis.log", "ab") as log:
            self.process = subprocess.Popen(
                [executable, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
                cwd=self.folder,
                stdout=log,
                stderr=log,
            )
        client = redis.Redis(port=self.port, socket_connect_timeout=1)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and self.process.poll() is None:
            with contextlib.suppress(redis.ConnectionError):
                if client.ping():
                    client.close()
                    return
            time.sleep(0.05)
        raise AssertionError(f"redis-server did not start: {(self.folder / 'redis.log').read_text()}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=15)
        self.process = None


def _postgres_bin() -> Path:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parts[-3]))
    assert found, "PostgreSQL server binaries are not installed (apt-get install postgresql)"
    return found[-1].parent


class PrivatePostgres:
    """A PostgreSQL cluster of a test's own: its own folder, port and socket folder. initdb
    refuses to run as root, so as root the cluster belongs to (and runs as) `postgres`."""

    def __init__(self) -> None:
        self.bin = _postgres_bin()
        self.port = free_port()
        self.root = Path(tempfile.mkdtemp(prefix="chat-test-pg-"))
        self.data = self.root / "data"
        self.as_owner: list[str] = []
        if os.geteuid() == 0:
            owner = pwd.getpwnam("postgres")
            os.chown(self.root, owner.pw_uid, owner.pw_gid)
            self.as_owner = ["runuser", "-u", "postgres", "--"]

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *command: str) -> None:
        result = subprocess.run(
            [*self.as_owner, str(self.bin / command[0]), *command[1:]],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert result.returncode == 0, f"{command[0]} failed: {result.stdout}{result.stderr}"

    def initdb(self) -> None:
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-sync")

    def start(self) -> None:
        """Start, and return once it accepts connections (pg_ctl -w)."""
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run(
            "pg_ctl", "-D", str(self.data), "-l", str(self.root / "log"), "-o", options, "-w", "-t", "60", "start"
        )

    def stop(self) -> None:
        """Stop as in an outage: no shutdown checkpoint, every connection cut."""
        self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")

    def destroy(self) -> None:
        if (self.data / "postmaster.pid").exists():
            with contextlib.suppress(AssertionError):
                self.stop()
        shutil.rmtree(self.root, ignore_errors=True)


class PrivateMariaDB:
    """A MariaDB server of a test's own: its own folder, port and socket, no grant tables (any
    user may connect: it listens on 127.0.0.1 only, for one test). As root it runs as `mysql`."""

    def __init__(self) -> None:
        self.port = free_port()
        self.root = Path(tempfile.mkdtemp(prefix="chat-test-mariadb-"))
        self.data = self.root / "data"
        self.process: subprocess.Popen[bytes] | None = None
        self.user: list[str] = []
        if os.geteuid() == 0:
            owner = pwd.getpwnam("mysql")
            os.chown(self.root, owner.pw_uid, owner.pw_gid)
            self.user = ["--user=mysql"]

    @property
    def url(self) -> str:
        return f"mariadb://root@127.0.0.1:{self.port}/chat"

    def install(self) -> None:
        """A new data folder, with the database `chat` (utf8mb4) in it."""
        installer = shutil.which("mariadb-install-db") or shutil.which("mysql_install_db")
        assert installer, "MariaDB is not installed (apt-get install mariadb-server)"
        result = subprocess.run(
            [
                installer,
                "--no-defaults",
                f"--datadir={self.data}",
                *self.user,
                "--skip-test-db",
                "--auth-root-authentication-method=normal",
            ],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert result.returncode == 0, f"mariadb-install-db failed: {result.stdout}{result.stderr}"
        self.start()
        with self._client() as connection, connection.cursor() as cursor:
            cursor.execute("CREATE DATABASE chat CHARACTER SET utf8mb4 COLLATE utf8mb4_bin")

    def _client(self) -> "pymysql.connections.Connection[Any]":
        return pymysql.connect(host="127.0.0.1", port=self.port, user="root", connect_timeout=1)

    def start(self) -> None:
        """Start (again, on the same port), and return once it answers (polled)."""
        server = shutil.which("mariadbd") or "/usr/sbin/mariadbd"
        with open(self.root / "log", "ab") as log:
            self.process = subprocess.Popen(
                [
                    server,
                    "--no-defaults",
                    f"--datadir={self.data}",
                    *self.user,
                    f"--port={self.port}",
                    "--bind-address=127.0.0.1",
                    f"--socket={self.root / 'sock'}",
                    f"--pid-file={self.root / 'pid'}",
                    "--skip-grant-tables",
                    "--innodb-buffer-pool-size=32M",
                    "--innodb-log-file-size=8M",
                    "--character-set-server=utf8mb4",
                ],
                stdout=log,
                stderr=log,
            )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and self.process.poll() is None:
            with contextlib.suppress(pymysql.err.OperationalError):
                self._client().close()
                return
            time.sleep(0.1)
        raise AssertionError(f"mariadbd did not start: {(self.root / 'log').read_text()}")

    def stop(self) -> None:
        """Stop as in an outage: killed, every connection cut (InnoDB recovers at the next start)."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=30)
        self.process = None

    def destroy(self) -> None:
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)
