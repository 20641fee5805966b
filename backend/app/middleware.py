"""HTTP middleware (pure ASGI, so WebSockets pass through untouched): security headers, and a
request id with one log line per request."""

import re
import time
import uuid
from collections.abc import Callable

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.logs import access_log, log_event

_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")


def request_id_for(scope: Scope) -> str:
    """The caller's `X-Request-ID` if it is sane, else a new one."""
    incoming = dict(scope["headers"]).get(b"x-request-id", b"").decode("latin-1")
    return incoming if _REQUEST_ID.fullmatch(incoming) else uuid.uuid4().hex


class SecurityHeadersMiddleware:
    def __init__(self, app: ASGIApp, csp_for_path: Callable[[str], str]) -> None:
        self.app = app
        self.csp_for_path = csp_for_path

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        csp = self.csp_for_path(scope["path"])

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("X-Content-Type-Options", "nosniff")
                headers.setdefault("Referrer-Policy", "no-referrer")
                headers.setdefault("X-Frame-Options", "DENY")
                headers.setdefault("Content-Security-Policy", csp)
                headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
            await send(message)

        await self.app(scope, receive, send_with_headers)


class RequestLogMiddleware:
    """Gives every request an id and logs one line for it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        request_id = request_id_for(scope)
        scope.setdefault("state", {})["request_id"] = request_id
        if scope["type"] == "websocket":  # the socket logs its own session line when it ends
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                MutableHeaders(scope=message).setdefault("X-Request-ID", request_id)
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            client = scope.get("client")
            log_event(
                access_log,
                "request",
                request_id=request_id,
                method=scope["method"],
                path=scope["path"],  # never the query string
                status=status,
                ms=round((time.perf_counter() - started) * 1000, 1),
                user_id=scope["state"].get("user_id"),
                ip=client[0] if client else None,
            )
