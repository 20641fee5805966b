"""The v1 router, assembled from one router per resource, and the operations endpoints."""

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from app.api import (
    account,
    admin,
    auth,
    direct,
    files,
    messages,
    notifications,
    reactions,
    read_state,
    rooms,
    search,
    users,
)
from app.api.deps import Context
from app.realtime.frames import frames_json_schema
from app.schemas import Health, Readiness

# A path of the API asked with a method it does not take: 405 with `Allow`, from the `/api/...`
# catch-all of app/pages.py.
api_router = APIRouter()
api_router.include_router(auth.router)
api_router.include_router(rooms.router)
api_router.include_router(messages.router)
api_router.include_router(admin.router)
api_router.include_router(read_state.router)
api_router.include_router(reactions.router)
api_router.include_router(search.router)
api_router.include_router(direct.router)
api_router.include_router(users.router)
api_router.include_router(account.router)
api_router.include_router(notifications.router)
api_router.include_router(files.router)


@api_router.get("/ws-schema", tags=["websocket"])
async def ws_schema() -> dict[str, Any]:
    """JSON Schema of every WebSocket frame (client -> server and server -> client)."""
    return frames_json_schema()


ops_router = APIRouter(tags=["operations"])


@ops_router.get("/healthz")
async def healthz() -> Health:
    """The process is up."""
    return Health()


@ops_router.get(
    "/readyz", response_model=Readiness, responses={503: {"model": Readiness, "description": "Database unreachable"}}
)
async def readyz(context: Context) -> JSONResponse:
    """Ready to serve: the database answers; a broker outage is reported as `degraded`."""
    report = await context.readiness()
    return JSONResponse(report.model_dump(), status_code=503 if report.database != "ok" else 200)
