"""Read markers: how far the caller has read a room."""

from fastapi import APIRouter, Response, status

from app.api.deps import Context, CurrentUser, PathId, SessionDep
from app.api.responses import AUTHENTICATED, errors
from app.schemas import ReadMarkerUpdate

router = APIRouter(tags=["rooms"], responses=errors(*AUTHENTICATED, 503))


@router.post("/rooms/{room_id}/read", status_code=status.HTTP_204_NO_CONTENT, responses=errors(400, 404, 429))
async def mark_read(
    room_id: PathId, data: ReadMarkerUpdate, user: CurrentUser, context: Context, session: SessionDep
) -> Response:
    """Move the caller's read marker forward to a message of the room (never back)."""
    await context.read_state.mark_read(session, user, room_id, data.message_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
