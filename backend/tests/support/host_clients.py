"""Chat clients for the hosts test, run in a network namespace of their own:
`ip netns exec <ns> python -m tests.support.host_clients '<plan JSON>'`.

Each client holds a `/ws` socket on one host, sends messages to one room at a steady pace with
client_ids, keeping a window of unacknowledged ones (its acknowledgement is its own copy of the
broadcast), and reads everything. When its socket closes or drops, it reconnects to the next host
at once with `since` = the newest message id it was shown, and sends again (same client_id) what
it holds no acknowledgement for. Lines on standard input steer it: `stop` (send nothing new),
`until <id>` (read until shown message <id>, then report). It writes JSON lines: `acked` (the
clients' acknowledgements so far, now and then), `stopped` (all acknowledged), `report`."""

import asyncio
import contextlib
import json
import sys
import time
from dataclasses import dataclass, field
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake

PACE_SECONDS = 0.04  # between two new sends of one client
WINDOW = 8


def say(**line: Any) -> None:
    sys.stdout.write(json.dumps(line) + "\n")
    sys.stdout.flush()


@dataclass
class Client:
    name: str
    token: str
    host: int
    hosts: list[str]
    room: int
    sent: dict[str, float] = field(default_factory=dict)  # client_id -> when first sent
    acked: dict[str, int] = field(default_factory=dict)  # client_id -> message id
    seen: list[int] = field(default_factory=list)  # every message shown, in order, across sockets
    shown: set[int] = field(default_factory=set)
    reacknowledged: int = 0
    position: int | None = None
    reconnects: list[dict[str, Any]] = field(default_factory=list)
    acks: asyncio.Event = field(default_factory=asyncio.Event)

    def unacked(self) -> list[str]:
        return [client_id for client_id in self.sent if client_id not in self.acked]

    def frame(self, client_id: str) -> str:
        return json.dumps({"type": "message", "room_id": self.room, "body": f"{client_id} ✓", "client_id": client_id})

    async def open(self) -> ClientConnection:
        """Connect to the current host, or the next ones in turn, until one takes the socket."""
        while True:
            since = f"?since={self.position}" if self.position is not None else ""
            with contextlib.suppress(OSError, InvalidHandshake, TimeoutError, ConnectionClosed):
                socket = await connect(
                    f"{self.hosts[self.host]}/ws{since}",
                    additional_headers={"Authorization": f"Bearer {self.token}"},
                    open_timeout=5,
                    max_size=2**22,
                )
                hello = json.loads(await socket.recv())
                assert hello["type"] == "hello", hello
                if self.position is None:
                    self.position = hello["last_message_id"] or 0
                # The replay comes before the answer to a ping: take it all before sending again
                # what is still unacknowledged.
                await socket.send('{"type": "ping"}')
                while (frame := json.loads(await socket.recv()))["type"] != "pong":
                    self.take(frame)
                return socket
            self.host = (self.host + 1) % len(self.hosts)
            await asyncio.sleep(0.05)  # every host refused: one may be restarting

    def take(self, frame: dict[str, Any]) -> None:
        if frame["type"] != "message":
            return
        message = frame["message"]
        if message["id"] in self.shown and message["sender"]["username"] == self.name:
            self.reacknowledged += 1  # a retry's answer: the message stored before, to this socket only
            return
        self.shown.add(message["id"])
        self.seen.append(message["id"])
        self.position = max(self.position or 0, message["id"])
        client_id = message["client_id"]
        if message["sender"]["username"] == self.name and client_id in self.sent and client_id not in self.acked:
            self.acked[client_id] = message["id"]
            self.acks.set()


class Clients:
    def __init__(self, plan: dict[str, Any]) -> None:
        self.clients = [Client(c["name"], c["token"], c["host"], plan["hosts"], plan["room"]) for c in plan["clients"]]
        self.stopping = asyncio.Event()
        self.until: int | None = None
        self.until_set = asyncio.Event()
        self.reported_acks = 0

    def total_acked(self) -> int:
        return sum(len(client.acked) for client in self.clients)

    async def run_client(self, client: Client) -> None:
        number = 0
        dropped: tuple[float, int | None] | None = None
        while True:
            socket = await client.open()
            if dropped is not None:
                seconds = round(time.monotonic() - dropped[0], 4)
                client.reconnects.append({"code": dropped[1], "seconds": seconds, "to": client.host})
            reader = asyncio.create_task(self.read(client, socket))
            try:
                for client_id in client.unacked():  # not in the replay: sent again, same client_id
                    await socket.send(client.frame(client_id))
                while not self.stopping.is_set():
                    while len(client.unacked()) >= WINDOW and not reader.done():
                        client.acks.clear()
                        await asyncio.wait([reader, asyncio.ensure_future(client.acks.wait())], timeout=1)
                    if reader.done():
                        break
                    number += 1
                    client_id = f"{client.name}-{number}"
                    client.sent[client_id] = time.monotonic()
                    await socket.send(client.frame(client_id))
                    await asyncio.sleep(PACE_SECONDS)
                if not reader.done():
                    await self.finish(client, reader)
                    await socket.close()
                    return
            except ConnectionClosed:
                pass
            code = await reader
            dropped = (time.monotonic(), code)

    async def finish(self, client: Client, reader: "asyncio.Task[int | None]") -> None:
        """No new sends: wait for every acknowledgement, then for the last message of the run."""
        while client.unacked() and not reader.done():
            client.acks.clear()
            await asyncio.wait([reader, asyncio.ensure_future(client.acks.wait())], timeout=1)
        if reader.done():  # dropped while finishing: reconnect and finish there
            raise ConnectionClosed(None, None)
        say(event="stopped", name=client.name)
        await self.until_set.wait()
        assert self.until is not None
        while (client.position or 0) < self.until and not reader.done():
            client.acks.clear()
            await asyncio.wait([reader, asyncio.ensure_future(client.acks.wait())], timeout=1)
        reader.cancel()

    async def read(self, client: Client, socket: ClientConnection) -> int | None:
        """Frames until the socket ends: its close code (None: dropped without a close frame)."""
        try:
            async for raw in socket:
                client.take(json.loads(raw))
                client.acks.set()
                if (acked := self.total_acked()) >= self.reported_acks + 25:
                    self.reported_acks = acked
                    say(event="acked", count=acked)
        except ConnectionClosed as closed:
            return closed.rcvd.code if closed.rcvd is not None else None
        return socket.close_code

    async def steer(self) -> None:
        reader = asyncio.StreamReader()
        loop = asyncio.get_running_loop()
        await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
        while line := (await reader.readline()).decode().strip():
            if line == "stop":
                self.stopping.set()
            elif line.startswith("until "):
                self.until = int(line.split()[1])
                self.until_set.set()

    async def main(self) -> None:
        steering = asyncio.create_task(self.steer())
        await asyncio.gather(*(self.run_client(client) for client in self.clients))
        steering.cancel()
        say(
            event="report",
            clients=[
                {
                    "name": c.name,
                    "sent": list(c.sent),
                    "acked": c.acked,
                    "seen": c.seen,
                    "reconnects": c.reconnects,
                    "reacknowledged": c.reacknowledged,
                }
                for c in self.clients
            ],
        )


if __name__ == "__main__":
    asyncio.run(Clients(json.loads(sys.argv[1])).main())
