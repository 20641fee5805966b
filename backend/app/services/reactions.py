"""Reactions: one of each emoji per person per message; every member sees changes live."""

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.database import insert_ignoring_duplicates
from app.errors import Conflict, NotFound
from app.events import ReactionChanged
from app.models import Message, Reaction, User, utcnow
from app.ratelimit import Limit
from app.schemas import MessageOut, ReactorsOut, UserPublic
from app.services.access import member_of_message_room
from app.services.message_queries import AttachmentReader, complete
from app.services.unit_of_work import emit

# Different emoji one person may put on one message: plenty for expression, and it bounds
# what one person can make every member download with each page.
MAX_EMOJI_PER_PERSON = 20


class ReactionService:
    def __init__(self, limit: Limit, files: AttachmentReader) -> None:
        self._files = files
        self._limit = limit  # adding and taking back alike: each change reaches every member

    async def add(self, session: AsyncSession, user: User, message_id: int, emoji: str) -> MessageOut:
        """Idempotent: a second identical reaction changes nothing (and tells no one)."""
        await self._limit.hit((user.id,))
        message, sender = await self._message(session, user, message_id)
        mine = set(
            await session.scalars(
                select(Reaction.emoji).where(Reaction.message_id == message_id, Reaction.user_id == user.id)
            )
        )
        if emoji not in mine and len(mine) >= MAX_EMOJI_PER_PERSON:
            raise Conflict(f"at most {MAX_EMOJI_PER_PERSON} different reactions per person on one message")
        added = await session.execute(
            insert_ignoring_duplicates(session.get_bind().dialect.name, Reaction).values(
                message_id=message_id, user_id=user.id, emoji=emoji, created_at=utcnow()
            )
        )
        return await self._answer(session, user, message, sender, emoji, changed=bool(added.rowcount), added=True)  # type: ignore[attr-defined]

    async def remove(self, session: AsyncSession, user: User, message_id: int, emoji: str) -> MessageOut:
        """Idempotent: removing a reaction that is not there changes nothing."""
        await self._limit.hit((user.id,))
        message, sender = await self._message(session, user, message_id)
        removed = await session.execute(
            delete(Reaction).where(
                Reaction.message_id == message_id, Reaction.user_id == user.id, Reaction.emoji == emoji
            )
        )
        return await self._answer(session, user, message, sender, emoji, changed=bool(removed.rowcount), added=False)  # type: ignore[attr-defined]

    async def who(self, session: AsyncSession, user: User, message_id: int) -> list[ReactorsOut]:
        """Who reacted with each emoji, in order of first use (people in the order they reacted)."""
        await self._message(session, user, message_id)
        rows = await session.execute(
            select(Reaction.emoji, User.id, User.username)
            .join(User, User.id == Reaction.user_id)
            .where(Reaction.message_id == message_id)
            .order_by(Reaction.created_at, Reaction.user_id)
        )
        found: dict[str, list[UserPublic]] = {}
        for emoji, user_id, username in rows:
            found.setdefault(emoji, []).append(UserPublic(id=user_id, username=username))
        return [ReactorsOut(emoji=emoji, users=users) for emoji, users in found.items()]

    async def _message(self, session: AsyncSession, user: User, message_id: int) -> tuple[Message, str]:
        """The message and its sender's name, if the caller is in its room and it is not deleted."""
        row = (
            await session.execute(
                select(Message, User.username)
                .join(User, User.id == Message.sender_id)
                .where(member_of_message_room(user.id))
                .where(Message.id == message_id, Message.deleted.is_(False))
            )
        ).first()
        if row is None:
            raise NotFound("message not found")
        return row[0], row[1]

    async def _answer(
        self,
        session: AsyncSession,
        user: User,
        message: Message,
        sender: str,
        emoji: str,
        *,
        changed: bool,
        added: bool,
    ) -> MessageOut:
        """The message as the caller sees it; if something changed, one frame to the whole room."""
        [out] = await complete(session, [(message, sender)], user.id, self._files)
        if changed:
            who = UserPublic(id=user.id, username=user.username)
            emit(session, ReactionChanged(out, who, emoji, added))
        return out
