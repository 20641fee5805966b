"""Crash safety: the server process is killed (SIGKILL) while several clients are sending, and
restarted on the same port, data folder and database; three times over.

Each client sends messages with client_ids, keeping a window of unacknowledged ones in flight
(its acknowledgement is its own copy of the broadcast). After each restart every client reconnects
with `since` = the newest message id it has been shown, takes the replay, sends again (same
client_id) every message it holds no acknowledgement for, and goes on sending. Two more clients
make sure the rarer paths are taken every time: before the first kill each sends a burst and drops
its connection before any acknowledgement can reach it, and the kill waits until the burst is
stored. One resumes with `since` (the replay must hold its burst); the other has lost its place and
reconnects without `since` (each retry must be answered with the message stored before the crash).

At the end: every message is in history exactly once (none lost, none doubled by a retry), every
acknowledgement names the message history holds, with its body, and no client was shown a message
twice, nor (when it resumed with `since`) missed one. Runs on SQLite and on PostgreSQL (the
suite's two passes)."""

import asyncio
import contextlib
import json
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake

from tests.support.accounts import Account, register
from tests.support.api import whole_history
from tests.support.servers import ProcessFactory, ServerProcess, SettingsFactory

CLIENTS = 4  # that send all along
MESSAGES = 90  # per client
WINDOW = 12  # unacknowledged sends a client keeps in flight
BURST = 10  # sent by each of the two clients that drop their connection before the first kill
CRASHES = 3
ROOM = 1


@dataclass
class ChatClient:
    account: Account
    resumes: bool = True  # reconnects with `since`; False: has lost its place, retries blind
    sent: dict[str, str] = field(default_factory=dict)  # client_id -> body, in sending order
    acked: dict[str, int] = field(default_factory=dict)  # client_id -> message id
    seen: list[int] = field(default_factory=list)  # every message id shown, across connections
    position: int | None = None  # the newest message id it knows of: `since` when it reconnects
    acked_by_replay: int = 0  # unacknowledged sends found stored, in a replay after a restart
    retried: dict[str, int] = field(default_factory=dict)  # client_id -> sends made again
    progress: asyncio.Event = field(default_factory=asyncio.Event)
    connected: bool = False
    resumed: asyncio.Event = field(default_factory=asyncio.Event)  # this connection's replay is in
    # New sends wait for every client to have resumed: a fast client could otherwise send all it
    # has while a slow one replays, and leave the kill nothing in flight to interrupt.
    go: asyncio.Event = field(default_factory=asyncio.Event)
    # Called after each send and acknowledgement: the kill point is watched at every change, not
    # polled (a client may get the acknowledgements of all it has left in one read).
    changed: Callable[[], None] = lambda: None

    @property
    def name(self) -> str:
        return self.account.username

    def unacked(self) -> list[str]:
        return [client_id for client_id in self.sent if client_id not in self.acked]

    def frame(self, client_id: str) -> str:
        return json.dumps({"type": "message", "body": self.sent[client_id], "client_id": client_id})

    def next_message(self) -> str | None:
        for number in range(MESSAGES):
            client_id = f"{self.name}-{number}"
            if client_id not in self.sent:
                self.sent[client_id] = f"{self.name} says {number} ✓"
                return client_id
        return None

    def take(self, frame: dict[str, Any], replaying: bool = False) -> None:
        if frame["type"] != "message":
            return
        message = frame["message"]
        self.seen.append(message["id"])
        self.position = max(self.position or 0, message["id"])
        client_id = message["client_id"]
        if message["sender"]["username"] == self.name and client_id in self.sent and client_id not in self.acked:
            self.acked[client_id] = message["id"]
            self.acked_by_replay += replaying
            self.changed()
        self.progress.set()

    async def connect(self, server: ServerProcess) -> ClientConnection:
        since = f"?since={self.position}" if self.position is not None and self.resumes else ""
        for _ in range(200):  # the server may still be starting
            with contextlib.suppress(OSError, InvalidHandshake, TimeoutError):
                socket = await connect(
                    f"{server.ws_url}/ws/{ROOM}{since}",
                    additional_headers=self.account.headers,
                    open_timeout=5,
                    max_size=2**22,
                )
                break
            await asyncio.sleep(0.05)
        else:
            raise AssertionError(f"{self.name} could not connect")
        hello = json.loads(await socket.recv())
        assert hello["type"] == "hello", hello
        if self.position is None:
            self.position = hello["last_message_id"] or 0
        return socket

    async def read(self, socket: ClientConnection) -> None:
        with contextlib.suppress(ConnectionClosed):
            async for raw in socket:
                self.take(json.loads(raw))
        self.connected = False
        self.progress.set()

    async def wait_for_progress(self) -> None:
        self.progress.clear()
        await self.progress.wait()
        if not self.connected:
            raise ConnectionClosed(None, None)

    async def burst_and_drop(self, server: ServerProcess) -> None:
        """Send a burst and drop the connection at once: no acknowledgement can reach this client."""
        socket = await self.connect(server)
        for _ in range(BURST):
            client_id = self.next_message()
            assert client_id is not None
            await socket.send(self.frame(client_id))
        socket.transport.abort()  # no close handshake: the connection is simply gone
        self.resumed.set()

    async def run(self, server: ServerProcess) -> None:
        """One connection: resume, retry what is unacknowledged, then send the rest and wait for
        every acknowledgement; it ends there, or when the server dies under it."""
        self.resumed.clear()
        socket = await self.connect(server)
        self.connected = True
        reader: asyncio.Task[None] | None = None
        try:
            # The replay comes before anything read from the socket is handled: once the pong to
            # this ping arrives, all of it is in.
            await socket.send('{"type": "ping"}')
            while (frame := json.loads(await socket.recv()))["type"] != "pong":
                self.take(frame, replaying=True)
            self.resumed.set()
            reader = asyncio.create_task(self.read(socket))
            for client_id in self.unacked():
                self.retried[client_id] = self.retried.get(client_id, 0) + 1
                await socket.send(self.frame(client_id))
            await self.go.wait()
            while True:
                while len(self.unacked()) >= WINDOW:
                    await self.wait_for_progress()
                client_id = self.next_message()
                if client_id is None:
                    break
                await socket.send(self.frame(client_id))
                self.changed()
            while self.unacked():
                await self.wait_for_progress()
        except ConnectionClosed:
            pass
        finally:
            self.resumed.set()
            await socket.close()
            if reader is not None:
                await reader


async def _kill_when(steady: list[ChatClient], target: int, server: ServerProcess) -> None:
    """SIGKILLs the server at the first moment the steady clients have `target` acknowledgements
    between them and sends in flight, checked at every send and acknowledgement: a fast server
    would answer all a round has left between two looks of a polling loop."""
    killed = asyncio.Event()

    def check() -> None:
        if not killed.is_set() and sum(len(c.acked) for c in steady) >= target and any(c.unacked() for c in steady):
            server.kill()
            killed.set()

    for client in steady:
        client.changed = check
    check()
    await killed.wait()
    for client in steady:
        client.changed = lambda: None


async def _count(http: httpx.AsyncClient, account: Account, senders: set[str]) -> int:
    return sum(message["sender"]["username"] in senders for message in await whole_history(http, account, ROOM))


async def test_sigkill_mid_stream_loses_nothing_acknowledged_and_retries_store_nothing_twice(
    process_factory: ProcessFactory, settings_factory: SettingsFactory
) -> None:
    settings = settings_factory()
    server: ServerProcess = await process_factory(settings).start()
    async with httpx.AsyncClient(base_url=server.url + "/api/v1", timeout=30) as http:
        steady = [ChatClient(await register(http, f"sender{n}")) for n in range(CLIENTS)]
        dropper = ChatClient(await register(http, "dropper"))
        forgetful = ChatClient(await register(http, "forgetful"), resumes=False)
        observer = await register(http, "observer")
    clients = [*steady, dropper, forgetful]

    figures = []
    stored_before_restart = 0
    for crash in range(CRASHES + 1):
        for client in clients:
            client.go.clear()
        if crash == 0:
            runs = [asyncio.create_task(c.run(server)) for c in steady]
            runs += [asyncio.create_task(c.burst_and_drop(server)) for c in (dropper, forgetful)]
        else:
            runs = [asyncio.create_task(c.run(server)) for c in clients]
        if crash < CRASHES:
            async with asyncio.timeout(60):
                await asyncio.gather(*(client.resumed.wait() for client in clients))
                if crash == 0:  # the dropped bursts must be stored before the kill
                    async with httpx.AsyncClient(base_url=server.url + "/api/v1", timeout=30) as http:
                        while await _count(http, observer, {dropper.name, forgetful.name}) < 2 * BURST:
                            await asyncio.sleep(0.01)
                for client in clients:
                    client.go.set()
                # Kill once the clients are well into this round, with sends in flight, a few
                # acknowledgements (at random) past the mark: anywhere in the group-commit cycle.
                target = (crash + 1) * CLIENTS * MESSAGES // (CRASHES + 2) + random.randint(0, 2 * WINDOW)
                await _kill_when(steady, target, server)
        else:
            for client in clients:
                client.go.set()
        async with asyncio.timeout(90):
            await asyncio.gather(*runs)
        figures.append((sum(len(c.acked) for c in clients), sum(len(c.unacked()) for c in clients)))
        if crash < CRASHES:
            # Same data folder, database and port.
            server = await process_factory(settings).on_port(server.port).start()
            if crash == 0:
                async with httpx.AsyncClient(base_url=server.url + "/api/v1", timeout=30) as http:
                    stored_before_restart = (await whole_history(http, observer, ROOM))[-1]["id"]

    # --- every message exactly once; every acknowledgement true; nothing shown twice or missed ---
    async with httpx.AsyncClient(base_url=server.url + "/api/v1", timeout=30) as http:
        history = await whole_history(http, observer, ROOM)
    stored = [(m["sender"]["username"], m["client_id"]) for m in history]
    assert len(stored) == len(set(stored)), "a retried message was stored twice"
    assert len(stored) == len(clients) * MESSAGES, "a message was lost"
    by_id = {m["id"]: m for m in history}
    for client in clients:
        assert len(client.acked) == MESSAGES
        for client_id, message_id in client.acked.items():
            assert by_id[message_id]["client_id"] == client_id
            assert by_id[message_id]["body"] == client.sent[client_id]
        assert len(client.seen) == len(set(client.seen)), f"{client.name} was shown a message twice"
        if client.resumes:  # no gap either, from the first message it was shown to the last
            expected = {i for i in by_id if min(client.seen) <= i <= max(client.seen)}
            assert set(client.seen) == expected, f"{client.name} missed messages"
    # The rare paths were taken: the dropped burst came back in the replay; the blind retries were
    # answered with the messages stored before the crash, not stored again.
    assert dropper.acked_by_replay >= BURST
    deduplicated = [c for c in forgetful.retried if forgetful.acked[c] <= stored_before_restart]
    assert len(deduplicated) >= BURST
    recovered = sum(c.acked_by_replay for c in clients)
    retried = sum(len(c.retried) for c in clients)
    rounds = "; ".join(f"crash {n + 1}: {a} acknowledged, {f} in flight" for n, (a, f) in enumerate(figures[:-1]))
    print(
        f"\ncrash test ({'sqlite' if settings.is_sqlite else 'postgresql'}): {len(clients)} clients sent "
        f"{len(history)} messages through {CRASHES} SIGKILLs ({rounds}); of the unacknowledged sends, "
        f"{recovered} came back in a replay, {retried} were sent again with the same client_id "
        f"({len(deduplicated)} of them answered with the copy stored before the crash); "
        f"all {len(history)} stored exactly once"
    )
