"""What a member is told about: their notification setting per room (stored, so every device
follows it) and the Mentions view, their recent mentions across rooms."""

from sqlalchemy import bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.errors import NotFound
from app.events import NotifyChanged
from app.models import Membership, Mention, Message, User
from app.ratelimit import Limit
from app.schemas import NotifyLevel, Page
from app.services.message_queries import AttachmentReader, complete, message_rows
from app.services.unit_of_work import emit

# The caller's mentions, newest first, in rooms they are still in; `before` pages back.
_MENTIONS = (
    message_rows()
    .join(Mention, Mention.message_id == Message.id)
    .join(Membership, (Membership.room_id == Message.room_id) & (Membership.user_id == Mention.user_id))
    .where(Mention.user_id == bindparam("viewer"), Message.id < bindparam("before"), Message.deleted.is_(False))
    .order_by(Mention.message_id.desc())
    .limit(bindparam("limit"))
)


class NotificationService:
    def __init__(self, limit: Limit, files: AttachmentReader) -> None:
        self._limit = limit
        self._files = files

    async def set_level(self, session: AsyncSession, user: User, room_id: int, level: NotifyLevel) -> None:
        """404 unless the caller is a member; the caller's sockets hear of a change (`notify`)."""
        await self._limit.hit((user.id,))
        member = await session.scalar(
            select(Membership.notify).where(Membership.room_id == room_id, Membership.user_id == user.id)
        )
        if member is None:
            raise NotFound("room not found")
        if member == level:
            return
        await session.execute(
            update(Membership).where(Membership.room_id == room_id, Membership.user_id == user.id).values(notify=level)
        )
        emit(session, NotifyChanged(user.id, room_id, level))

    async def mentions(self, session: AsyncSession, user: User, before: int | None, limit: int) -> Page:
        """The caller's mentions (named, or reached by @room / @here), newest first."""
        params = {"viewer": user.id, "before": before if before is not None else 2**63 - 1, "limit": limit + 1}
        rows = (await session.execute(_MENTIONS, params)).all()
        messages = await complete(session, [(row, row.username) for row in rows[:limit]], user.id, self._files)
        return Page(messages=messages, has_more=len(rows) > limit)
