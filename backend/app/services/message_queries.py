"""How messages are read: plain rows with their sender's name, completed with what they carry
(reactions, the message answered, who they name, attachments); pages of a room, the replay after
a message id, the newest across the caller's rooms; each statement built once."""

import datetime as dt
from collections.abc import Collection, Mapping, Sequence
from typing import Any, Protocol

from sqlalchemy import Select, bindparam, exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import Membership, Message, User
from app.schemas import AttachmentOut, MessageOut, Page, ReactionOut, ReplyOut, UserPublic
from app.services.access import rooms_of
from app.services.mentions import named_in
from app.services.reaction_counts import reactions_for

SNIPPET = 200  # characters of a replied-to message shown with the reply


class StoredMessage(Protocol):
    """A message as read: a row of `message_rows()`, or a Message loaded by the ORM."""

    id: int
    room_id: int
    sender_id: int
    body: str
    client_id: str | None
    created_at: dt.datetime
    edited_at: dt.datetime | None
    deleted: bool
    reply_to_id: int | None
    mentions_everyone: bool


class AttachmentReader(Protocol):
    async def attachments_for(
        self, session: AsyncSession, message_ids: list[int]
    ) -> dict[int, list[AttachmentOut]]: ...


MessageRows = Select[int, int, int, str, str, str | None, dt.datetime, dt.datetime | None, bool, int | None, bool]


def message_rows() -> MessageRows:
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
        Message.reply_to_id,
        Message.mentions_everyone,
    ).join(User, User.id == Message.sender_id)


def message_out(
    message: StoredMessage,
    username: str,
    reactions: list[ReactionOut] | None = None,
    reply: ReplyOut | None = None,
    named: list[int] | None = None,
    attachments: list[AttachmentOut] | None = None,
) -> MessageOut:
    """The message as the API shows it; a deleted one keeps its place and nothing else."""
    deleted = message.deleted
    return MessageOut(
        id=message.id,
        room_id=message.room_id,
        sender=UserPublic(id=message.sender_id, username=username),
        body="" if deleted else message.body,
        client_id=message.client_id,
        created_at=message.created_at,
        edited_at=message.edited_at,
        deleted=deleted,
        reactions=[] if deleted or reactions is None else reactions,
        reply_to=reply,
        mentions=[] if deleted or named is None else named,
        mentions_everyone=message.mentions_everyone and not deleted,
        attachments=[] if deleted or attachments is None else attachments,
    )


def row_out(row: Any) -> MessageOut:
    """A `message_rows()` row, alone (no reactions, reply, mentions or attachments read)."""
    return message_out(row, row.username)


def reply_out(row: Any) -> ReplyOut:
    """A `message_rows()` row as the snippet a reply shows of it."""
    return ReplyOut(
        id=row.id,
        sender=UserPublic(id=row.sender_id, username=row.username),
        snippet="" if row.deleted else row.body[:SNIPPET],
        deleted=row.deleted,
    )


async def replies_for(session: AsyncSession, message_ids: Collection[int]) -> dict[int, ReplyOut]:
    if not message_ids:
        return {}
    rows = await session.execute(message_rows().where(Message.id.in_(list(message_ids))))
    return {row.id: reply_out(row) for row in rows}


async def complete(
    session: AsyncSession,
    messages: Sequence[tuple[StoredMessage, str]],
    viewer_id: int | None,
    files: AttachmentReader | None,
) -> list[MessageOut]:
    """(message, sender's name) pairs as the API shows them, with their reactions (`me` for
    `viewer_id`), the messages they answer, who they name and their attachments: one query
    each for the whole list, and none for what no message of it has."""
    ids = [message.id for message, _ in messages]
    reactions = await reactions_for(session, ids, viewer_id)
    replies = await replies_for(session, {m.reply_to_id for m, _ in messages if m.reply_to_id is not None})
    named = await named_in(session, [message.id for message, _ in messages if "@" in message.body])
    attachments = await files.attachments_for(session, ids) if files is not None and ids else {}
    return [
        message_out(
            message,
            username,
            reactions.get(message.id, []),
            replies.get(message.reply_to_id) if message.reply_to_id is not None else None,
            named.get(message.id, []),
            attachments.get(message.id, []),
        )
        for message, username in messages
    ]


def _room_page(*, before: bool, after: bool) -> MessageRows:
    """A page of a room: the newest (descending), or before and/or after a cursor."""
    query = message_rows().where(Message.room_id == bindparam("room_id"))
    if before:
        query = query.where(Message.id < bindparam("before"))
    if after:
        query = query.where(Message.id > bindparam("after")).order_by(Message.id.asc())
    else:
        query = query.order_by(Message.id.desc())
    return query.limit(bindparam("limit"))


# Built once per shape, the values bound per call: building a statement (and its cache key) each
# time cost about as much as running it. Pages of a room, by (before given, after given):
ROOM_PAGES = {
    (before, after): _room_page(before=before, after=after) for before in (False, True) for after in (False, True)
}
# The newest messages after `after` (a socket's `since` replay), newest first.
SINCE = (
    message_rows()
    .where(Message.room_id == bindparam("room_id"), Message.id > bindparam("after"))
    .order_by(Message.id.desc())
    .limit(bindparam("limit"))
)
# The messages after `after` in every room of the caller (`viewer`), oldest first (a /ws `since` replay).
SINCE_ALL = (
    message_rows()
    .where(Message.room_id.in_(rooms_of(bindparam("viewer"))), Message.id > bindparam("after"))
    .order_by(Message.id.asc())
    .limit(bindparam("limit"))
)
# The rooms of the caller (`viewer`) with messages after `after`: one index probe per room.
ROOMS_WITH_NEWER = (
    select(Membership.room_id)
    .where(
        Membership.user_id == bindparam("viewer"),
        exists().where(Message.room_id == Membership.room_id, Message.id > bindparam("after")),
    )
    .order_by(Membership.room_id)
)
# The newest messages of every room the caller (`viewer`) is in.
LATEST = (
    message_rows()
    .where(Message.room_id.in_(rooms_of(bindparam("viewer"))))
    .order_by(Message.id.desc())
    .limit(bindparam("limit"))
)


async def read_page(
    session: AsyncSession,
    query: MessageRows,
    params: Mapping[str, int | None],
    limit: int,
    *,
    newest_first: bool,
    viewer_id: int | None = None,
    files: AttachmentReader | None = None,
) -> Page:
    """One page of messages (one more row than `limit` says whether there are more), completed
    (see `complete`)."""
    rows = (await session.execute(query, {**params, "limit": limit + 1})).all()
    has_more = len(rows) > limit
    rows = rows[:limit]
    messages = await complete(session, [(row, row.username) for row in rows], viewer_id, files)
    if newest_first:
        messages.reverse()
    return Page(messages=messages, has_more=has_more)
