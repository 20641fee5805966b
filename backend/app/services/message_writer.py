"""The message writer: every send (socket or REST) is stored in a group commit, then published.

One transaction per burst instead of one per message, and still commit before delivery: each
message is published (and each sender answered) only after its group is committed."""

import asyncio
import contextlib
import logging
from dataclasses import dataclass, field
from functools import partial

from sqlalchemy import Connection, Table, and_, or_
from sqlalchemy.exc import IntegrityError
from sqlalchemy.sql import insert

from app.database import DATABASE_DOWN, Transactions
from app.errors import NotFound, Unavailable
from app.events import EventSink, MessageStored
from app.metrics import MESSAGES_STORED
from app.models import Message, utcnow
from app.realtime.presence import Member
from app.schemas import MessageOut
from app.services.message_queries import message_rows, row_out
from app.services.publish_order import PublishOrder

log = logging.getLogger(__name__)


@dataclass
class Sent:
    message: MessageOut
    created: bool  # False: a retried client_id, answered with the message already stored


@dataclass
class _Pending:
    room_id: int
    sender: Member
    body: str
    client_id: str | None
    future: asyncio.Future[Sent] = field(default_factory=lambda: asyncio.get_running_loop().create_future())


class MessageWriter:
    """Stores messages in groups: every send waiting while a commit runs goes into the next one."""

    MAX_GROUP = 500  # bounds one transaction's size and the latency of its first message

    def __init__(self, transactions: Transactions, events: EventSink, order: PublishOrder) -> None:
        self._transactions = transactions
        self._events = events
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
                    await self._events.publish(MessageStored(sent.message))
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
    rows = connection.execute(message_rows().where(or_(*per_sender)))
    stored = {(row.sender_id, row.client_id): row for row in rows}
    found: dict[int, Sent] = {}
    for pending in group:
        row = stored.get((pending.sender.id, pending.client_id))
        if row is not None:
            out = row_out(row, [])
            found[id(pending)] = Sent(out, False)
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
            results[id(pending)] = Sent(out, True)
    for pending in group:
        if id(pending) not in results and pending.client_id is not None:
            first = first_of.get((pending.sender.id, pending.client_id))
            if first is not None and id(first) in results:
                duplicate = results[id(first)]
                results[id(pending)] = Sent(duplicate.message, False)
    return results


def _settle(future: asyncio.Future[Sent], outcome: Sent | Exception) -> None:
    """Answer a send, unless its caller stopped waiting (a REST client that went away)."""
    if future.done():
        return
    if isinstance(outcome, Exception):
        future.set_exception(outcome)
    else:
        future.set_result(outcome)
