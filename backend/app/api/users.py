"""People: find them by the start of their username."""

from typing import Annotated

from fastapi import APIRouter, Query

from app.api.deps import CurrentUser, SessionDep
from app.api.responses import AUTHENTICATED, DATABASE, errors
from app.schemas import UserPage
from app.services.users import search_users

router = APIRouter(prefix="/users", tags=["users"], responses=errors(*AUTHENTICATED, *DATABASE))

# Usernames are at most 32 characters; NUL is refused here (PostgreSQL would refuse it later).
UsernamePart = Annotated[str, Query(min_length=1, max_length=32, pattern=r"^[^\x00]+$")]


@router.get("")
async def find_users(
    user: CurrentUser,
    session: SessionDep,
    q: Annotated[UsernamePart, Query(description="how the username starts, ignoring case (1 to 32 characters)")],
    after: Annotated[UsernamePart | None, Query(description="the last username of the previous page")] = None,
    limit: Annotated[int, Query(ge=1, le=50)] = 20,
) -> UserPage:
    """Active users whose username starts with `q`, by username (the caller too); page with `after`."""
    return await search_users(session, q, after, limit)
