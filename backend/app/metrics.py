"""Prometheus metrics: HTTP requests by route and status, their latency, and live sockets.

With WORKERS > 1 each worker counts in its own memory, and a scrape reaches whichever worker
accepts it: `python -m app.server` then sets PROMETHEUS_MULTIPROC_DIR (an empty folder, DATA_DIR/
metrics unless set), prometheus-client's multiprocess mode: every worker writes its figures to
files there, and `/metrics` adds up those of every worker (live sockets: of the live ones)."""

import glob
import hmac
import os
import time

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

REQUESTS = Counter("chat_http_requests_total", "HTTP requests", ["method", "route", "status"])
LATENCY = Histogram(
    "chat_http_request_duration_seconds",
    "HTTP request latency",
    ["method", "route"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)
# livesum: with several workers, the sum over the workers still running.
SOCKETS = Gauge("chat_websocket_connections", "Open WebSocket connections", multiprocess_mode="livesum")
MESSAGES_STORED = Counter("chat_messages_stored_total", "Chat messages stored by this process")


class MetricsMiddleware:
    """Pure ASGI (WebSockets pass straight through); labels by route template, not raw path,
    so ids in URLs cannot explode the number of series."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        recorded = False

        def record(status: int) -> None:
            nonlocal recorded
            if not recorded:
                recorded = True
                route = _route_template(scope)
                REQUESTS.labels(scope["method"], route, str(status)).inc()
                LATENCY.labels(scope["method"], route).observe(time.perf_counter() - started)

        status = 500

        async def send_with_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body" and not message.get("more_body", False):
                record(status)  # before the last byte leaves: the client may ask /metrics next
            await send(message)

        try:
            await self.app(scope, receive, send_with_status)
        finally:
            record(status)


def _route_template(scope: Scope) -> str:
    route_path = getattr(scope.get("route"), "path", None)
    if not isinstance(route_path, str):
        return "unmatched"
    # An included router's route knows only its own part ("/rooms/{room_id}"); the prefix it
    # was mounted under is the same number of leading segments of the real path.
    extra = scope["path"].count("/") - route_path.count("/")
    prefix = "/".join(scope["path"].split("/")[: extra + 1]) if extra > 0 else ""
    return prefix + route_path


async def metrics_endpoint(request: Request) -> Response:
    """Only for a scraper that presents METRICS_TOKEN as a bearer token; without the setting the
    app's port has no /metrics at all (the figures say how busy the server is and with what)."""
    token = request.app.state.context.settings.metrics_token
    if token is None:
        return JSONResponse({"detail": "Not Found"}, status_code=404)
    scheme, _, presented = request.headers.get("authorization", "").partition(" ")
    expected = token.get_secret_value().encode()
    if scheme.lower() != "bearer" or not hmac.compare_digest(presented.strip().encode(), expected):
        return JSONResponse({"detail": "Not authenticated"}, status_code=401, headers={"WWW-Authenticate": "Bearer"})
    return Response(generate_latest(_registry()), media_type=CONTENT_TYPE_LATEST)


def _multiprocess_dir() -> str | None:
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR")


def _registry() -> CollectorRegistry:
    """This process's figures, or every worker's added up (multiprocess mode)."""
    if _multiprocess_dir() is None:
        return REGISTRY
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    return registry


def metrics_process_started() -> None:
    """A worker starts: the live-socket figures of workers that died without a word (killed, and
    replaced by uvicorn) no longer count."""
    folder = _multiprocess_dir()
    if folder is None:
        return
    for path in glob.glob(os.path.join(folder, "gauge_live*_*.db")):
        pid = int(path.rsplit("_", 1)[1].removesuffix(".db"))
        if not _running(pid):
            multiprocess.mark_process_dead(pid, folder)  # type: ignore[no-untyped-call]


def metrics_process_stopped() -> None:
    if (folder := _multiprocess_dir()) is not None:
        multiprocess.mark_process_dead(os.getpid(), folder)  # type: ignore[no-untyped-call]


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True
