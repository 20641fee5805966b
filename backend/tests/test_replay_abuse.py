"""Sockets that ask for a large replay and never read must not starve anyone else.

A resume (`?since=0`) on a room with megabytes of history makes the server write a replay of up
to `ws_replay_limit` messages. A client that never reads stops that write once the TCP buffers
are full; the server must neither keep a database connection meanwhile (the pool is everyone's)
nor wait for it forever: the socket is closed 1013 once it has not taken its replay in time."""

import asyncio
import base64
import os
import socket
import struct
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

import httpx
import pytest
from sqlalchemy import insert

from app.models import Message, utcnow
from tests.support.accounts import Account, register
from tests.support.servers import LiveServer
from tests.support.sockets import join, open_socket

pytestmark = pytest.mark.solo  # times answers under load it makes: run alone (pyproject.toml)

# The figures: 30 stalled sockets, and everyone else served within 2 s for 40 s.
ABUSE_SECONDS = 40.0
STALLED_SOCKETS = 30
SLOW_SECONDS = 2.0
# ~5 MB of history: the replay (the newest 1,000) alone is 4 MB, more than the TCP buffers take
# (about 2.9 MB per socket on this machine's loopback) before the server's writes wait.
HISTORY_MESSAGES = 1250
BODY = "x" * 4000
# An attacker reconnects: a fresh wave of stalled sockets this often, so that the whole period
# is under attack (not only the first seconds, before the server cuts the first wave off).
WAVE_SECONDS = 10.0
# How long a stalled socket may take to be let go once its client looks again: the replay
# timeout, plus the time a close may wait for a peer that does not read, plus slack.
DISCONNECT_SECONDS = 30.0


@dataclass
class StalledSocket:
    """A WebSocket opened by hand on a socket with a tiny receive buffer, then never read."""

    sock: socket.socket
    user_id: int
    early: bytes  # what came with the handshake's response

    def close(self) -> None:
        self.sock.close()


async def open_stalled(live: LiveServer, account: Account, query: str = "?since=0") -> StalledSocket:
    loop = asyncio.get_running_loop()
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # before connecting, or the window scales
    sock.setblocking(False)
    try:
        await loop.sock_connect(sock, ("127.0.0.1", live.port))
        key = base64.b64encode(os.urandom(16)).decode()
        head = (
            f"GET /ws/1{query} HTTP/1.1\r\nHost: 127.0.0.1:{live.port}\r\n"
            "Upgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
            f"Authorization: Bearer {account.access_token}\r\n\r\n"
        )
        await loop.sock_sendall(sock, head.encode())
        received = b""
        async with asyncio.timeout(10):
            while b"\r\n\r\n" not in received:
                chunk = await loop.sock_recv(sock, 1024)
                assert chunk, f"closed during the handshake: {received!r}"
                received += chunk
    except BaseException:
        sock.close()
        raise
    response, _, early = received.partition(b"\r\n\r\n")
    assert response.startswith(b"HTTP/1.1 101"), response
    return StalledSocket(sock, account.id, early)


async def how_it_ended(stalled: StalledSocket) -> tuple[str, int | None]:
    """Read what the server sent until it let the socket go: ("close", code) for a close frame,
    ("eof", None) or ("reset", None) for a connection dropped without one."""
    loop = asyncio.get_running_loop()
    # Reading at last: with the 4 KB window it stalled with, the megabytes still queued for it
    # would trickle in at one small window per round trip (seconds on a loaded machine).
    stalled.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
    buffer = bytearray(stalled.early)
    while True:
        while len(buffer) >= 2:  # whole frames first (from the server: never masked)
            opcode, length, start = buffer[0] & 0x0F, buffer[1] & 0x7F, 2
            if length == 126:
                if len(buffer) < 4:
                    break
                length, start = struct.unpack("!H", buffer[2:4])[0], 4
            elif length == 127:
                if len(buffer) < 10:
                    break
                length, start = struct.unpack("!Q", buffer[2:10])[0], 10
            if len(buffer) < start + length:
                break
            if opcode == 0x8:
                payload = bytes(buffer[start : start + length])
                return "close", struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else None
            del buffer[: start + length]
        try:
            chunk = await loop.sock_recv(stalled.sock, 1 << 16)
        except ConnectionResetError:
            return "reset", None
        if not chunk:
            return "eof", None
        buffer += chunk


@dataclass
class Probe:
    """Another user's ordinary traffic, each call timed; what went wrong, and how often it ran."""

    live: LiveServer
    http: httpx.AsyncClient
    user: Account
    room_id: int  # its posts go there: in room 1 they would soon be most of what is replayed
    problems: list[str]
    calls: int = 0

    async def timed(self, name: str, call: Callable[[], Awaitable[str | None]]) -> None:
        started = time.monotonic()
        try:
            async with asyncio.timeout(SLOW_SECONDS):
                problem = await call()
        except TimeoutError:
            problem = f"no answer within {SLOW_SECONDS} s"
        except Exception as exc:
            problem = f"{type(exc).__name__}: {exc}"
        self.calls += 1
        if problem is not None:
            self.problems.append(f"{time.monotonic() - started:5.2f} s {name}: {problem}")

    async def rest(self, method: str, path: str, expected: int, **options: Any) -> str | None:
        response = await self.http.request(method, path, headers=self.user.headers, **options)
        return None if response.status_code == expected else f"{response.status_code} {response.text[:200]}"

    async def admission(self) -> str | None:
        ws = await open_socket(self.live, self.user.access_token)
        try:
            hello = await ws.recv()
        finally:
            await ws.close()
        return None if hello["type"] == "hello" else f"first frame {hello}"

    async def run(self, until: float) -> None:
        number = 0
        while time.monotonic() < until:
            number += 1
            await self.timed("GET /rooms", partial(self.rest, "GET", "/rooms", 200))
            await self.timed(
                "GET /chat/history", partial(self.rest, "GET", "/chat/history", 200, params={"room_id": 1})
            )
            body = {"body": f"probe {number}", "client_id": f"probe-{number}"}
            await self.timed(
                "POST message", partial(self.rest, "POST", f"/rooms/{self.room_id}/messages", 201, json=body)
            )
            await self.timed("socket admission", self.admission)


async def test_stalled_replays_never_starve_other_users(server_factory: Any, settings_factory: Any) -> None:
    live: LiveServer = await server_factory(settings_factory())
    assert live.settings.ws_replay_timeout_seconds <= WAVE_SECONDS / 2  # see attack()
    async with httpx.AsyncClient(base_url=live.url + "/api/v1", timeout=60) as http:
        alice = await register(http, "alice")
        prober = await register(http, "prober")
        attackers = [await register(http, f"stalled{i}") for i in range(STALLED_SOCKETS)]
        async with live.context.sessions() as session:
            now = utcnow()
            rows = [
                {"room_id": 1, "sender_id": alice.id, "body": BODY, "created_at": now, "deleted": False}
                for _ in range(HISTORY_MESSAGES)
            ]
            await session.execute(insert(Message), rows)
            await session.commit()

        stalled: list[StalledSocket] = []
        room = await http.post("/rooms", json={"name": "probe", "is_private": False}, headers=prober.headers)
        assert room.status_code == 201, room.text
        probe = Probe(live, http, prober, room.json()["id"], [])
        started = time.monotonic()
        until = started + ABUSE_SECONDS

        async def attack() -> None:
            # Waves at 0, 10, 20 and 30 s: the last one's replays have timed out (5 s) by the time
            # the period ends and the clients look, and its close frames are still on their way.
            for wave in range(int(ABUSE_SECONDS // WAVE_SECONDS)):
                await asyncio.sleep(max(0.0, started + wave * WAVE_SECONDS - time.monotonic()))
                stalled.extend(await asyncio.gather(*(open_stalled(live, a) for a in attackers)))

        attacker = asyncio.create_task(attack())
        try:
            await probe.run(until)
            await attacker
            assert probe.problems == [], (
                f"{len(probe.problems)} of {probe.calls} calls failed or took over {SLOW_SECONDS} s "
                f"while {len(stalled)} sockets stalled:\n" + "\n".join(probe.problems[:40])
            )
            assert probe.calls >= 4 * 10  # the other user was served all along, not only once

            # The stalled clients look at last: each finds its socket let go (with a 1013 close
            # frame, if the server's close could still reach it), not a replay still waiting.
            async with asyncio.timeout(DISCONNECT_SECONDS):
                endings = await asyncio.gather(*(how_it_ended(s) for s in stalled))
        finally:
            attacker.cancel()
            for item in stalled:
                item.close()

        codes = {code for kind, code in endings if kind == "close"}
        assert codes <= {1013}, endings
        assert codes == {1013}, f"no stalled socket was told to come back later (1013): {endings}"
        # Let go means detached too: the server holds none of them any more.
        hub = live.context.hub
        assert [a.username for a in attackers if hub.user_connection_count(a.id)] == []


async def test_a_live_socket_that_stops_reading_is_let_go_even_when_the_room_is_quiet(
    server_factory: Any, settings_factory: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Its outbox never overflows (a huge limit here), yet the frame it does not take within
    CLOSE_TIMEOUT closes it (1013): it is detached, not kept with a writer waiting forever."""
    monkeypatch.setattr("app.realtime.connection.CLOSE_TIMEOUT", 1.0)
    live: LiveServer = await server_factory(settings_factory(ws_send_queue_limit=1_000_000))
    hub = live.context.hub
    async with httpx.AsyncClient(base_url=live.url + "/api/v1") as http:
        alice, idle = await register(http, "alice"), await register(http, "idle")
    stalled = await open_stalled(live, idle, query="")
    try:
        sender = await join(live, alice)
        # More than the TCP buffers hold (a few MB on loopback), in steps the sender reads back.
        sent = 0
        while hub.user_connection_count(idle.id) and sent < 2000:
            for _ in range(50):
                await sender.send({"type": "message", "body": BODY, "client_id": f"c{sent}"})
                sent += 1
            assert len(await sender.messages(50)) == 50
        async with asyncio.timeout(30):
            while hub.user_connection_count(idle.id):  # the server's own state: no event to await
                await asyncio.sleep(0.05)
        await sender.close()
        # How the peer then sees its end (1013, or EOF) is the stalled-replay test's check; here
        # its megabytes of backlog made reading it take longer than any bound on a loaded machine.
    finally:
        stalled.close()
