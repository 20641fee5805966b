"""The v1 router, assembled from one router per resource, and the operations endpoints."""

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException
from starlette.routing import Match
from starlette.types import Receive, Scope, Send

from app.api import admin, auth, direct, messages, reactions, read_state, rooms, search
from app.api.deps import Context
from app.realtime.frames import frames_json_schema
from app.schemas import Health, Readiness

HTTP_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
_NOT_ALLOWED = "chat.allowed_methods"  # scope key: set when the path is ours but the method is not


class ApiRouter(APIRouter):
    """Answers a path of the API asked with a method it does not take: 405 with every method the
    path takes in `Allow` (RFC 9110). Left alone, such a request falls through to the site's
    `/api/...` catch-all (404), and FastAPI's own 405 names only the first route's methods."""

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        match, child_scope = super().matches(scope)
        if match is Match.PARTIAL and scope["type"] == "http":
            takes = [m for m in HTTP_METHODS if APIRouter.matches(self, {**scope, "method": m})[0] is Match.FULL]
            scope[_NOT_ALLOWED] = takes
            return Match.FULL, child_scope
        return match, child_scope

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        allowed = scope.pop(_NOT_ALLOWED, None)
        if allowed:
            raise HTTPException(405, headers={"Allow": ", ".join(allowed)})
        await super().handle(scope, receive, send)


api_router = ApiRouter()
api_router.include_router(auth.router)
api_router.include_router(rooms.router)
api_router.include_router(messages.router)
api_router.include_router(admin.router)
api_router.include_router(read_state.router)
api_router.include_router(reactions.router)
api_router.include_router(search.router)
api_router.include_router(direct.router)


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
