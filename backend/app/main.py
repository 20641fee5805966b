"""The app factory: lifespan (database, broker, hub), routers, error handlers, the static frontend."""

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.api.routes import api_router, ops_router
from app.api.ws import router as ws_router
from app.config import Settings, get_settings
from app.context import AppContext
from app.errors import AppError
from app.metrics import SOCKETS, MetricsMiddleware, metrics_endpoint
from app.services.messages import DATABASE_DOWN

log = logging.getLogger(__name__)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()

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
    )
    app.add_middleware(MetricsMiddleware)
    _add_error_handlers(app)
    app.include_router(api_router, prefix="/api/v1")
    app.include_router(ops_router)
    app.include_router(ws_router)
    app.add_route("/metrics", metrics_endpoint, include_in_schema=False)
    _serve_frontend(app, settings.frontend_dir)
    return app


def _add_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(AppError)
    async def app_error(_: Request, exc: AppError) -> Response:
        return JSONResponse({"detail": exc.detail}, status_code=exc.status, headers=exc.headers)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, exc: StarletteHTTPException) -> Response:
        return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers)

    async def database_down(_: Request, exc: Exception) -> Response:
        log.warning("database unavailable: %s", exc)
        return JSONResponse(
            {"detail": "database unavailable, try again"}, status_code=503, headers={"Retry-After": "5"}
        )

    for error in DATABASE_DOWN:
        app.add_exception_handler(error, database_down)


def _serve_frontend(app: FastAPI, directory: Path) -> None:
    """The Next.js static export at `/`; unknown `/api/...` paths stay JSON 404s."""

    @app.api_route("/api/{rest:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE"], include_in_schema=False)
    async def api_not_found(rest: str) -> Response:
        return JSONResponse({"detail": "Not Found"}, status_code=404)

    if (directory / "index.html").is_file():
        app.mount("/", StaticFiles(directory=directory, html=True), name="frontend")
    else:
        log.warning("no frontend build in %s: serving the API only", directory)
