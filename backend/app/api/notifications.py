"""Notification settings per room, and the Mentions view."""

from typing import Annotated

from fastapi import APIRouter, Query

from app.api.deps import MAX_ID, Context, CurrentUser, PathId, SessionDep
from app.api.responses import AUTHENTICATED, DATABASE, WITH_BODY, errors
from app.schemas import NotifySetting, Page, RoomOut

router = APIRouter(tags=["notifications"], responses=errors(*AUTHENTICATED, *DATABASE))


@router.put("/rooms/{room_id}/notifications", responses=errors(*WITH_BODY, 404, 429))
async def set_notifications(
    room_id: PathId, data: NotifySetting, user: CurrentUser, context: Context, session: SessionDep
) -> RoomOut:
    """What the caller is notified of in a room, on every device: all messages, mentions only, or nothing."""
    await context.notifications.set_level(session, user, room_id, data.level)
    return await context.rooms.get(session, user, room_id)


@router.get("/mentions")
async def mentions(
    user: CurrentUser,
    context: Context,
    session: SessionDep,
    before: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
) -> Page:
    """The caller's recent mentions across their rooms, newest first; `before` = the oldest id of a page."""
    return await context.notifications.mentions(session, user, before, limit)
