"""The message writer: every send (socket or REST) is stored in a group commit, then published.

One transaction per burst instead of one per message, and still commit before delivery: each
message is published (and each sender answered) only after its group is committed."""

import asyncio
import logging
import sqlite3
from dataclasses import dataclass, field
from functools import lru_cache, partial
from typing import Any, cast

from sqlalchemy import Connection, Dialect, Table, and_, or_, update
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.sql import insert

from app.cancellation import cancel_and_wait
from app.database import DATABASE_DOWN, Transactions
from app.errors import AppError, NotFound, Unavailable
from app.events import EventSink, MessageStored
from app.metrics import MESSAGES_STORED
from app.models import Mention, Message, Upload, utcnow
from app.realtime.presence import Member
from app.schemas import AttachmentOut, MessageOut, ReplyOut
from app.services.mentions import members_named, mention_rows, named_keys
from app.services.message_queries import message_rows, reply_out, row_out
from app.services.publish_order import PublishOrder

log = logging.getLogger(__name__)


@dataclass
class Sent:
    message: MessageOut
    created: bool  # False: a retried client_id, answered with the message already stored


@dataclass(frozen=True)
class Extras:
    """What a message may carry besides its text, checked before it is queued (except `reply_to`,
    checked in the commit: the message answered must be of the same room)."""

    reply_to: int | None = None
    attachments: tuple[AttachmentOut, ...] = ()  # claimed uploads of the sender
    everyone: tuple[int, ...] | None = None  # who @room / @here reaches (None: nobody)


NO_EXTRAS = Extras()


@dataclass
class _Pending:
    room_id: int
    sender: Member
    body: str
    client_id: str | None
    extras: Extras = NO_EXTRAS
    future: asyncio.Future[Sent] = field(default_factory=lambda: asyncio.get_running_loop().create_future())


class MessageWriter:
    """Stores messages in groups: every send waiting while a commit runs goes into the next one."""

    MAX_GROUP = 500  # bounds one transaction's size and the latency of its first message
    # Under load, a group starts at least this long after the one before (PostgreSQL's
    # commit_delay, in effect): more sends per commit, for at most this much more latency. A send
    # to an idle writer is written at once.
    GATHER_SECONDS = 0.002

    def __init__(self, transactions: Transactions, events: EventSink, order: PublishOrder) -> None:
        self._transactions = transactions
        self._events = events
        self._order = order
        self._queue: list[_Pending] = []
        self._wake = asyncio.Event()
        self._idle = asyncio.Event()  # nothing queued, no group being written
        self._idle.set()
        self._task: asyncio.Task[None] | None = None
        self.committed = asyncio.Event()  # set after each group commit: wakes the SQLite search indexer

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="message-writer")

    async def stop(self) -> None:
        await cancel_and_wait(self._task)
        for pending in self._queue:
            _settle(pending.future, Unavailable("server is shutting down"))
        self._transactions.close()

    async def drain(self) -> None:
        """Returns once nothing is queued or being written: every send submitted is stored and
        published (a graceful shutdown waits for this: no group commit in flight is cut)."""
        await self._idle.wait()

    def submit(
        self, room_id: int, sender: Member, body: str, client_id: str | None, extras: Extras = NO_EXTRAS
    ) -> asyncio.Future[Sent]:
        pending = _Pending(room_id, sender, body, client_id, extras)
        self._queue.append(pending)
        self._idle.clear()
        self._wake.set()
        return pending.future

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        started = 0.0  # when the last group began
        while True:
            await self._wake.wait()
            self._wake.clear()
            while self._queue:
                if (wait := started + self.GATHER_SECONDS - loop.time()) > 0:
                    await asyncio.sleep(wait)
                started = loop.time()
                group, self._queue = self._queue[: self.MAX_GROUP], self._queue[self.MAX_GROUP :]
                try:
                    await self._write(group)
                except Exception as exc:  # never let one bad group stop the writer
                    log.exception("message group failed")
                    for pending in group:
                        _settle(pending.future, Unavailable(f"message not stored: {exc}"))
            self._idle.set()

    async def _write(self, group: list[_Pending]) -> None:
        try:
            async with self._order.hold({pending.room_id for pending in group}):
                results = await self._commit(group)
                self.committed.set()
                fresh: dict[int, Sent] = {}
                for pending in group:
                    result = results.get(id(pending))
                    if result is None:
                        _settle(pending.future, NotFound("room not found"))
                        continue
                    if isinstance(result, AppError):
                        _settle(pending.future, result)
                        continue
                    if result.created:
                        fresh[result.message.id] = result
                    _settle(pending.future, result)
                # Together: a room's messages of one group reach each of its sockets in one write.
                await self._events.publish_all([MessageStored(sent.message) for _, sent in sorted(fresh.items())])
                MESSAGES_STORED.inc(len(fresh))
        except DATABASE_DOWN as exc:
            log.warning("database unavailable, %d message(s) not stored: %s", len(group), exc)
            for pending in group:
                _settle(pending.future, Unavailable("database unavailable, message not stored"))

    async def _commit(self, group: list[_Pending]) -> dict[int, Sent | AppError]:
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
            results: dict[int, Sent | AppError] = {}
            for pending in group:
                try:
                    results.update(await self._transactions.run(partial(_store, group=[pending])))
                except IntegrityError:
                    results.update(await self._transactions.run(partial(_existing, group=[pending])))
            return results


def _existing(connection: Connection, group: list[_Pending]) -> dict[int, Sent | AppError]:
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
    found: dict[int, Sent | AppError] = {}
    for pending in group:
        row = stored.get((pending.sender.id, pending.client_id))
        if row is not None:
            out = row_out(row)
            found[id(pending)] = Sent(out, False)
    return found


def _store(connection: Connection, group: list[_Pending], look_up_retries: bool = True) -> dict[int, Sent | AppError]:
    """Stores a group's new messages (one INSERT ... RETURNING), with their mentions, replies and
    attachments; retried client_ids, in the database (unless `look_up_retries` is off: then the
    unique key fails the INSERT) or twice in the group, are answered with the message stored first."""
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
    replies = _replies(connection, new)
    for pending in list(new):
        reply_to = pending.extras.reply_to
        if reply_to is not None and (replies.get(reply_to) is None or replies[reply_to][0] != pending.room_id):
            results[id(pending)] = NotFound("reply_to: no such message in this room")
            new.remove(pending)
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
                "reply_to_id": p.extras.reply_to,
                "mentions_everyone": p.extras.everyone is not None,
            }
            for p in new
        ]
        # A room deleted meanwhile fails its foreign key, and MessageWriter._commit stores the
        # group one by one to find it.
        stored = list(zip(new, _insert_messages(connection, rows), strict=True))
        named = _mentions(connection, stored)
        _attach(connection, stored)
        for pending, message_id in stored:
            reply = replies.get(pending.extras.reply_to) if pending.extras.reply_to is not None else None
            out = MessageOut(
                id=message_id,
                room_id=pending.room_id,
                sender=pending.sender.public(),
                body=pending.body,
                client_id=pending.client_id,
                created_at=now,
                edited_at=None,
                deleted=False,
                reply_to=reply[1] if reply else None,
                mentions=named.get(message_id, []),
                mentions_everyone=pending.extras.everyone is not None,
                attachments=list(pending.extras.attachments),
            )
            results[id(pending)] = Sent(out, True)
    for pending in group:
        if id(pending) not in results and pending.client_id is not None:
            first = first_of.get((pending.sender.id, pending.client_id))
            if first is not None and isinstance(results.get(id(first)), Sent):
                duplicate = results[id(first)]
                assert isinstance(duplicate, Sent)
                results[id(pending)] = Sent(duplicate.message, False)
    return results


_MESSAGES = cast(Table, Message.__table__)
# The columns a new message sets (the rows `_store` makes).
_NEW_MESSAGE_COLUMNS = (
    "room_id",
    "sender_id",
    "body",
    "client_id",
    "created_at",
    "deleted",
    "reply_to_id",
    "mentions_everyone",
)


@lru_cache(maxsize=4)  # one dialect per engine: a handful in a test process
def _sqlite_insert(dialect: Dialect) -> tuple[str, list[tuple[str, Any]]]:
    """One new message's INSERT as SQLAlchemy compiles it for this dialect, and each placeholder's
    column with its bind processor (a timestamp becomes the text SQLAlchemy writes everywhere else)."""
    compiled = insert(_MESSAGES).compile(dialect=dialect, column_keys=list(_NEW_MESSAGE_COLUMNS))
    assert compiled.positiontup is not None
    types = {name: _MESSAGES.c[name].type.dialect_impl(dialect) for name in compiled.positiontup}
    return str(compiled), [(name, type_.bind_processor(dialect)) for name, type_ in types.items()]


def _insert_messages(connection: Connection, rows: list[dict[str, Any]]) -> list[int]:
    """Inserts the rows; their ids, in order."""
    if connection.dialect.name != "sqlite":  # Core, not the ORM: one INSERT ... RETURNING
        returning = insert(_MESSAGES).returning(_MESSAGES.c.id, sort_by_parameter_order=True)
        return list(connection.execute(returning, rows).scalars())
    # SQLite: one prepared INSERT per row on the driver's own connection, in the transaction
    # SQLAlchemy began (the id is the cursor's lastrowid). SQLAlchemy's INSERT ... RETURNING for
    # a group cost about 70 µs more per group, and 10 more per message, than SQLite's own work.
    sql, columns = _sqlite_insert(connection.dialect)
    driver = connection.connection.driver_connection
    assert driver is not None
    cursor = driver.cursor()
    ids = []
    try:
        for row in rows:
            cursor.execute(sql, [row[name] if process is None else process(row[name]) for name, process in columns])
            ids.append(cursor.lastrowid)
    except sqlite3.Error as exc:  # as SQLAlchemy raises it: IntegrityError, OperationalError (busy)...
        raise DBAPIError.instance(sql, None, exc, sqlite3.Error) from exc
    finally:
        cursor.close()
    return ids


def _replies(connection: Connection, group: list[_Pending]) -> dict[int, tuple[int, ReplyOut]]:
    """The messages the group answers: id -> (its room, its snippet)."""
    ids = {p.extras.reply_to for p in group if p.extras.reply_to is not None}
    if not ids:
        return {}
    rows = connection.execute(message_rows().where(Message.id.in_(ids)))
    return {row.id: (row.room_id, reply_out(row)) for row in rows}


def _mentions(connection: Connection, stored: list[tuple[_Pending, int]]) -> dict[int, list[int]]:
    """Records who each new message names or reaches; message id -> the members it names."""
    wanted: dict[int, set[str]] = {}
    keys_of: dict[int, list[str]] = {}
    for pending, message_id in stored:
        if "@" in pending.body and (keys := named_keys(pending.body)):
            keys_of[message_id] = keys
            wanted.setdefault(pending.room_id, set()).update(keys)
    members = members_named(connection, wanted)
    named: dict[int, list[int]] = {}
    rows: list[dict[str, object]] = []
    for pending, message_id in stored:
        keys = keys_of.get(message_id, [])
        ids = sorted(
            {members[pending.room_id, key] for key in keys if (pending.room_id, key) in members} - {pending.sender.id}
        )
        reached = [user for user in pending.extras.everyone or [] if user != pending.sender.id]
        if ids:
            named[message_id] = ids
        rows += mention_rows(message_id, pending.room_id, ids, reached)
    if rows:
        connection.execute(insert(Mention), rows)
    return named


def _attach(connection: Connection, stored: list[tuple[_Pending, int]]) -> None:
    """Links each message's claimed uploads to it. An upload sent meanwhile by another message
    of the sender fails the group (a unique-key failure, so the group is stored one by one)."""
    for pending, message_id in stored:
        for attachment in pending.extras.attachments:
            linked = connection.execute(
                update(Upload)
                .where(Upload.id == attachment.id, Upload.message_id.is_(None))
                .values(message_id=message_id)
            )
            if linked.rowcount != 1:
                raise IntegrityError("uploads.message_id", {"id": attachment.id}, Exception("upload already sent"))


def _settle(future: asyncio.Future[Sent], outcome: Sent | BaseException) -> None:
    """Answer a send, unless its caller stopped waiting (a REST client that went away)."""
    if future.done():
        return
    if isinstance(outcome, BaseException):
        future.set_exception(outcome)
    else:
        future.set_result(outcome)
