"""Who may see what, in one place: membership and room visibility as SQL, for every service.

A room the caller may not see is filtered out by the query itself, so the unauthorised get a
404 and never learn that it exists."""

from sqlalchemy import ColumnElement, Select, exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import Membership, Message, Room, User

UserId = int | ColumnElement[int]  # a plain id, or a bound parameter of a statement built once


def rooms_of(user_id: UserId) -> Select[int]:
    """The ids of the rooms the user is a member of."""
    return select(Membership.room_id).where(Membership.user_id == user_id)


def is_member(user_id: UserId) -> ColumnElement[bool]:
    """Whether the user is a member of the Room of the enclosing query."""
    return exists().where(Membership.room_id == Room.id, Membership.user_id == user_id)


def visible_to(user_id: UserId) -> ColumnElement[bool]:
    """Whether the user may see the Room of the enclosing query: public, or a member."""
    return ~Room.is_private | is_member(user_id)


def member_of_message_room(user_id: UserId) -> ColumnElement[bool]:
    """Whether the user is a member of the room of the Message of the enclosing query."""
    return exists().where(Membership.room_id == Message.room_id, Membership.user_id == user_id)


async def is_member_of(session: AsyncSession, room_id: int, user_id: int) -> bool:
    found = await session.scalar(
        select(Membership.user_id).where(Membership.room_id == room_id, Membership.user_id == user_id)
    )
    return found is not None


async def member_room_ids(session: AsyncSession, user_id: int) -> list[int]:
    return list(await session.scalars(rooms_of(user_id).order_by(Membership.room_id)))


async def room_members(session: AsyncSession, room_id: int) -> list[tuple[int, str]]:
    """(id, username) of the room's members, by username."""
    rows = await session.execute(
        select(User.id, User.username)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.room_id == room_id)
        .order_by(User.username_key)
    )
    return [(user_id, username) for user_id, username in rows]


async def room_peers(session: AsyncSession, user_id: int) -> list[tuple[int, str]]:
    """(id, username) of everyone who shares a room with the user, the user excluded."""
    shared = select(Membership.user_id).where(Membership.room_id.in_(rooms_of(user_id)), Membership.user_id != user_id)
    rows = await session.execute(select(User.id, User.username).where(User.id.in_(shared)))
    return [(peer_id, username) for peer_id, username in rows]
