"""Direct rooms: the private room of the caller and one other person."""

from fastapi import APIRouter

from app.api.deps import Context, CurrentUser, SessionDep
from app.api.responses import AUTHENTICATED, errors
from app.schemas import DirectRoomCreate, RoomOut

router = APIRouter(tags=["rooms"], responses=errors(*AUTHENTICATED, 503))


@router.post("/dm", responses=errors(400, 404, 429))
async def open_direct_room(data: DirectRoomCreate, user: CurrentUser, context: Context, session: SessionDep) -> RoomOut:
    """The caller's direct room with `username`, created on first use (400 for oneself, 404 for no such user)."""
    return await context.direct.open(session, user, data.username)
