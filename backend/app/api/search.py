"""Search the messages of the caller's rooms."""

from typing import Annotated

from fastapi import APIRouter, Query

from app.api.deps import MAX_ID, Context, CurrentUser, SessionDep
from app.api.responses import AUTHENTICATED, errors
from app.schemas import Page

router = APIRouter(tags=["messages"], responses=errors(*AUTHENTICATED, 503))

# At least two characters once trimmed (the first and last that are not spaces), and no NUL.
SearchText = Annotated[
    str,
    Query(
        min_length=2,
        max_length=200,
        pattern=r"^\s*[^\s\x00][^\x00]*[^\s\x00]\s*$",
        description="2 to 200 characters once trimmed, matched anywhere in a message, ignoring case",
    ),
]


@router.get("/chat/search", responses=errors(404))
async def search(
    q: SearchText,
    user: CurrentUser,
    context: Context,
    session: SessionDep,
    room_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    before: Annotated[int | None, Query(ge=0, le=MAX_ID)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> Page:
    """Messages of the caller's rooms (or of one: `room_id`) containing `q`, newest first; page with `before`."""
    return await context.search.search(session, user, q.strip(), room_id, before, limit)
