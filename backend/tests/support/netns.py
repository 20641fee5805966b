"""Several hosts on one machine: Linux network namespaces, each joined to one bridge by a veth
pair, on a /24 of 10.0.0.0/8 of its own (needs root: `ip netns`, `ip link`).

The bridge has the network's first address (.1) in the machine's own namespace: servers started
there on that address (PostgreSQL, Redis) are reached over the network like another machine. Every
name carries the run's random suffix (interface names stay within Linux's 15 characters), and
`remove` takes down every namespace and link made, and the processes started in them."""

import contextlib
import ipaddress
import os
import random
import secrets
import subprocess
from pathlib import Path

import pytest

from tests.support.services import PrivatePostgres, PrivateRedis


def _ip(*args: str) -> None:
    result = subprocess.run(["ip", *args], capture_output=True, text=True, timeout=30, check=False)
    assert result.returncode == 0, f"ip {' '.join(args)}: {result.stderr.strip()}"


def require_root() -> None:
    """The hosts test is a required one: without root it fails and says why (it never skips)."""
    if os.geteuid() != 0:
        pytest.fail("the hosts test builds network namespaces (`ip netns add`): run it as root (CI does)")


class Network:
    def __init__(self) -> None:
        self.suffix = secrets.token_hex(3)  # "a1b2c3": bridge "cb-a1b2c3", veths "cva1b2c3-2"
        self.subnet = self._free_subnet()
        self.bridge = f"cb-{self.suffix}"
        self.namespaces: list[str] = []
        self.processes: list[subprocess.Popen[bytes]] = []

    @staticmethod
    def _free_subnet() -> ipaddress.IPv4Network:
        routes = subprocess.run(["ip", "-4", "route"], capture_output=True, text=True, check=True).stdout
        for _ in range(100):
            subnet = ipaddress.IPv4Network(f"10.{random.randint(64, 250)}.{random.randint(0, 255)}.0/24")
            if str(subnet.network_address)[:-2] not in routes:
                return subnet
        raise AssertionError("no free 10.x.y.0/24 for the test network")

    def address(self, host: int) -> str:
        return str(self.subnet.network_address + host)

    @property
    def gateway(self) -> str:
        """The bridge's address, in the machine's own namespace."""
        return self.address(1)

    def create(self) -> None:
        _ip("link", "add", self.bridge, "type", "bridge")
        _ip("addr", "add", f"{self.gateway}/24", "dev", self.bridge)
        _ip("link", "set", self.bridge, "up")

    def add_namespace(self, role: str) -> tuple[str, str]:
        """A namespace joined to the bridge: (its name, its address)."""
        number = len(self.namespaces) + 1
        name, outside, inside = f"chat-{self.suffix}-{role}", f"cv{self.suffix}-{number}", f"cp{self.suffix}-{number}"
        address = self.address(10 + number)
        _ip("netns", "add", name)
        self.namespaces.append(name)
        _ip("link", "add", outside, "type", "veth", "peer", "name", inside)
        _ip("link", "set", inside, "netns", name)
        _ip("link", "set", outside, "master", self.bridge)
        _ip("link", "set", outside, "up")
        _ip("-n", name, "addr", "add", f"{address}/24", "dev", inside)
        _ip("-n", name, "link", "set", inside, "up")
        _ip("-n", name, "link", "set", "lo", "up")
        return name, address

    def run_in(self, namespace: str, argv: list[str], **popen: object) -> "subprocess.Popen[bytes]":
        """Start a process inside `namespace` (`ip netns exec` execs it: its PID is the process's own)."""
        process: subprocess.Popen[bytes] = subprocess.Popen(["ip", "netns", "exec", namespace, *argv], **popen)  # type: ignore[call-overload]
        self.processes.append(process)
        return process

    def remove(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.kill()
                with contextlib.suppress(subprocess.TimeoutExpired):
                    process.wait(timeout=10)
        for name in self.namespaces:  # deleting a namespace deletes the veth pair in it
            with contextlib.suppress(AssertionError):
                _ip("netns", "del", name)
        with contextlib.suppress(AssertionError):
            _ip("link", "del", self.bridge)


class BridgeRedis(PrivateRedis):
    """A private redis-server that listens on the bridge's address too."""

    def __init__(self, folder: Path, address: str) -> None:
        super().__init__(folder)
        self.address = address

    @property
    def url(self) -> str:
        return f"redis://{self.address}:{self.port}/0"

    def start(self) -> None:
        super().start()
        for setting in (["bind", f"127.0.0.1 {self.address}"], ["protected-mode", "no"]):  # no password: a test's
            subprocess.run(["redis-cli", "-p", str(self.port), "config", "set", *setting], check=True, timeout=30)


class BridgePostgres(PrivatePostgres):
    """A private PostgreSQL cluster that listens on the bridge's address too, trusting its subnet."""

    def __init__(self, address: str, subnet: str) -> None:
        super().__init__()
        self.address = address
        self.subnet = subnet

    @property
    def url(self) -> str:
        return f"postgresql://postgres@{self.address}:{self.port}/postgres"

    def initdb(self) -> None:
        super().initdb()
        with open(self.data / "pg_hba.conf", "a") as hba:
            hba.write(f"host all all {self.subnet} trust\n")

    def start(self) -> None:
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1,{self.address} -c fsync=off"
        self._run(
            "pg_ctl", "-D", str(self.data), "-l", str(self.root / "log"), "-o", options, "-w", "-t", "60", "start"
        )
