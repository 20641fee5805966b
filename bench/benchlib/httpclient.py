"""A minimal HTTP/1.1 keep-alive client (asyncio streams): cheap enough that the generator's
own cost stays small next to the server's, and with no dependency beyond the standard library."""

from __future__ import annotations

import asyncio
import itertools
import time
import urllib.parse
from dataclasses import dataclass
from typing import Any

import orjson

PASSWORD = "bench-password-1"


class HttpError(Exception):
    def __init__(self, method: str, path: str, status: int, body: bytes) -> None:
        super().__init__(f"{method} {path} -> {status}: {body[:300]!r}")
        self.status = status
        self.body = body


class HttpConnection:
    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            try:
                await self._writer.wait_closed()
            except OSError:
                pass
        self._reader = self._writer = None

    async def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        form: dict[str, str] | None = None,
        token: str | None = None,
    ) -> tuple[int, bytes]:
        body = b""
        head = [f"{method} {path} HTTP/1.1", f"Host: {self.host}:{self.port}", "User-Agent: chat-bench"]
        if json is not None:
            body = orjson.dumps(json)
            head.append("Content-Type: application/json")
        elif form is not None:
            body = urllib.parse.urlencode(form).encode()
            head.append("Content-Type: application/x-www-form-urlencoded")
        if body or method in ("POST", "PUT", "PATCH"):
            head.append(f"Content-Length: {len(body)}")
        if token:
            head.append(f"Authorization: Bearer {token}")
        payload = ("\r\n".join(head) + "\r\n\r\n").encode() + body
        for attempt in (0, 1):
            if self._writer is None:
                self._reader, self._writer = await asyncio.open_connection(self.host, self.port)
            assert self._reader is not None and self._writer is not None
            try:
                self._writer.write(payload)
                return await self._read_response()
            except (ConnectionError, asyncio.IncompleteReadError):
                await self.close()
                if attempt:
                    raise
        raise AssertionError("unreachable")

    async def _read_response(self) -> tuple[int, bytes]:
        assert self._reader is not None
        status_line = await self._reader.readline()
        if not status_line:
            raise ConnectionResetError("server closed the connection")
        status = int(status_line.split(b" ", 2)[1])
        length: int | None = None
        chunked = False
        close = False
        while True:
            line = await self._reader.readline()
            if line in (b"\r\n", b"\n", b""):
                break
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            if name == b"content-length":
                length = int(value)
            elif name == b"transfer-encoding" and b"chunked" in value.lower():
                chunked = True
            elif name == b"connection" and b"close" in value.lower():
                close = True
        if status in (204, 304) or status < 200:
            data = b""  # no body, whatever the headers say (RFC 9112 6.3): not a read until the server closes
        elif chunked:
            parts = []
            while True:
                size = int((await self._reader.readline()).split(b";")[0], 16)
                if size == 0:
                    await self._reader.readline()
                    break
                parts.append(await self._reader.readexactly(size))
                await self._reader.readline()
            data = b"".join(parts)
        elif length is not None:
            data = await self._reader.readexactly(length)
        else:
            data = await self._reader.read()
            close = True
        if close:
            await self.close()
        return status, data


class Http:
    """A small pool of keep-alive connections; `call` raises HttpError unless the status is expected."""

    def __init__(self, host: str, port: int, size: int = 16) -> None:
        self._pool: asyncio.Queue[HttpConnection] = asyncio.Queue()
        self._all = [HttpConnection(host, port) for _ in range(size)]
        for conn in self._all:
            self._pool.put_nowait(conn)

    async def close(self) -> None:
        for conn in self._all:
            await conn.close()

    async def raw(self, method: str, path: str, **kwargs: Any) -> tuple[int, bytes]:
        conn = await self._pool.get()
        try:
            return await conn.request(method, path, **kwargs)
        finally:
            self._pool.put_nowait(conn)

    async def call(self, method: str, path: str, expect: tuple[int, ...] = (200, 201, 204), **kwargs: Any) -> Any:
        status, body = await self.raw(method, path, **kwargs)
        if status not in expect:
            raise HttpError(method, path, status, body)
        return orjson.loads(body) if body else None


@dataclass
class Account:
    index: int
    username: str
    user_id: int
    token: str


_run_counter = itertools.count()


async def bounded(limit: int, coros: Any) -> list[Any]:
    """Run coroutines with at most `limit` in flight; results in order."""
    sem = asyncio.Semaphore(limit)

    async def one(coro: Any) -> Any:
        async with sem:
            return await coro

    return await asyncio.gather(*(one(c) for c in coros))


async def make_accounts(http: Http, count: int, prefix: str, concurrency: int = 16) -> list[Account]:
    """Real accounts: signup then the OAuth2 password login, both over HTTP."""

    async def one(i: int) -> Account:
        username = f"{prefix}{i}"
        user = await http.call("POST", "/api/v1/signup", json={"username": username, "password": PASSWORD})
        pair = await http.call("POST", "/api/v1/token", form={"username": username, "password": PASSWORD})
        return Account(i, username, int(user["id"]), pair["access_token"])

    return await bounded(concurrency, (one(i) for i in range(count)))


async def create_room(http: Http, owner: Account, name: str) -> int:
    room = await http.call("POST", "/api/v1/rooms", json={"name": name}, token=owner.token)
    return int(room["id"])


def unique_prefix() -> str:
    """Usernames unique per run (3-32 chars of [A-Za-z0-9_.-])."""
    return f"b{int(time.time()) % 100000}{next(_run_counter)}_"
