"""Direct rooms: the one private room of two people, created the first time either asks for it."""

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.errors import BadRequest, NotFound
from app.models import Room, User
from app.ratelimit import Limit
from app.schemas import RoomOut
from app.services.rooms import RoomService, add_membership, announce_membership


def direct_key(first_id: int, second_id: int) -> str:
    low, high = sorted((first_id, second_id))
    return f"{low}:{high}"


def direct_name_key(key: str) -> str:
    """Room names are unique by `name_key`, the trimmed, case-folded name. A direct room's key
    starts with a space, which no trimmed name can: it never takes a name people could choose."""
    return f" direct {key}"


class DirectRoomService:
    def __init__(self, rooms: RoomService, creations: Limit) -> None:
        self._rooms = rooms
        self._creations = creations  # shared with rooms created by name

    async def open(self, session: AsyncSession, user: User, username: str) -> RoomOut:
        """The caller's direct room with `username`: found, or created once (the unique dm_key
        settles concurrent first calls). Both people are (again) its members afterwards, so a
        direct room one of them left comes back for both."""
        peer = await session.scalar(select(User).where(User.username_key == username.casefold()))
        if peer is None or not peer.is_active:
            raise NotFound("user not found")
        if peer.id == user.id:
            raise BadRequest("a direct room needs someone else: you cannot open one with yourself")
        key = direct_key(user.id, peer.id)
        members = (user.id, peer.id)
        room_id = await session.scalar(select(Room.id).where(Room.dm_key == key))
        if room_id is None:  # only a new one counts: opening an existing one is how people go back to it
            await self._creations.hit((user.id,))
            low, high = sorted((user, peer), key=lambda u: u.id)
            room = Room(
                name=f"{low.username}, {high.username}"[:64],  # shown to whoever is not in it (admins)
                name_key=direct_name_key(key),
                is_private=True,
                owner_id=None,  # nobody's to manage: no invitations, no third member
                dm_key=key,
            )
            session.add(room)
            try:
                await session.flush()
                room_id = room.id
            except IntegrityError:  # the other one asked at the same moment and won
                await session.rollback()
                await session.refresh(user)  # a rollback expires what the session holds
                room_id = await session.scalar(select(Room.id).where(Room.dm_key == key))
                if room_id is None:
                    raise
        # Announced once both are in: each sees the room named after the other.
        # Everything said in a direct room is for the other one: notified of all of it.
        added = [m for m in members if await add_membership(session, room_id, m, announce=False, notify="all")]
        for member_id in added:
            await announce_membership(session, room_id, member_id)
        return await self._rooms.get(session, user, room_id)
