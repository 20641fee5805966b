"""Logs: one structured line per request and per socket, and no secret or message in them."""

import json
from typing import Any

import httpx

from tests.conftest import Socket, register


async def test_a_chat_session_leaves_structured_logs_without_secrets(
    process_factory: Any, settings_factory: Any
) -> None:
    server = await process_factory(settings_factory(), LOG_FORMAT="json", LOG_LEVEL="info").start()
    password = "my very secret passphrase"
    body = "the secret plans are in the blue folder"
    async with httpx.AsyncClient(base_url=server.url + "/api/v1") as http:
        alice = await register(http, "alice", password)
        refreshed = (await http.post("/token/refresh", json={"refresh_token": alice.refresh_token})).json()
        from websockets.asyncio.client import connect

        async with connect(
            f"{server.ws_url}/ws/1?since=0", additional_headers={"Authorization": f"Bearer {alice.access_token}"}
        ) as raw:
            ws = Socket(raw)
            await ws.recv_type("hello")
            await ws.send({"type": "message", "body": body, "client_id": "c1"})
            await ws.recv_type("message")
        await http.post(
            "/rooms/1/messages",
            json={"body": body + " (rest)"},
            headers=alice.headers,
            params={"note": "query strings stay out of logs"},
        )
        tagged = await http.get("/users/me", headers={**alice.headers, "X-Request-ID": "trace-123"})
        assert tagged.headers["x-request-id"] == "trace-123"
    server.stop()
    text = server.log_path.read_text()
    for secret in [
        password,
        alice.access_token,
        alice.refresh_token,
        refreshed["access_token"],
        refreshed["refresh_token"],
        body,
        "query strings",
    ]:
        assert secret not in text, f"{secret[:12]}… is in the logs"
    lines = [json.loads(line) for line in text.splitlines() if line.startswith("{")]
    requests = [line for line in lines if line["msg"] == "request"]
    assert {"request_id", "method", "path", "status", "ms", "user_id"} <= set(requests[0])
    assert any(r["request_id"] == "trace-123" and r["user_id"] == alice.id for r in requests)
    assert any(r["path"] == "/api/v1/token" and r["status"] == 200 for r in requests)
    [socket_line] = [line for line in lines if line["msg"] == "websocket"]
    assert socket_line["user_id"] == alice.id and socket_line["room_id"] == 1
    assert socket_line["close_code"] == 1000 and socket_line["seconds"] >= 0
