"""Documented error responses, so /docs and /openapi.json list every status a route can answer."""

from typing import Any

from app.schemas import ErrorOut

_DESCRIPTIONS = {
    400: "Bad request",
    401: "Not authenticated (missing, invalid or expired token)",
    403: "Not allowed",
    404: "Not found, or not visible to the caller",
    409: "Conflict",
    413: "Request too large",
    429: "Rate limited (see Retry-After)",
    503: "Service unavailable",
}


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    return {status: {"model": ErrorOut, "description": _DESCRIPTIONS[status]} for status in statuses}


AUTHENTICATED = (401, 403)
# A request body that is not text in its declared encoding is refused before validation (400).
WITH_BODY = (400,)
# Any route that reads or writes the database answers 503 while the database is unreachable.
DATABASE = (503,)
