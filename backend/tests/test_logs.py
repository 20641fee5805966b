"""Logs: one structured line per request and per socket, and no secret or message in them."""

import json

import httpx
import pytest

from tests.support.accounts import register
from tests.support.servers import ProcessFactory, SettingsFactory
from tests.support.sockets import open_socket


async def test_a_chat_session_leaves_structured_logs_without_secrets(
    process_factory: ProcessFactory, settings_factory: SettingsFactory
) -> None:
    server = await process_factory(settings_factory(), LOG_FORMAT="json", LOG_LEVEL="info").start()
    password = "my very secret passphrase"
    body = "the secret plans are in the blue folder"
    async with httpx.AsyncClient(base_url=server.url + "/api/v1") as http:
        alice = await register(http, "alice", password)
        refreshed = (await http.post("/token/refresh", json={"refresh_token": alice.refresh_token})).json()
        ws = await open_socket(server, alice.access_token, since=0)
        await ws.recv_type("hello")
        await ws.send({"type": "message", "body": body, "client_id": "c1"})
        await ws.recv_type("message")
        await ws.close()
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


@pytest.mark.parametrize("log_format", ["text", "json"])
async def test_one_line_per_request_without_query_or_forged_lines(
    process_factory: ProcessFactory, settings_factory: SettingsFactory, log_format: str
) -> None:
    server = await process_factory(settings_factory(), LOG_FORMAT=log_format, LOG_LEVEL="info").start()
    async with httpx.AsyncClient(base_url=server.url) as http:
        await http.get("/readyz", params={"search": "private words"})
        # A decoded %0a would start a forged line; %00 and an escape sequence must not reach a terminal.
        await http.get("/api/v1/x%0a2026-12-02 00:00:00 INFO chat.access: forged%00%1b[31mred%c2%9b")
    server.stop()
    text = server.log_path.read_text()
    assert "private words" not in text and "search=" not in text
    assert "\x00" not in text and "\x1b" not in text and "\x9b" not in text
    lines = text.splitlines()
    assert not [line for line in lines if line.startswith("2026-12-02 00:00:00")], "a forged line"
    assert len([line for line in lines if "/readyz" in line]) == 1  # uvicorn's own line is gone
    [forged] = [line for line in lines if "forged" in line]
    if log_format == "json":
        assert json.loads(forged)["path"].startswith("/api/v1/x\n2026-12-02")
    else:
        assert 'path="/api/v1/x\\n2026-12-02 00:00:00 INFO chat.access: forged\\u0000\\u001b[31mred\\u009b"' in forged
