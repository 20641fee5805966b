"""Administration (role `admin`): users, rooms, statistics."""

from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from app.api.deps import AdminUser, Context, PathId, SessionDep
from app.api.responses import AUTHENTICATED, DATABASE, WITH_BODY, errors
from app.schemas import AdminUserUpdate, RoomOut, Stats, UserOut

router = APIRouter(prefix="/admin", tags=["admin"], responses=errors(*AUTHENTICATED, *DATABASE))

Limit = Annotated[int, Query(ge=1, le=500)]
Offset = Annotated[int, Query(ge=0, le=2**31)]


@router.get("/users")
async def list_users(
    admin: AdminUser, context: Context, session: SessionDep, limit: Limit = 100, offset: Offset = 0
) -> list[UserOut]:
    """Every account, oldest first."""
    return [UserOut.model_validate(u) for u in await context.admin.users(session, limit, offset)]


@router.patch("/users/{user_id}", responses=errors(*WITH_BODY, 404))
async def update_user(
    user_id: PathId, change: AdminUserUpdate, admin: AdminUser, context: Context, session: SessionDep
) -> UserOut:
    """Change a user's role or activation; deactivation signs them out everywhere (sockets close 4403)."""
    return UserOut.model_validate(await context.admin.update_user(session, admin, user_id, change))


@router.get("/rooms")
async def list_rooms(
    admin: AdminUser, context: Context, session: SessionDep, limit: Limit = 100, offset: Offset = 0
) -> list[RoomOut]:
    """Every room, private ones included."""
    return await context.rooms.list_all(session, admin, limit, offset)


@router.delete("/rooms/{room_id}", status_code=status.HTTP_204_NO_CONTENT, responses=errors(404))
async def delete_room(room_id: PathId, admin: AdminUser, context: Context, session: SessionDep) -> Response:
    """Delete a room with its messages; its sockets get `room_deleted` and close (4404)."""
    await context.files.forget_room(session, room_id)
    await context.rooms.delete(session, room_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/stats")
async def stats(admin: AdminUser, context: Context, session: SessionDep) -> Stats:
    """Counts of users, rooms, messages and this process's open sockets."""
    return await context.admin.stats(session)
