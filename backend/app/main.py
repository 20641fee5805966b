"""The app factory: lifespan (database, broker, hub), routers, error handlers, the static frontend,
and the WebSocket routes ahead of them all."""

import gc
import json
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, cast

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Receive, Scope, Send
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from app.api.routes import api_router, ops_router
from app.api.ws import SocketRoutes
from app.config import Settings, get_settings
from app.context import AppContext
from app.database import DATABASE_DOWN
from app.errors import AppError
from app.logs import configure_logging
from app.metrics import SOCKETS, MetricsMiddleware, metrics_endpoint, metrics_process_started, metrics_process_stopped
from app.middleware import RequestLogMiddleware, SecurityHeadersMiddleware
from app.pages import serve_pages
from app.realtime.frames import CloseCode
from app.server_internals import fast_writes
from app.shutdown import GracefulShutdown

log = logging.getLogger(__name__)


def create_app(settings: Settings | None = None) -> "ChatApp":
    settings = settings or get_settings()
    configure_logging(settings)

    @asynccontextmanager
    async def lifespan(app: "ChatApp") -> AsyncIterator[None]:
        context = AppContext.build(settings)
        await context.start()
        app.state.context = context
        metrics_process_started()
        shutdown = GracefulShutdown(app, context)
        shutdown.install()  # SIGTERM drains first (app/shutdown.py)
        # What exists now (modules, routes, schemas, the context) lives as long as the app: kept
        # out of the cyclic GC's full collections, which otherwise scan it every time (100-140 ms
        # with 1,000 sockets connected, a pause every socket feels; 25-45 ms without it).
        gc.freeze()
        try:
            yield
        finally:
            gc.unfreeze()  # collectable again (a test process starts many apps)
            shutdown.uninstall()
            await context.stop()
            metrics_process_stopped()

    app = ChatApp(
        title="Chat",
        version="1.0.0",
        summary="Rooms, messages and real-time delivery over WebSockets.",
        description="The WebSocket protocol is at `/ws/{room_id}`; its frames' JSON Schema at `/api/v1/ws-schema`.",
        lifespan=lifespan,
        docs_url=None,  # served by app.pages from local files
        redoc_url=None,
        max_body_size=settings.max_request_bytes,
    )
    _add_error_handlers(app)
    app.include_router(api_router, prefix="/api/v1")
    app.include_router(ops_router)
    app.add_route("/metrics", metrics_endpoint, include_in_schema=False)
    policy_for_path = serve_pages(app, settings.frontend_dir)
    # Added innermost first: a request meets the request log, then the headers, then the rest.
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST", "PATCH", "DELETE"],
            allow_headers=["Authorization", "Content-Type", "X-Request-ID"],
            max_age=600,
        )
    app.add_middleware(MetricsMiddleware)
    app.add_middleware(SecurityHeadersMiddleware, csp_for_path=policy_for_path)
    app.add_middleware(RequestLogMiddleware)
    # uvicorn's own middleware, typed with uvicorn's ASGI types rather than Starlette's.
    proxied = ProxyHeadersMiddleware(cast(Any, app.serve_http), trusted_hosts=settings.forwarded_allow_ips)
    app.http = cast(ASGIApp, proxied)
    app.sockets = SocketRoutes(fast_writes() if settings.ws_direct_writes else None, app.serve_http)
    return app


class ChatApp(FastAPI):
    """The FastAPI app, with its WebSocket routes (`sockets`, api/ws.py) served ahead of it:
    WebSocket connections go to those, everything else to FastAPI.

    A socket lives for hours, and every layer it passes through keeps a coroutine frame (about
    half a kilobyte) alive for all that time. FastAPI's own layers and the HTTP middleware do
    nothing for a socket: routed ahead of them, an idle socket takes 2.5 KB less than routed
    by the same router behind them (bench/README.md, "Server internals")."""

    sockets: SocketRoutes
    http: ASGIApp  # serve_http behind the proxy headers (create_app)
    # Set on SIGTERM (app/shutdown.py): new sockets are closed with 1012, `/readyz` answers 503.
    draining = False

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            if self.draining:
                await _restarting(receive, send)
                return
            scope["app"] = self  # as Starlette sets it: the endpoint finds the app's state there
            SOCKETS.inc()
            try:
                await self.sockets(scope, receive, send)
            finally:
                SOCKETS.dec()
        elif self.draining and scope["type"] == "http" and scope["path"] == "/readyz":
            await self._not_ready(scope, receive, send)
        else:
            await self.http(scope, receive, send)

    async def _not_ready(self, scope: Scope, receive: Receive, send: Send) -> None:
        """`/readyz` while the process shuts down: 503, so that load balancers send no one here."""
        context: AppContext = self.state.context
        report = (await context.readiness()).model_copy(update={"status": "unavailable"})
        await JSONResponse(report.model_dump(), status_code=503)(scope, receive, send)

    async def serve_http(self, scope: Scope, receive: Receive, send: Send) -> None:
        """FastAPI itself: what the sockets' router does not route."""
        await super().__call__(scope, receive, send)


async def _restarting(receive: Receive, send: Send) -> None:
    """A socket that connects while the process shuts down: accepted, then closed with 1012 at
    once, so that the client reconnects (to another host) straight away."""
    if (await receive())["type"] == "websocket.connect":
        await send({"type": "websocket.accept"})
        await send({"type": "websocket.close", "code": CloseCode.SERVICE_RESTART, "reason": "server restarting"})


class AsciiJSONResponse(JSONResponse):
    """JSON with everything beyond ASCII escaped: a 422 echoes its input, which may hold a lone
    surrogate (valid in JSON as `\\ud800`, not encodable as UTF-8)."""

    def render(self, content: object) -> bytes:
        return json.dumps(content, ensure_ascii=True, allow_nan=False, separators=(",", ":")).encode("ascii")


def _add_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def invalid_request(_: Request, exc: RequestValidationError) -> Response:
        # Where and why, never what: the rejected input may be a password, or a NaN that JSON
        # cannot even carry back.
        errors = [{key: value for key, value in error.items() if key != "input"} for error in exc.errors()]
        return AsciiJSONResponse({"detail": jsonable_encoder(errors)}, status_code=422)

    @app.exception_handler(AppError)
    async def app_error(_: Request, exc: AppError) -> Response:
        return JSONResponse({"detail": exc.detail}, status_code=exc.status, headers=exc.headers)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, exc: StarletteHTTPException) -> Response:
        return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers)

    async def database_down(_: Request, exc: Exception) -> Response:
        log.warning("database unavailable: %s", exc)
        detail = {"detail": "database unavailable, try again"}
        return JSONResponse(detail, status_code=503, headers={"Retry-After": "5"})

    for error in DATABASE_DOWN:
        app.add_exception_handler(error, database_down)


def __getattr__(name: str) -> FastAPI:
    """`uvicorn app.main:app`: the app on the environment's settings, built when asked for, so
    importing this module (as the tests do) builds nothing."""
    if name == "app":
        return create_app()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
