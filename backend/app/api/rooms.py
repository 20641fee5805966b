"""Rooms: list, create, read, change, join, leave, members."""

from fastapi import APIRouter, Response, status

from app.api.deps import Context, CurrentUser, PathId, SessionDep
from app.api.responses import AUTHENTICATED, DATABASE, WITH_BODY, errors
from app.schemas import MemberAdd, MemberOut, RoomCreate, RoomOut, RoomUpdate

router = APIRouter(prefix="/rooms", tags=["rooms"], responses=errors(*AUTHENTICATED, *DATABASE))


@router.get("")
async def list_rooms(user: CurrentUser, context: Context, session: SessionDep) -> list[RoomOut]:
    """Public rooms and the private rooms the caller belongs to."""
    return await context.rooms.list_visible(session, user)


@router.post("", status_code=status.HTTP_201_CREATED, responses=errors(*WITH_BODY, 409, 429))
async def create_room(data: RoomCreate, user: CurrentUser, context: Context, session: SessionDep) -> RoomOut:
    """Create a room; the caller becomes its owner and first member."""
    return await context.rooms.create(session, user, data)


@router.get("/{room_id}", responses=errors(404))
async def read_room(room_id: PathId, user: CurrentUser, context: Context, session: SessionDep) -> RoomOut:
    """One room (404 for a private room the caller is not in)."""
    return await context.rooms.get(session, user, room_id)


@router.patch("/{room_id}", responses=errors(*WITH_BODY, 404, 409, 429))
async def update_room(
    room_id: PathId, data: RoomUpdate, user: CurrentUser, context: Context, session: SessionDep
) -> RoomOut:
    """Rename the room or set its topic (its owner or an admin; not a direct room): members get `room_updated`."""
    return await context.rooms.update(session, user, room_id, data)


@router.post("/{room_id}/join", responses=errors(404))
async def join_room(room_id: PathId, user: CurrentUser, context: Context, session: SessionDep) -> RoomOut:
    """Join a public room (idempotent)."""
    return await context.rooms.join(session, user, room_id)


@router.post("/{room_id}/leave", status_code=status.HTTP_204_NO_CONTENT, responses=errors(404))
async def leave_room(room_id: PathId, user: CurrentUser, context: Context, session: SessionDep) -> Response:
    """Leave a room; the caller's sockets in it are closed (4403)."""
    await context.rooms.leave(session, user, room_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/{room_id}/members", responses=errors(404))
async def list_members(room_id: PathId, user: CurrentUser, context: Context, session: SessionDep) -> list[MemberOut]:
    """The room's members and who of them is online (members only)."""
    return await context.rooms.members(session, user, room_id)


@router.post("/{room_id}/members", responses=errors(*WITH_BODY, 404, 409, 429))
async def add_member(
    room_id: PathId, data: MemberAdd, user: CurrentUser, context: Context, session: SessionDep
) -> MemberOut:
    """Add someone to the room (its owner or an admin): how private rooms invite people."""
    return await context.rooms.add_member(session, user, room_id, data.username)


@router.delete("/{room_id}/members/{user_id}", status_code=status.HTTP_204_NO_CONTENT, responses=errors(404, 409, 429))
async def remove_member(
    room_id: PathId, user_id: PathId, user: CurrentUser, context: Context, session: SessionDep
) -> Response:
    """Remove a member (its owner or an admin; not the owner, not oneself: see leave); their sockets get
    `room_removed` ("removed")."""
    await context.rooms.remove_member(session, user, room_id, user_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
