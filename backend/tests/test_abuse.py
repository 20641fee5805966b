"""Probes an attacker would try, each answered with a clear 4xx: non-finite numbers in JSON,
oversized request heads (HTTP and WebSocket handshakes), token answers that caches could keep."""

import asyncio

import httpx
import pytest
from websockets.asyncio.client import connect as ws_connect
from websockets.exceptions import InvalidStatus

from tests.support.accounts import PASSWORD, Account
from tests.support.servers import LiveServer


@pytest.mark.parametrize(
    "body",
    [
        b'{"username": "alice", "password": NaN}',
        b'{"username": "alice", "password": Infinity}',
        b'{"username": -Infinity, "password": "correct horse battery"}',
        b"NaN",
    ],
)
async def test_non_finite_json_numbers_are_422_and_not_echoed(client: httpx.AsyncClient, body: bytes) -> None:
    response = await client.post("/signup", content=body, headers={"content-type": "application/json"})
    assert response.status_code == 422
    assert "NaN" not in response.text and "Infinity" not in response.text


async def test_a_422_never_echoes_what_was_sent(client: httpx.AsyncClient) -> None:
    secret = "a password too long " * 10
    response = await client.post("/signup", json={"username": "alice", "password": secret})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "password"]
    assert secret.strip() not in response.text


async def test_token_answers_are_not_cached(client: httpx.AsyncClient, alice: Account) -> None:
    login = await client.post("/token", data={"username": "alice", "password": PASSWORD})
    refreshed = await client.post("/token/refresh", json={"refresh_token": alice.refresh_token})
    for response in (login, refreshed):
        assert response.status_code == 200
        assert response.headers["cache-control"] == "no-store"
        assert response.headers["pragma"] == "no-cache"


async def _raw_request(server: LiveServer, head: bytes) -> bytes:
    """Send a request head over a plain TCP connection; everything the server answers until it closes."""
    reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
    try:
        writer.write(head)
        await writer.drain()
        return await asyncio.wait_for(reader.read(), timeout=10)
    except ConnectionResetError:
        return b""
    finally:
        writer.close()


@pytest.mark.parametrize(
    "headers",
    [
        b"X-Big: " + b"a" * 16 * 1024 * 1024 + b"\r\n",  # one 16 MB header
        b"".join(b"X-H%d: v\r\n" % i for i in range(20_000)),  # 20,000 headers
        b"X-Big: " + b"a" * 9 * 1024 + b"\r\n",  # one 9 KB header
    ],
    ids=["16MB-header", "20000-headers", "9KB-header"],
)
async def test_oversized_request_heads_get_431(server: LiveServer, headers: bytes) -> None:
    answer = await _raw_request(server, b"GET /healthz HTTP/1.1\r\nHost: x\r\n" + headers + b"\r\n")
    assert answer.startswith(b"HTTP/1.1 431 "), answer[:80]


async def test_a_handshake_with_an_oversized_header_is_answered(server: LiveServer, alice: Account) -> None:
    with pytest.raises(InvalidStatus) as refused:
        async with ws_connect(
            f"{server.ws_url}/ws/1",
            additional_headers={"Authorization": f"Bearer {alice.access_token}", "X-Big": "a" * 9 * 1024},
            open_timeout=10,
        ):
            pass
    assert refused.value.response.status_code == 431


async def test_ordinary_heads_and_large_bodies_still_pass(server: LiveServer, alice: Account) -> None:
    # A head just under the limits, and a body far larger than the head limit, in one request.
    headers = {**alice.headers, **{f"X-Note-{i}": "n" * 500 for i in range(80)}}
    async with httpx.AsyncClient(base_url=server.url + "/api/v1") as http:
        sent = await http.post("/rooms/1/messages", json={"body": "b" * 3999}, headers=headers)
        assert sent.status_code == 201, sent.text
        many = await http.post("/rooms/1/messages", json={"body": "x " * 1999}, headers=alice.headers)
        assert many.status_code == 201


async def test_keep_alive_requests_with_bodies_larger_than_a_head_pass(server: LiveServer, alice: Account) -> None:
    # Each request (head and a 200 KB body) may arrive in one chunk: only the head is counted.
    body = '{"body": "' + "z" * 3000 + '", "pad": "' + "p" * 200_000 + '"}'
    async with httpx.AsyncClient(base_url=server.url + "/api/v1") as http:
        for _ in range(5):
            sent = await http.post(
                "/rooms/1/messages", content=body, headers={**alice.headers, "content-type": "application/json"}
            )
            assert sent.status_code == 201, sent.text


async def test_the_server_keeps_serving_after_refusing_heads(server: LiveServer, client: httpx.AsyncClient) -> None:
    for _ in range(3):
        await _raw_request(server, b"GET / HTTP/1.1\r\n" + b"X: " + b"y" * 100_000 + b"\r\n\r\n")
    assert (await client.get("/rooms")).status_code == 401
