"""Rooms and memberships: listing, joining, leaving, members, creation, changes and deletion."""

from collections.abc import Awaitable, Callable, Collection

from sqlalchemy import BindParameter, ColumnElement, Row, ScalarSelect, Select, bindparam, case, delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.database import insert_ignoring_duplicates
from app.errors import Conflict, Forbidden, NotFound
from app.events import MemberJoined, MemberLeft, RoomDeleted, RoomUpdated
from app.models import Membership, Role, Room, User, utcnow
from app.ratelimit import RateLimits
from app.schemas import MemberOut, RoomCreate, RoomOut, RoomUpdate, UserPublic
from app.services.access import is_member, is_member_of, room_members, visible_to
from app.services.read_state import newest_message_id, with_read_state
from app.services.unit_of_work import emit

GENERAL_ROOM = "general"
TWO_MEMBERS = "a direct room has exactly two members"

# Which of these users are online (anywhere in the app), from the realtime layer's presence.
OnlineAmong = Callable[[Collection[int]], Awaitable[set[int]]]


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


RoomRow = Row[Room, int, bool, str | None, int | None, int | None, int, int, str | None]


def _room_query() -> Select[Room, int, bool, str | None, int | None, int | None, int, int, str | None]:
    """Rooms as the caller (VIEWER) sees them: member count, joined, name, newest message, read state."""
    member_count = select(func.count()).select_from(Membership).where(Membership.room_id == Room.id).scalar_subquery()
    query = select(
        Room,
        member_count.label("member_count"),
        is_member(VIEWER).label("joined"),
        direct_peer_name(VIEWER).label("peer_name"),
        newest_message_id(Room.id).label("newest_message_id"),
    )
    return with_read_state(query, VIEWER)


# Built once, run with the caller's id bound: a room query is a tree of subqueries, and building
# it (with its cache key) took more of a reconnect than running it did.
_VISIBLE_ROOMS = _room_query().where(visible_to(VIEWER)).order_by(Room.id)
_ONE_ROOM = _room_query().where(Room.id == ROOM_ID, visible_to(VIEWER))
_ANY_ROOM = _room_query().where(Room.id == ROOM_ID)  # for admins, who manage rooms they cannot see
_MEMBER_ROOMS = _room_query().where(is_member(VIEWER)).order_by(Room.id)
_MEMBERSHIP = select(Room.is_private, is_member(VIEWER)).where(Room.id == ROOM_ID)


def _out(row: RoomRow) -> RoomOut:
    room, member_count, joined, peer_name, newest, last_read_id, unread_count, mentions, notify = row
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
        topic=room.topic,
        last_message_id=newest,
        mention_count=mentions,
        notify=notify,
    )


class RoomService:
    def __init__(self, online_among: OnlineAmong, limits: RateLimits) -> None:
        self._online_among = online_among
        self._creations = limits.room
        self._invitations = limits.invite

    async def list_visible(self, session: AsyncSession, user: User) -> list[RoomOut]:
        rows = await session.execute(_VISIBLE_ROOMS, {"viewer": user.id})
        return [_out(row) for row in rows]

    async def get(self, session: AsyncSession, user: User, room_id: int) -> RoomOut:
        row = (await session.execute(_ONE_ROOM, {"viewer": user.id, "room_id": room_id})).first()
        if row is None:
            raise NotFound("room not found")
        return _out(row)

    async def list_joined(self, session: AsyncSession, user_id: int) -> list[RoomOut]:
        """Every room the user is a member of: what a /ws `hello` lists."""
        rows = await session.execute(_MEMBER_ROOMS, {"viewer": user_id})
        return [_out(row) for row in rows]

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
        await add_membership(session, room.id, user.id)
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
        members = await room_members(session, room_id)
        online = await self._online_among([uid for uid, _ in members])
        return [MemberOut(user=UserPublic(id=uid, username=name), online=uid in online) for uid, name in members]

    async def _managed(
        self, session: AsyncSession, user: User, room_id: int, action: str, *, direct: str | None = None
    ) -> Room:
        """The room, if the caller may manage it: its owner, or an admin (every room, private ones
        included). 404 for a room the caller may not see, 403 for one they may see but not manage;
        `direct`: the 409 for a direct room (nobody's to manage), told to whoever sees it."""
        room = await session.get(Room, room_id)
        admin = user.role == Role.admin
        if room is None or (not admin and room.is_private and not await is_member_of(session, room_id, user.id)):
            raise NotFound("room not found")
        if direct is not None and room.dm_key is not None:
            raise Conflict(direct)
        if not admin and room.owner_id != user.id:
            raise Forbidden(f"only the room's owner or an admin can {action}")
        return room

    async def update(self, session: AsyncSession, user: User, room_id: int, data: RoomUpdate) -> RoomOut:
        """Rename the room or set its topic; its members hear of it (RoomUpdated) if either changed."""
        await self._creations.hit((user.id,))  # a rename reaches every member, as a new room does
        direct = "a direct room is named after its two members: it has no name or topic to change"
        room = await self._managed(session, user, room_id, "change it", direct=direct)
        name = data.name if data.name is not None else room.name
        topic = data.topic if "topic" in data.model_fields_set else room.topic  # absent: unchanged
        if (name, topic) != (room.name, room.topic):
            key = name.casefold()
            if key != room.name_key and await session.scalar(select(Room.id).where(Room.name_key == key)) is not None:
                raise Conflict("a room with that name exists")
            room.name, room.name_key, room.topic = name, key, topic
            try:
                await session.flush()
            except IntegrityError:  # the name was taken by someone else a moment ago
                await session.rollback()
                raise Conflict("a room with that name exists") from None
            emit(session, RoomUpdated(room_id, name, topic))
        return _out((await session.execute(_ANY_ROOM, {"viewer": user.id, "room_id": room_id})).one())

    async def add_member(self, session: AsyncSession, user: User, room_id: int, username: str) -> MemberOut:
        await self._invitations.hit((user.id,))
        if (await self._managed(session, user, room_id, "add members")).dm_key is not None:
            raise Conflict(TWO_MEMBERS)
        invitee = await session.scalar(select(User).where(User.username_key == username.casefold()))
        if invitee is None or not invitee.is_active:
            raise NotFound("user not found")
        await add_membership(session, room_id, invitee.id)
        online = await self._online_among([invitee.id])
        return MemberOut(user=UserPublic(id=invitee.id, username=invitee.username), online=invitee.id in online)

    async def remove_member(self, session: AsyncSession, user: User, room_id: int, member_id: int) -> None:
        """The owner or an admin removes someone: the room's traffic stops for them (MemberLeft,
        "removed"). A public room they may join again; a private one only if invited again."""
        await self._invitations.hit((user.id,))  # removals count with additions
        room = await self._managed(session, user, room_id, "remove members", direct=TWO_MEMBERS)
        if member_id == user.id:
            raise Conflict("to leave a room, use POST /rooms/{id}/leave")
        if member_id == room.owner_id:
            raise Conflict("the room's owner cannot be removed")
        result = await session.execute(
            delete(Membership).where(Membership.room_id == room_id, Membership.user_id == member_id)
        )
        if not result.rowcount:  # type: ignore[attr-defined]
            raise NotFound("no such member in this room")
        emit(session, MemberLeft(room_id, member_id, reason="removed"))

    async def delete(self, session: AsyncSession, room_id: int) -> None:
        room = await session.get(Room, room_id)
        if room is None:
            raise NotFound("room not found")
        await session.delete(room)
        emit(session, RoomDeleted(room_id))


async def add_membership(
    session: AsyncSession, room_id: int, user_id: int, *, announce: bool = True, notify: str | None = None
) -> bool:
    """Idempotent: joining twice, or racing another join, is not an error. A new member has
    read what was there before they came: their unread count starts at zero, and their
    notification level is `notify`, else their own default for new rooms. A new membership
    is announced to the user's sockets (MemberJoined) once committed, unless the caller does it
    itself with `announce_membership` (once the room is as it should be seen). True: added."""
    added = await session.execute(
        insert_ignoring_duplicates(session.get_bind().dialect.name, Membership).values(
            room_id=room_id,
            user_id=user_id,
            joined_at=utcnow(),
            last_read_id=newest_message_id(room_id),
            notify=notify if notify is not None else _default_notify(user_id),
        )
    )
    if not added.rowcount:  # type: ignore[attr-defined]
        return False
    if announce:
        await announce_membership(session, room_id, user_id)
    return True


def _default_notify(user_id: int) -> ScalarSelect[str]:
    return select(User.default_notify).where(User.id == user_id).scalar_subquery()


async def announce_membership(session: AsyncSession, room_id: int, user_id: int) -> None:
    """Tell the user's sockets, once committed, of the room they are now in, as they see it."""
    row = (await session.execute(_ONE_ROOM, {"viewer": user_id, "room_id": room_id})).one()
    emit(session, MemberJoined(user_id, _out(row)))
