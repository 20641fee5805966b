"""Read markers: how far each member has read a room, and how many messages wait after that.

The unread count is one COUNT per room, done by the database over the index on
(room_id, id): a range scan of the messages after the marker, never a load of them."""

from typing import Any

from sqlalchemy import BindParameter, Select, case, func, select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from app.errors import NotFound
from app.events import ReadMarkerMoved
from app.models import Membership, Message, Room, User
from app.ratelimit import Limit
from app.services.access import is_member_of
from app.services.mentions import mention_count
from app.services.unit_of_work import emit


def with_read_state(query: Select[Any], user_id: BindParameter[int]) -> Select[Any]:
    """A room query plus four columns, for the caller: `last_read_id`, `unread_count`,
    `mention_count` (0 in rooms the caller is not in, without counting anything there) and
    `notify` (null there)."""
    mine = aliased(Membership, name="mine")
    marker = func.coalesce(mine.last_read_id, 0)
    unread = (
        select(func.count())
        .select_from(Message)
        .where(
            Message.room_id == Room.id,
            Message.id > marker,
            # The same range again as a row comparison, which only the (room_id, id) index can
            # serve: PostgreSQL's plan for a correlated marker otherwise walks the primary key
            # from the marker on, through every room's newer messages. (SQLite already ranges
            # over (room_id, id) with the two lines above and treats this one as a filter.)
            tuple_(Message.room_id, Message.id) > tuple_(Room.id, marker),
            Message.sender_id != user_id,
            Message.deleted.is_(False),
        )
        .correlate(Room, mine)
        .scalar_subquery()
    )
    return query.outerjoin(mine, (mine.room_id == Room.id) & (mine.user_id == user_id)).add_columns(
        mine.last_read_id.label("last_read_id"),
        case((mine.user_id.is_(None), 0), else_=unread).label("unread_count"),
        case((mine.user_id.is_(None), 0), else_=mention_count(user_id, marker)).label("mention_count"),
        mine.notify.label("notify"),
    )


def newest_message_id(room_id: Any) -> Any:
    """The room's newest message id, as a SQL expression: where a new member's marker starts."""
    return select(func.max(Message.id)).where(Message.room_id == room_id).scalar_subquery()


class ReadStateService:
    def __init__(self, limit: Limit) -> None:
        self._limit = limit

    async def mark_read(self, session: AsyncSession, user: User, room_id: int, message_id: int) -> None:
        """Move the caller's marker forward to `message_id`; never back (an older id is a no-op).

        404 if the caller is not in the room (whether or not it is public) or if the message is
        not one of that room's. The caller's sockets hear of a move with a `read` frame."""
        await self._limit.hit((user.id,))
        if not await is_member_of(session, room_id, user.id):
            raise NotFound("room not found")
        in_room = await session.scalar(select(Message.id).where(Message.id == message_id, Message.room_id == room_id))
        if in_room is None:
            raise NotFound("message not found in this room")
        # One conditional UPDATE: two tabs racing can only ever move the marker forward.
        moved = await session.execute(
            update(Membership)
            .where(
                Membership.room_id == room_id,
                Membership.user_id == user.id,
                func.coalesce(Membership.last_read_id, 0) < message_id,
            )
            .values(last_read_id=message_id)
        )
        if moved.rowcount:  # type: ignore[attr-defined]
            emit(session, ReadMarkerMoved(user.id, room_id, message_id))
