"""Messages: the one send path (socket or REST), group commit, history, edits and deletions."""

import asyncio
import contextlib
import datetime as dt
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import partial

from sqlalchemy import Connection, Row, Select, Table, and_, bindparam, or_, select, update
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import insert

from app.database import Transactions
from app.errors import Forbidden, InvalidInput, NotFound, Unavailable
from app.metrics import MESSAGES_STORED
from app.models import Membership, Message, Role, User, utcnow
from app.ratelimit import RateLimits
from app.realtime.broker import Broker, Event
from app.realtime.frames import MessageDeleted, MessageFrame, MessageUpdated, encode
from app.realtime.presence import Member
from app.schemas import MessageOut, Page, ReactionOut, UserPublic
from app.services.ordering import PublishOrder
from app.services.reaction_counts import for_everyone, reactions_for

log = logging.getLogger(__name__)

DATABASE_DOWN = (DBAPIError, OSError, ConnectionError, TimeoutError)


def message_out(message: Message, username: str, reactions: list[ReactionOut] | None = None) -> MessageOut:
    return MessageOut(
        id=message.id,
        room_id=message.room_id,
        sender=UserPublic(id=message.sender_id, username=username),
        body="" if message.deleted else message.body,
        client_id=message.client_id,
        created_at=message.created_at,
        edited_at=message.edited_at,
        deleted=message.deleted,
        reactions=[] if message.deleted or reactions is None else reactions,
    )


def clean_body(body: str, max_length: int) -> str:
    body = body.strip()
    if not body:
        raise InvalidInput("message body is blank")
    if len(body) > max_length:
        raise InvalidInput(f"message body is longer than {max_length} characters")
    return body


@dataclass
class Sent:
    message: MessageOut
    created: bool  # False: a retried client_id, answered with the message already stored
    frame: str  # the `message` frame, serialised once for every socket


@dataclass
class _Pending:
    room_id: int
    sender: Member
    body: str
    client_id: str | None
    future: asyncio.Future[Sent] = field(default_factory=lambda: asyncio.get_running_loop().create_future())


class MessageWriter:
    """Stores messages in groups: every send waiting while a commit runs goes into the next one.

    One transaction per burst instead of one per message, and still commit before delivery:
    each message is published (and each sender answered) only after its group is committed."""

    MAX_GROUP = 500  # bounds one transaction's size and the latency of its first message

    def __init__(self, transactions: Transactions, broker: Broker, order: PublishOrder) -> None:
        self._transactions = transactions
        self._broker = broker
        self._order = order
        self._queue: list[_Pending] = []
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="message-writer")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        for pending in self._queue:
            _settle(pending.future, Unavailable("server is shutting down"))
        self._transactions.close()

    def submit(self, room_id: int, sender: Member, body: str, client_id: str | None) -> asyncio.Future[Sent]:
        pending = _Pending(room_id, sender, body, client_id)
        self._queue.append(pending)
        self._wake.set()
        return pending.future

    async def _run(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            while self._queue:
                group, self._queue = self._queue[: self.MAX_GROUP], self._queue[self.MAX_GROUP :]
                try:
                    await self._write(group)
                except Exception as exc:  # never let one bad group stop the writer
                    log.exception("message group failed")
                    for pending in group:
                        _settle(pending.future, Unavailable(f"message not stored: {exc}"))

    async def _write(self, group: list[_Pending]) -> None:
        try:
            async with self._order.hold({pending.room_id for pending in group}):
                results = await self._commit(group)
                fresh: dict[int, Sent] = {}
                for pending in group:
                    result = results.get(id(pending))
                    if result is None:
                        _settle(pending.future, NotFound("room not found"))
                        continue
                    if result.created:
                        fresh[result.message.id] = result
                    _settle(pending.future, result)
                for _, sent in sorted(fresh.items()):
                    await self._broker.publish(
                        Event("room", room_id=sent.message.room_id, frame=sent.frame, message_id=sent.message.id)
                    )
                MESSAGES_STORED.inc(len(fresh))
        except DATABASE_DOWN as exc:
            log.warning("database unavailable, %d message(s) not stored: %s", len(group), exc)
            for pending in group:
                _settle(pending.future, Unavailable("database unavailable, message not stored"))

    async def _commit(self, group: list[_Pending]) -> dict[int, Sent]:
        # Optimistic first: most sends are new, and the unique (sender, client_id) key catches
        # a retry of a stored one; only then is the group checked against what is stored.
        try:
            return await self._transactions.run(partial(_store, group=group, look_up_retries=False))
        except IntegrityError:
            pass
        try:
            return await self._transactions.run(partial(_store, group=group))
        except IntegrityError:
            # A rare race (room deleted meanwhile, a client_id stored by another process):
            # store one by one so only the offending send fails.
            results: dict[int, Sent] = {}
            for pending in group:
                try:
                    results.update(await self._transactions.run(partial(_store, group=[pending])))
                except IntegrityError:
                    results.update(await self._transactions.run(partial(_existing, group=[pending])))
            return results


def _existing(connection: Connection, group: list[_Pending]) -> dict[int, Sent]:
    """Sends whose (sender, client_id) is stored already, answered with that message."""
    by_sender: dict[int, set[str]] = {}
    for pending in group:
        if pending.client_id is not None:
            by_sender.setdefault(pending.sender.id, set()).add(pending.client_id)
    if not by_sender:
        return {}
    # One (sender_id = ? AND client_id IN (...)) per sender: both databases answer it from the
    # unique index, where a row-value IN ((s, c), ...) makes SQLite scan the whole table.
    per_sender = [and_(Message.sender_id == sender, Message.client_id.in_(ids)) for sender, ids in by_sender.items()]
    rows = connection.execute(_message_rows().where(or_(*per_sender)))
    stored = {(row.sender_id, row.client_id): row for row in rows}
    found: dict[int, Sent] = {}
    for pending in group:
        row = stored.get((pending.sender.id, pending.client_id))
        if row is not None:
            out = _row_out(row, [])
            found[id(pending)] = Sent(out, False, encode(MessageFrame(message=out)))
    return found


def _store(connection: Connection, group: list[_Pending], look_up_retries: bool = True) -> dict[int, Sent]:
    """Stores a group's new messages (one INSERT ... RETURNING); retried client_ids, in the
    database (unless `look_up_retries` is off: then the unique key fails the INSERT) or twice
    in the group, are answered with the message stored first."""
    results = _existing(connection, group) if look_up_retries else {}
    new: list[_Pending] = []
    first_of: dict[tuple[int, str], _Pending] = {}
    for pending in group:
        if id(pending) in results:
            continue
        if pending.client_id is not None:
            key = (pending.sender.id, pending.client_id)
            if key in first_of:
                continue  # the same send twice in one group: answered with the first
            first_of[key] = pending
        new.append(pending)
    if new:
        now = utcnow()
        rows = [
            {
                "room_id": p.room_id,
                "sender_id": p.sender.id,
                "body": p.body,
                "client_id": p.client_id,
                "created_at": now,
                "deleted": False,
            }
            for p in new
        ]
        # Core, not the ORM. A room deleted meanwhile fails its foreign key, and
        # MessageWriter._commit stores the group one by one to find it.
        table = Message.__table__
        assert isinstance(table, Table)
        inserted = connection.execute(insert(table).returning(table.c.id, sort_by_parameter_order=True), rows)
        for pending, message_id in zip(new, inserted.scalars().all(), strict=True):
            out = MessageOut(
                id=message_id,
                room_id=pending.room_id,
                sender=pending.sender.public(),
                body=pending.body,
                client_id=pending.client_id,
                created_at=now,
                edited_at=None,
                deleted=False,
            )
            results[id(pending)] = Sent(out, True, encode(MessageFrame(message=out)))
    for pending in group:
        if id(pending) not in results and pending.client_id is not None:
            first = first_of.get((pending.sender.id, pending.client_id))
            if first is not None and id(first) in results:
                duplicate = results[id(first)]
                results[id(pending)] = Sent(duplicate.message, False, duplicate.frame)
    return results


class MessageService:
    """What routes and sockets call; SQL and publishing live here, never in routes."""

    def __init__(
        self, writer: MessageWriter, broker: Broker, limits: RateLimits, max_length: int, replay_limit: int
    ) -> None:
        self.writer = writer
        self._broker = broker
        self._sends = limits.message
        self._edits = limits.edit  # edits and deletions
        self._max_length = max_length
        self.replay_limit = replay_limit

    async def send(self, room_id: int, sender: Member, body: str, client_id: str | None) -> asyncio.Future[Sent]:
        """Validate, rate-limit and queue for storage; the future resolves after the commit.

        Awaiting it only waits for the rate limit (Redis, when the count is shared; nothing when
        the limit is off): the message is queued when it returns."""
        body = clean_body(body, self._max_length)
        if self._sends.enabled:
            await self._sends.hit((sender.id,))
        return self.writer.submit(room_id, sender, body, client_id)

    async def history(
        self,
        session: AsyncSession,
        room_id: int,
        before: int | None,
        after: int | None,
        limit: int,
        viewer_id: int | None = None,
    ) -> Page:
        query = _ROOM_PAGES[before is not None, after is not None]
        params = {"room_id": room_id, "before": before, "after": after}
        return await _page(session, query, params, limit, newest_first=after is None, viewer_id=viewer_id)

    async def latest(self, session: AsyncSession, user: User, limit: int) -> Page:
        return await _page(session, _LATEST, {"viewer": user.id}, limit, newest_first=True, viewer_id=user.id)

    async def since(self, session: AsyncSession, room_id: int, after: int) -> tuple[list[MessageOut], bool]:
        """Messages after `after`, oldest first: the newest `replay_limit`, and True if more were missed."""
        params = {"room_id": room_id, "after": after}
        page = await _page(session, _SINCE, params, self.replay_limit, newest_first=True)
        return page.messages, page.has_more

    async def edit(self, session: AsyncSession, user: User, message_id: int, body: str) -> MessageOut:
        await self._edits.hit((user.id,))  # each edit reaches every member: counted like a send
        message = await self._visible(session, user, message_id)
        if message.sender_id != user.id:
            raise Forbidden("only the sender can edit a message")
        if message.deleted:
            raise NotFound("message not found")
        message.body = clean_body(body, self._max_length)
        message.edited_at = utcnow()
        await session.commit()
        reactions = await reactions_for(session, [message.id], user.id)
        out = message_out(message, user.username, reactions.get(message.id, []))
        frame = encode(MessageUpdated(message=for_everyone(out)))
        await self._broker.publish(Event("room", room_id=out.room_id, frame=frame))
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
        await session.commit()
        frame = encode(MessageDeleted(message_id=message_id, room_id=message.room_id))
        await self._broker.publish(Event("room", room_id=message.room_id, frame=frame))

    async def _visible(self, session: AsyncSession, user: User, message_id: int) -> Message:
        """The message, if the caller is in its room (admins: any message); otherwise 404."""
        query = select(Message).where(Message.id == message_id)
        if user.role != Role.admin:
            query = query.join(Membership, (Membership.room_id == Message.room_id) & (Membership.user_id == user.id))
        message = await session.scalar(query)
        if message is None:
            raise NotFound("message not found")
        return message


def _settle(future: asyncio.Future[Sent], outcome: Sent | Exception) -> None:
    """Answer a send, unless its caller stopped waiting (a REST client that went away)."""
    if future.done():
        return
    if isinstance(outcome, Exception):
        future.set_exception(outcome)
    else:
        future.set_result(outcome)


MessageRow = Row[int, int, int, str, str, str | None, dt.datetime, dt.datetime | None, bool]


MessageRows = Select[int, int, int, str, str, str | None, dt.datetime, dt.datetime | None, bool]


def _message_rows() -> MessageRows:
    """Messages as plain rows with their sender's name: a page is read, never changed, so it
    skips the ORM's identity map and change tracking (several times cheaper per row)."""
    return select(
        Message.id,
        Message.room_id,
        Message.sender_id,
        User.username,
        Message.body,
        Message.client_id,
        Message.created_at,
        Message.edited_at,
        Message.deleted,
    ).join(User, User.id == Message.sender_id)


def _row_out(row: MessageRow, reactions: list[ReactionOut]) -> MessageOut:
    message_id, room_id, sender_id, username, body, client_id, created_at, edited_at, deleted = row
    return MessageOut(
        id=message_id,
        room_id=room_id,
        sender=UserPublic(id=sender_id, username=username),
        body="" if deleted else body,
        client_id=client_id,
        created_at=created_at,
        edited_at=edited_at,
        deleted=deleted,
        reactions=[] if deleted else reactions,
    )


def _room_page(*, before: bool, after: bool) -> MessageRows:
    """A page of a room: the newest (descending), or before and/or after a cursor."""
    query = _message_rows().where(Message.room_id == bindparam("room_id"))
    if before:
        query = query.where(Message.id < bindparam("before"))
    if after:
        query = query.where(Message.id > bindparam("after")).order_by(Message.id.asc())
    else:
        query = query.order_by(Message.id.desc())
    return query.limit(bindparam("limit"))


# Built once per shape, the values bound per call: building a statement (and its cache key) each
# time cost about as much as running it. Pages of a room, by (before given, after given):
_ROOM_PAGES = {
    (before, after): _room_page(before=before, after=after) for before in (False, True) for after in (False, True)
}
# The newest messages after `after` (a socket's `since` replay), newest first.
_SINCE = (
    _message_rows()
    .where(Message.room_id == bindparam("room_id"), Message.id > bindparam("after"))
    .order_by(Message.id.desc())
    .limit(bindparam("limit"))
)
# The newest messages of every room the caller (`viewer`) is in.
_LATEST = (
    _message_rows()
    .where(Message.room_id.in_(select(Membership.room_id).where(Membership.user_id == bindparam("viewer"))))
    .order_by(Message.id.desc())
    .limit(bindparam("limit"))
)


async def _page(
    session: AsyncSession,
    query: MessageRows,
    params: Mapping[str, int | None],
    limit: int,
    *,
    newest_first: bool,
    viewer_id: int | None = None,
) -> Page:
    """One page of messages (one more row than `limit` says whether there are more), with their
    reactions (one more query for the whole page)."""
    rows = (await session.execute(query, {**params, "limit": limit + 1})).all()
    has_more = len(rows) > limit
    rows = rows[:limit]
    reactions = await reactions_for(session, [row[0] for row in rows], viewer_id)
    messages = [_row_out(row, reactions.get(row[0], [])) for row in rows]
    if newest_first:
        messages.reverse()
    return Page(messages=messages, has_more=has_more)
