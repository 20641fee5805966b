"""Messages: validation and rate limits of the one send path, history, edits and deletions."""

import asyncio
from collections.abc import Callable, Sequence
from typing import Protocol

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.errors import Forbidden, InvalidInput, NotFound
from app.events import MessageDeleted, MessageEdited
from app.models import Membership, Message, Role, Room, User, utcnow
from app.ratelimit import RateLimits
from app.realtime.presence import Member
from app.schemas import AttachmentOut, MessageOut, Page
from app.services.access import member_of_message_room
from app.services.mentions import everyone_word
from app.services.message_queries import (
    LATEST,
    ROOM_PAGES,
    ROOMS_WITH_NEWER,
    SINCE,
    SINCE_ALL,
    AttachmentReader,
    complete,
    read_page,
)
from app.services.message_writer import NO_EXTRAS, Extras, MessageWriter, Sent
from app.services.rooms import OnlineAmong
from app.services.unit_of_work import emit


class Uploads(AttachmentReader, Protocol):
    """What messages need of the uploads (app/services/files.py)."""

    async def claim(
        self, session: AsyncSession, user_id: int, room_id: int, upload_ids: list[int]
    ) -> list[AttachmentOut]: ...

    async def forget_message(self, session: AsyncSession, message_id: int) -> None: ...


def clean_body(body: str, max_length: int) -> str:
    body = body.strip()
    if not body:
        raise InvalidInput("message body is blank")
    if len(body) > max_length:
        raise InvalidInput(f"message body is longer than {max_length} characters")
    return body


# In a room of more members than this, only its owner and admins may notify everyone at once.
EVERYONE_LIMIT = 50


class MessageService:
    """What routes and sockets call for messages; SQL and events live in services, never in routes."""

    def __init__(
        self,
        writer: MessageWriter,
        limits: RateLimits,
        max_length: int,
        replay_limit: int,
        sessions: Callable[[], AsyncSession],
        files: Uploads,
        online_among: OnlineAmong,
    ) -> None:
        self.writer = writer
        self._sends = limits.message
        self._edits = limits.edit  # edits and deletions
        self._max_length = max_length
        self.replay_limit = replay_limit
        self._sessions = sessions
        self._files = files
        self._online_among = online_among

    async def send(
        self,
        room_id: int,
        sender: Member,
        body: str,
        client_id: str | None,
        reply_to: int | None = None,
        attachments: Sequence[int] = (),
    ) -> asyncio.Future[Sent]:
        """Validate, rate-limit and queue for storage; the future resolves after the commit.

        Awaiting it only waits for the rate limit (Redis, when the count is shared; nothing when
        the limit is off) and, for a message that has attachments or says @room / @here, one
        short read: the message is queued when it returns."""
        body = clean_body(body, self._max_length)
        if self._sends.enabled:
            await self._sends.hit((sender.id,))
        extras = await self._extras(room_id, sender, body, reply_to, attachments)
        return self.writer.submit(room_id, sender, body, client_id, extras)

    async def _extras(
        self, room_id: int, sender: Member, body: str, reply_to: int | None, attachment_ids: Sequence[int]
    ) -> Extras:
        word = everyone_word(body) if "@" in body else None
        if word is None and not attachment_ids:
            return Extras(reply_to=reply_to) if reply_to is not None else NO_EXTRAS  # most messages: no query
        async with self._sessions() as db:
            claimed = await self._files.claim(db, sender.id, room_id, list(attachment_ids)) if attachment_ids else []
            everyone = await self._everyone(db, room_id, sender.id, word) if word is not None else None
        return Extras(reply_to, tuple(claimed), tuple(everyone) if everyone is not None else None)

    async def _everyone(self, db: AsyncSession, room_id: int, sender_id: int, word: str) -> list[int]:
        """Who @room (every member) or @here (every member online) reaches, if the sender may."""
        members = list(await db.scalars(select(Membership.user_id).where(Membership.room_id == room_id)))
        if len(members) > EVERYONE_LIMIT:
            owner = await db.scalar(select(Room.owner_id).where(Room.id == room_id))
            role = await db.scalar(select(User.role).where(User.id == sender_id))
            if sender_id != owner and role != Role.admin:
                limit = f"in a room of over {EVERYONE_LIMIT} members"
                raise Forbidden(f"@{word}: {limit}, only its owner or an admin may notify everyone")
        if word == "here":
            online = await self._online_among(members)
            return [member for member in members if member in online]
        return members

    async def history(
        self,
        session: AsyncSession,
        room_id: int,
        before: int | None,
        after: int | None,
        limit: int,
        viewer_id: int | None = None,
    ) -> Page:
        query = ROOM_PAGES[before is not None, after is not None]
        params = {"room_id": room_id, "before": before, "after": after}
        return await read_page(
            session, query, params, limit, newest_first=after is None, viewer_id=viewer_id, files=self._files
        )

    async def latest(self, session: AsyncSession, user: User, limit: int) -> Page:
        return await read_page(
            session, LATEST, {"viewer": user.id}, limit, newest_first=True, viewer_id=user.id, files=self._files
        )

    async def since(self, session: AsyncSession, room_id: int, after: int) -> tuple[list[MessageOut], bool]:
        """Messages after `after`, oldest first: the newest `replay_limit`, and True if more were missed."""
        params = {"room_id": room_id, "after": after}
        page = await read_page(session, SINCE, params, self.replay_limit, newest_first=True, files=self._files)
        return page.messages, page.has_more

    async def since_in_rooms(
        self, session: AsyncSession, user_id: int, after: int
    ) -> tuple[list[MessageOut], list[int]]:
        """Messages after `after` in every room of the user, oldest first; or, when more than
        `replay_limit` were missed, none and the rooms whose history to fetch instead."""
        params = {"viewer": user_id, "after": after}
        page = await read_page(session, SINCE_ALL, params, self.replay_limit, newest_first=False, files=self._files)
        if not page.has_more:
            return page.messages, []
        return [], list(await session.scalars(ROOMS_WITH_NEWER, params))

    async def edit(self, session: AsyncSession, user: User, message_id: int, body: str) -> MessageOut:
        await self._edits.hit((user.id,))  # each edit reaches every member: counted like a send
        message = await self._visible(session, user, message_id)
        if message.sender_id != user.id:
            raise Forbidden("only the sender can edit a message")
        if message.deleted:
            raise NotFound("message not found")
        message.body = clean_body(body, self._max_length)
        message.edited_at = utcnow()
        await session.flush()
        [out] = await complete(session, [(message, user.username)], user.id, self._files)
        emit(session, MessageEdited(out))
        return out

    async def delete(self, session: AsyncSession, user: User, message_id: int) -> None:
        await self._edits.hit((user.id,))
        message = await self._visible(session, user, message_id)
        if message.sender_id != user.id and user.role != Role.admin:
            raise Forbidden("only the sender or an admin can delete a message")
        if message.deleted:
            return
        # Soft delete that erases the text: history keeps the place, not the words.
        await session.execute(
            update(Message).where(Message.id == message_id).values(deleted=True, body="", edited_at=utcnow())
        )
        await self._files.forget_message(session, message_id)  # its files go with it
        emit(session, MessageDeleted(message.room_id, message_id))

    async def _visible(self, session: AsyncSession, user: User, message_id: int) -> Message:
        """The message, if the caller is in its room (admins: any message); otherwise 404."""
        query = select(Message).where(Message.id == message_id)
        if user.role != Role.admin:
            query = query.where(member_of_message_room(user.id))
        message = await session.scalar(query)
        if message is None:
            raise NotFound("message not found")
        return message
