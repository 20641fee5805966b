"""Rooms and memberships: listing, joining, leaving, members, creation and deletion."""

from collections.abc import Awaitable, Callable

from sqlalchemy import BindParameter, ColumnElement, Row, Select, bindparam, case, delete, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.errors import Conflict, Forbidden, NotFound
from app.events import MemberLeft, RoomDeleted
from app.models import Membership, Role, Room, User, utcnow
from app.ratelimit import RateLimits
from app.schemas import MemberOut, RoomCreate, RoomOut, UserPublic
from app.services.access import is_member, visible_to
from app.services.read_state import newest_message_id, with_read_state
from app.services.unit_of_work import emit

GENERAL_ROOM = "general"

# Who of a room's members are online (user ids), from the realtime layer's presence.
OnlineIn = Callable[[int], Awaitable[set[int]]]


# The caller and the room of the statements below, bound when a statement runs.
# Untyped: each takes the type of the column it is compared with (ids are BIGINT on PostgreSQL).
VIEWER: BindParameter[int] = bindparam("viewer")
ROOM_ID: BindParameter[int] = bindparam("room_id")


def direct_peer_name(user_id: BindParameter[int]) -> ColumnElement[str | None]:
    """In a direct room, the other member's username (the room's name for the caller)."""
    peer = (
        select(User.username)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.room_id == Room.id, User.id != user_id)
        .order_by(User.id)
        .limit(1)
        .correlate(Room)
        .scalar_subquery()
    )
    return case((Room.dm_key.is_(None), None), else_=peer)


def _room_query() -> Select[Room, int, bool, str | None, int | None, int]:
    """Rooms as the caller (VIEWER) sees them: member count, joined, name, read state."""
    member_count = select(func.count()).select_from(Membership).where(Membership.room_id == Room.id).scalar_subquery()
    query = select(
        Room,
        member_count.label("member_count"),
        is_member(VIEWER).label("joined"),
        direct_peer_name(VIEWER).label("peer_name"),
    )
    return with_read_state(query, VIEWER)


# Built once, run with the caller's id bound: a room query is a tree of subqueries, and building
# it (with its cache key) took more of a reconnect than running it did.
_VISIBLE_ROOMS = _room_query().where(visible_to(VIEWER)).order_by(Room.id)
_ALL_ROOMS = _room_query().order_by(Room.id).limit(bindparam("limit")).offset(bindparam("offset"))
_ONE_ROOM = _room_query().where(Room.id == ROOM_ID, visible_to(VIEWER))
_ONE_ROOM_WITH_NEWEST = _ONE_ROOM.add_columns(newest_message_id(Room.id).label("newest_message_id"))
_MEMBERSHIP = select(Room.is_private, is_member(VIEWER)).where(Room.id == ROOM_ID)


def _out(row: Row[Room, int, bool, str | None, int | None, int]) -> RoomOut:
    room, member_count, joined, peer_name, last_read_id, unread_count = row
    return RoomOut(
        id=room.id,
        # A direct room is named after the other person, for each of its two members.
        name=peer_name if peer_name and joined else room.name,
        is_private=room.is_private,
        owner_id=room.owner_id,
        created_at=room.created_at,
        member_count=member_count,
        joined=bool(joined),
        last_read_id=last_read_id,
        unread_count=unread_count,
        is_direct=room.dm_key is not None,
    )


class RoomService:
    def __init__(self, online_in: OnlineIn, limits: RateLimits) -> None:
        self._online_in = online_in
        self._creations = limits.room
        self._invitations = limits.invite

    async def list_visible(self, session: AsyncSession, user: User) -> list[RoomOut]:
        rows = await session.execute(_VISIBLE_ROOMS, {"viewer": user.id})
        return [_out(row) for row in rows]

    async def list_all(self, session: AsyncSession, user: User, limit: int, offset: int) -> list[RoomOut]:
        rows = await session.execute(_ALL_ROOMS, {"viewer": user.id, "limit": limit, "offset": offset})
        return [_out(row) for row in rows]

    async def get(self, session: AsyncSession, user: User, room_id: int) -> RoomOut:
        row = (await session.execute(_ONE_ROOM, {"viewer": user.id, "room_id": room_id})).first()
        if row is None:
            raise NotFound("room not found")
        return _out(row)

    async def get_with_newest(self, session: AsyncSession, user: User, room_id: int) -> tuple[RoomOut, int | None]:
        """The room and its newest message id, in one query: what a socket's `hello` needs."""
        row = (await session.execute(_ONE_ROOM_WITH_NEWEST, {"viewer": user.id, "room_id": room_id})).first()
        if row is None:
            raise NotFound("room not found")
        *room, newest = row
        return _out(tuple(room)), newest  # type: ignore[arg-type]

    async def exists(self, session: AsyncSession, room_id: int) -> bool:
        return await session.get(Room, room_id) is not None

    async def require_member(self, session: AsyncSession, user: User, room_id: int) -> None:
        """404 for a room the caller may not see, 403 for a public room they have not joined.

        One indexed look-up: this guards every history page and REST send, so it does not
        count members or unread messages as `get` does."""
        row = (await session.execute(_MEMBERSHIP, {"viewer": user.id, "room_id": room_id})).first()
        if row is None or (row[0] and not row[1]):
            raise NotFound("room not found")
        if not row[1]:
            raise Forbidden("join the room first")

    async def create(self, session: AsyncSession, user: User, data: RoomCreate) -> RoomOut:
        await self._creations.hit((user.id,))
        if await session.scalar(select(Room.id).where(Room.name_key == data.name.casefold())) is not None:
            raise Conflict("a room with that name exists")
        room = Room(name=data.name, name_key=data.name.casefold(), is_private=data.is_private, owner_id=user.id)
        session.add(room)
        try:
            await session.flush()
        except IntegrityError:  # created by someone else a moment ago
            await session.rollback()
            raise Conflict("a room with that name exists") from None
        session.add(Membership(room_id=room.id, user_id=user.id))
        await session.flush()
        return await self.get(session, user, room.id)

    async def join(self, session: AsyncSession, user: User, room_id: int) -> RoomOut:
        room = await self.get(session, user, room_id)
        if not room.joined:
            await add_membership(session, room_id, user.id)
            room = await self.get(session, user, room_id)
        return room

    async def leave(self, session: AsyncSession, user: User, room_id: int) -> None:
        await self.get(session, user, room_id)
        result = await session.execute(
            delete(Membership).where(Membership.room_id == room_id, Membership.user_id == user.id)
        )
        if result.rowcount:  # type: ignore[attr-defined]
            emit(session, MemberLeft(room_id, user.id))

    async def members(self, session: AsyncSession, user: User, room_id: int) -> list[MemberOut]:
        await self.require_member(session, user, room_id)
        rows = await session.execute(
            select(User.id, User.username)
            .join(Membership, Membership.user_id == User.id)
            .where(Membership.room_id == room_id)
            .order_by(User.username_key)
        )
        online = await self._online_in(room_id)
        return [MemberOut(user=UserPublic(id=uid, username=name), online=uid in online) for uid, name in rows]

    async def add_member(self, session: AsyncSession, user: User, room_id: int, username: str) -> MemberOut:
        await self._invitations.hit((user.id,))
        if user.role == Role.admin:  # admins manage every room, private ones included
            if not await self.exists(session, room_id):
                raise NotFound("room not found")
        elif (await self.get(session, user, room_id)).owner_id != user.id:
            raise Forbidden("only the room's owner or an admin can add members")
        if await session.scalar(select(Room.dm_key).where(Room.id == room_id)) is not None:
            raise Conflict("a direct room has exactly two members")
        invitee = await session.scalar(select(User).where(User.username_key == username.casefold()))
        if invitee is None or not invitee.is_active:
            raise NotFound("user not found")
        await add_membership(session, room_id, invitee.id)
        online = await self._online_in(room_id)
        return MemberOut(user=UserPublic(id=invitee.id, username=invitee.username), online=invitee.id in online)

    async def delete(self, session: AsyncSession, room_id: int) -> None:
        room = await session.get(Room, room_id)
        if room is None:
            raise NotFound("room not found")
        await session.delete(room)
        emit(session, RoomDeleted(room_id))


async def add_membership(session: AsyncSession, room_id: int, user_id: int) -> None:
    """Idempotent: joining twice, or racing another join, is not an error. A new member has
    read what was there before they came: their unread count starts at zero."""
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    await session.execute(
        insert(Membership)
        .values(room_id=room_id, user_id=user_id, joined_at=utcnow(), last_read_id=newest_message_id(room_id))
        .on_conflict_do_nothing()
    )
