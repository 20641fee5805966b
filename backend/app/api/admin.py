"""Administration (role `admin`): users, rooms, the audit log of admins' actions, statistics."""

from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from app.api.deps import MAX_ID, AdminUser, Context, PathId, SessionDep
from app.api.responses import AUTHENTICATED, DATABASE, WITH_BODY, errors
from app.schemas import AdminRoomOut, AdminUserOut, AdminUserUpdate, AuditPage, Stats, UserOut

router = APIRouter(prefix="/admin", tags=["admin"], responses=errors(*AUTHENTICATED, *DATABASE))

Limit = Annotated[int, Query(ge=1, le=500)]
Offset = Annotated[int, Query(ge=0, le=2**31, description="rows to skip; prefer `after`")]
After = Annotated[int | None, Query(ge=1, le=MAX_ID, description="the last id of the previous page")]
# NUL is refused here: PostgreSQL would refuse it later.
Search = Annotated[str | None, Query(min_length=1, max_length=64, pattern=r"^[^\x00]+$")]


@router.get("/users")
async def list_users(
    admin: AdminUser,
    context: Context,
    session: SessionDep,
    q: Annotated[Search, Query(description="the username starts with it, or the display name contains it")] = None,
    after: After = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> list[AdminUserOut]:
    """Accounts by id, oldest first; a page shorter than `limit` is the last."""
    return await context.admin.users(session, q=q, after=after, limit=limit, offset=offset)


@router.patch("/users/{user_id}", responses=errors(*WITH_BODY, 404))
async def update_user(
    user_id: PathId, change: AdminUserUpdate, admin: AdminUser, context: Context, session: SessionDep
) -> UserOut:
    """Change a user's role or activation; deactivation signs them out everywhere (sockets close 4403)."""
    return UserOut.model_validate(await context.admin.update_user(session, admin, user_id, change))


@router.get("/rooms")
async def list_rooms(
    admin: AdminUser,
    context: Context,
    session: SessionDep,
    q: Annotated[Search, Query(description="the name contains it, ignoring case")] = None,
    after: After = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> list[AdminRoomOut]:
    """Every room, private and direct ones too, by id; a page shorter than `limit` is the last."""
    return await context.admin.rooms(session, q=q, after=after, limit=limit, offset=offset)


@router.delete("/rooms/{room_id}", status_code=status.HTTP_204_NO_CONTENT, responses=errors(404))
async def delete_room(room_id: PathId, admin: AdminUser, context: Context, session: SessionDep) -> Response:
    """Delete a room with its messages; its sockets get `room_deleted` and close (4404)."""
    await context.admin.log_room_deletion(session, admin, room_id)
    await context.files.forget_room(session, room_id)
    await context.rooms.delete(session, room_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/audit")
async def audit_log(
    admin: AdminUser,
    context: Context,
    session: SessionDep,
    before: Annotated[int | None, Query(ge=1, le=MAX_ID, description="the smallest id seen")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> AuditPage:
    """What admins did (roles, activation, room deletions), newest first."""
    return await context.admin.audit(session, before, limit)


@router.get("/stats")
async def stats(admin: AdminUser, context: Context, session: SessionDep) -> Stats:
    """Users, active and online users, rooms, messages (and of the last 24 hours), this process's sockets."""
    return await context.admin.stats(session)
