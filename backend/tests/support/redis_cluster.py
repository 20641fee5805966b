"""A Redis Cluster of a test's own: three redis-server processes in cluster mode, each on a free
port of 127.0.0.1 and in a folder of its own, joined by `redis-cli --cluster create` (three
primaries, no replicas: the slots spread over the three)."""

import contextlib
import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import redis

from tests.support.database import TEST_DATABASE
from tests.support.servers import free_port
from tests.support.services import REDIS_URL

NODES = 3


class PrivateRedisCluster:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        ports: set[int] = set()
        while len(ports) < 2 * NODES:
            ports.add(free_port())
        # Each node's client port, and its cluster bus port (set: by default it would be port + 10000).
        self.ports, self.bus_ports = sorted(ports)[:NODES], sorted(ports)[NODES:]
        self.processes: list[subprocess.Popen[bytes]] = []

    @property
    def url(self) -> str:
        """The app's REDIS_URL for it: every node as a startup node."""
        return "redis+cluster://" + ",".join(f"127.0.0.1:{port}" for port in self.ports)

    def start(self) -> None:
        """Start the nodes, create the cluster, and return once every node says it is `ok`."""
        server, cli = shutil.which("redis-server"), shutil.which("redis-cli")
        assert server and cli, "redis-server and redis-cli are needed (apt-get install redis-server)"
        for port, bus_port in zip(self.ports, self.bus_ports, strict=True):
            node = self.folder / f"node-{port}"
            node.mkdir(parents=True)
            with open(node / "redis.log", "ab") as log:
                self.processes.append(
                    subprocess.Popen(
                        [
                            server,
                            "--port", str(port),
                            "--bind", "127.0.0.1",
                            "--cluster-enabled", "yes",
                            "--cluster-port", str(bus_port),
                            "--cluster-config-file", str(node / "nodes.conf"),
                            "--cluster-node-timeout", "5000",
                            "--save", "",
                            "--appendonly", "no",
                        ],
                        cwd=node,
                        stdout=log,
                        stderr=log,
                    )
                )  # fmt: skip
        for port in self.ports:
            self._wait(port, lambda client: bool(client.ping()), "answer PING")
        nodes = [f"127.0.0.1:{port}" for port in self.ports]
        created = subprocess.run(
            [cli, "--cluster", "create", *nodes, "--cluster-replicas", "0", "--cluster-yes"],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert created.returncode == 0, f"redis-cli --cluster create failed: {created.stdout}{created.stderr}"
        for port in self.ports:
            self._wait(port, lambda client: client.cluster("info")["cluster_state"] == "ok", "report cluster_state:ok")

    def _wait(self, port: int, ready: Callable[[Any], bool], what: str) -> None:
        client = redis.Redis(port=port, socket_connect_timeout=1, decode_responses=True)
        deadline = time.monotonic() + 30
        try:
            while time.monotonic() < deadline:
                with contextlib.suppress(redis.RedisError):
                    if ready(client):
                        return
                time.sleep(0.05)
        finally:
            client.close()
        logs = "".join((self.folder / f"node-{p}" / "redis.log").read_text() for p in self.ports)
        raise AssertionError(f"redis node on {port} did not {what}: {logs}")

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.terminate()
        for process in self.processes:
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=15)
            if process.poll() is None:
                process.kill()
                process.wait(timeout=5)
        self.processes = []


@pytest.fixture(scope="session", name="redis_cluster")
def redis_cluster_fixture(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PrivateRedisCluster]:
    """A Redis Cluster for this test process's tests (tests take a key prefix of their own).
    A test module that uses it imports this fixture."""
    cluster = PrivateRedisCluster(tmp_path_factory.mktemp("redis-cluster"))
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture(params=["redis", "redis-cluster"], name="redis_url")
def redis_url_fixture(request: pytest.FixtureRequest) -> str:
    """The REDIS_URL processes share: the machine's Redis, or a Redis Cluster of three shards
    (in the PostgreSQL pass only). A test module that uses it imports this fixture and
    `redis_cluster_fixture`."""
    if request.param == "redis":
        return REDIS_URL
    if TEST_DATABASE != "postgresql":
        pytest.skip("the cluster runs once, in the PostgreSQL pass")
    cluster: PrivateRedisCluster = request.getfixturevalue("redis_cluster")
    return cluster.url
