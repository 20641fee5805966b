"""Three hosts on one machine (network namespaces, tests/support/netns.py): an app process
(`python -m app.server`) in each, PostgreSQL and Redis reached over the network, and chat clients
in a fourth namespace (tests/support/host_clients.py), each on a `/ws` socket of one host.

Under steady traffic from every client: presence spans the hosts; then one host is killed
(SIGKILL), and its clients reconnect to another host and resume with `since`; it comes back, and
the three hosts are restarted one after the other (SIGTERM: the sockets close with 1012 and the
clients reconnect elsewhere at once). At the end every message sent is stored exactly once,
every acknowledgement names it, and every socket was shown every message once, in id order, with
no gap. Needs root (CI runs as root); runs once, in the PostgreSQL pass."""

import asyncio
import json
import os
import signal
import statistics
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.server import BACKEND_DIR
from tests.support.accounts import register
from tests.support.api import whole_history
from tests.support.database import TEST_DATABASE
from tests.support.netns import BridgePostgres, BridgeRedis, Network, require_root
from tests.support.servers import LIMITS_OFF

pytestmark = [
    pytest.mark.skipif(TEST_DATABASE != "postgresql", reason="runs once, in the PostgreSQL pass"),
    pytest.mark.solo,
]

HOSTS = 3
CLIENTS = 6  # two per host to begin with
PORT = 8000


class Host:
    """One machine: a namespace with an app process on its own address."""

    def __init__(self, network: Network, number: int, env: dict[str, str], log: Path) -> None:
        self.network = network
        self.namespace, self.address = network.add_namespace(f"h{number}")
        self.env = {**env, "HOST": self.address, "DATA_DIR": str(log.parent / f"host{number}")}
        self.log = log
        self.process: Any = None

    @property
    def url(self) -> str:
        return f"http://{self.address}:{PORT}"

    async def start(self) -> None:
        with open(self.log, "ab") as log:
            self.process = self.network.run_in(
                self.namespace,
                [sys.executable, "-m", "app.server"],
                cwd=BACKEND_DIR,
                env=self.env,
                stdout=log,
                stderr=log,
            )
        async with httpx.AsyncClient() as http, asyncio.timeout(60):
            while True:  # polled: the process gives no other sign of being up
                assert self.process.poll() is None, f"host exited: {self.log.read_text()[-3000:]}"
                try:
                    if (await http.get(self.url + "/readyz", timeout=1)).status_code == 200:
                        return
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.05)

    async def stop(self, sig: int) -> float:
        """Signal the process and wait for it to exit: the seconds that took."""
        started = time.monotonic()
        self.process.send_signal(sig)
        try:
            async with asyncio.timeout(30):
                while self.process.poll() is None:
                    await asyncio.sleep(0.02)
        except TimeoutError:
            pytest.fail(f"{self.address} still running 30 s after signal {sig}:\n{self.log.read_text()[-3000:]}")
        return time.monotonic() - started


@pytest.fixture
def network() -> Iterator[Network]:
    require_root()
    net = Network()
    try:
        net.create()
        yield net
    finally:
        net.remove()


@pytest.fixture
def services(network: Network, tmp_path: Path) -> Iterator[tuple[str, str]]:
    """PostgreSQL and Redis on the bridge: (DATABASE_URL, REDIS_URL) as the hosts reach them."""
    postgres = BridgePostgres(network.gateway, str(network.subnet))
    redis = BridgeRedis(tmp_path, network.gateway)
    try:
        postgres.initdb()
        postgres.start()
        redis.start()
        yield postgres.url, redis.url
    finally:
        redis.stop()
        postgres.destroy()


class ClientProcess:
    """The clients' process in their namespace: steered by lines on its standard input."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        self.acked = 0
        self.stopped: set[str] = set()
        self.report: dict[str, Any] | None = None
        self.progress = asyncio.Event()
        self.reading = asyncio.create_task(self._read())

    async def _read(self) -> None:
        assert self.process.stdout is not None
        while line := await self.process.stdout.readline():
            event = json.loads(line)
            if event["event"] == "acked":
                self.acked = event["count"]
            elif event["event"] == "stopped":
                self.stopped.add(event["name"])
            elif event["event"] == "report":
                self.report = event
            self.progress.set()

    async def until(self, what: str, done: Any, timeout: float = 60) -> None:
        async with asyncio.timeout(timeout):
            while not done():
                assert not self.reading.done(), f"the clients exited before {what}"
                self.progress.clear()
                await self.progress.wait()

    async def tell(self, line: str) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(line.encode() + b"\n")
        await self.process.stdin.drain()


async def test_three_hosts_deliver_once_in_order_through_a_host_loss_and_a_rolling_restart(
    network: Network, services: tuple[str, str], tmp_path: Path
) -> None:
    started = time.monotonic()
    database_url, redis_url = services
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "PORT": str(PORT),
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "SECRET_KEY": "the-same-on-every-host-" + network.suffix,
        "BCRYPT_ROUNDS": "4",
        "PRESENCE_GRACE_SECONDS": "1",
        "SHUTDOWN_TIMEOUT_SECONDS": "5",
        "LOG_LEVEL": "warning",
        **{name.upper(): value for name, value in LIMITS_OFF.items()},
    }
    hosts = [Host(network, n, env, tmp_path / f"host{n}.log") for n in range(HOSTS)]
    await hosts[0].start()  # migrates the database first; the others find it up to date
    await asyncio.gather(*(host.start() for host in hosts[1:]))
    client_ns, _ = network.add_namespace("clients")

    async with httpx.AsyncClient(base_url=hosts[0].url + "/api/v1", timeout=30) as api:
        accounts = [await register(api, f"client{n}") for n in range(CLIENTS)]
        observer = await register(api, "observer")
        plan = {
            "hosts": [f"ws://{host.address}:{PORT}" for host in hosts],
            "room": 1,
            "clients": [
                {"name": a.username, "token": a.access_token, "host": n % HOSTS} for n, a in enumerate(accounts)
            ],
        }
        process = await asyncio.create_subprocess_exec(
            "ip", "netns", "exec", client_ns, sys.executable, "-m", "tests.support.host_clients", json.dumps(plan),
            cwd=BACKEND_DIR,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            limit=2**26,  # the report is one line of JSON
        )  # fmt: skip
        clients = ClientProcess(process)
        try:
            # Presence spans the hosts: every client is online, seen from any host.
            await clients.until("traffic", lambda: clients.acked >= 25)
            for host in hosts:
                async with httpx.AsyncClient(base_url=host.url + "/api/v1", timeout=30) as there:
                    members = (await there.get("/rooms/1/members", headers=observer.headers)).json()
                online = {m["user"]["username"] for m in members if m["online"]}
                assert {a.username for a in accounts} <= online, (host.address, online)

            # A host dies mid-traffic, and comes back.
            await clients.until("the kill", lambda: clients.acked >= 150)
            await hosts[2].stop(signal.SIGKILL)
            await clients.until("traffic after the kill", lambda: clients.acked >= 300)
            await hosts[2].start()

            # A rolling restart under traffic: SIGTERM, then the host is started again, one by one.
            drains = []
            for host in hosts:
                drains.append(await host.stop(signal.SIGTERM))
                await host.start()
                target = clients.acked + 60
                await clients.until("traffic after a restart", lambda target=target: clients.acked >= target)

            await clients.tell("stop")
            await clients.until("every acknowledgement", lambda: len(clients.stopped) == CLIENTS)
            history = await whole_history(api, observer, 1)
            await clients.tell(f"until {history[-1]['id']}")
            await clients.until("the report", lambda: clients.report is not None)
        finally:
            if process.returncode is None:
                process.kill()
            await process.wait()

    # --- every message stored once; acknowledgements true; every socket shown each once, in order --
    assert clients.report is not None
    report = clients.report["clients"]
    stored = [(m["sender"]["username"], m["client_id"]) for m in history]
    sent = {(c["name"], client_id) for c in report for client_id in c["sent"]}
    duplicates = len(stored) - len(set(stored))
    lost = len(sent - set(stored))
    assert duplicates == 0, "a message was stored twice"
    assert lost == 0, "a message sent was not stored"
    assert set(stored) == sent
    by_id = {m["id"]: m for m in history}
    for client in report:
        assert len(client["acked"]) == len(client["sent"]), f"{client['name']}: unacknowledged sends"
        for client_id, message_id in client["acked"].items():
            assert by_id[message_id]["client_id"] == client_id
        seen = client["seen"]
        assert seen == sorted(seen), f"{client['name']} was shown messages out of order"
        assert len(seen) == len(set(seen)), f"{client['name']} was shown a message twice"
        assert set(seen) == {i for i in by_id if seen[0] <= i <= seen[-1]}, f"{client['name']} missed messages"
        assert seen[-1] == history[-1]["id"]

    reconnects = [r for c in report for r in c["reconnects"]]
    after_kill = [r["seconds"] for r in reconnects if r["code"] != 1012]
    after_term = [r["seconds"] for r in reconnects if r["code"] == 1012]
    assert after_kill and after_term, reconnects
    print(
        f"\nhosts test: {HOSTS} hosts, {CLIENTS} clients; {len(history)} messages sent and stored, "
        f"{sum(len(c['seen']) for c in report)} deliveries to sockets; duplicates {duplicates}, lost {lost}; "
        f"SIGKILL: {len(after_kill)} reconnects, median {statistics.median(after_kill) * 1000:.0f} ms, "
        f"max {max(after_kill) * 1000:.0f} ms; rolling restart: {len(after_term)} reconnects (1012), "
        f"median {statistics.median(after_term) * 1000:.0f} ms, max {max(after_term) * 1000:.0f} ms; "
        f"SIGTERM to exit {', '.join(f'{d:.2f}' for d in drains)} s; "
        f"{sum(c['reacknowledged'] for c in report)} retries answered with the stored copy; "
        f"{time.monotonic() - started:.1f} s in all"
    )
