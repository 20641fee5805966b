"""The app factory: lifespan (database, broker, hub), routers, error handlers, the static frontend."""

import json
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.api.routes import api_router, ops_router
from app.api.ws import SocketLane
from app.config import Settings, get_settings
from app.context import AppContext
from app.database import DATABASE_DOWN
from app.errors import AppError
from app.logs import configure_logging
from app.metrics import SOCKETS, MetricsMiddleware, metrics_endpoint
from app.middleware import RequestLogMiddleware, SecurityHeadersMiddleware
from app.web import serve_pages

log = logging.getLogger(__name__)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    configure_logging(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        context = AppContext.build(settings)
        await context.start()
        app.state.context = context
        SOCKETS.set_function(lambda: context.hub.connection_count)
        try:
            yield
        finally:
            await context.stop()

    app = FastAPI(
        title="Chat",
        version="1.0.0",
        summary="Rooms, messages and real-time delivery over WebSockets.",
        description="The WebSocket protocol is at `/ws/{room_id}`; its frames' JSON Schema at `/api/v1/ws-schema`.",
        lifespan=lifespan,
        docs_url=None,  # served by app.web from local files
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
    app.add_middleware(SocketLane)  # outermost: sockets skip the HTTP layers
    return app


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
