"""How messages are read: plain rows with their sender's name, pages of a room, the replay after
a message id, the newest across the caller's rooms; each statement built once."""

import datetime as dt
from collections.abc import Mapping

from sqlalchemy import Row, Select, bindparam, exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import Membership, Message, User
from app.schemas import MessageOut, Page, ReactionOut, UserPublic
from app.services.access import rooms_of
from app.services.reaction_counts import reactions_for


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


MessageRow = Row[int, int, int, str, str, str | None, dt.datetime, dt.datetime | None, bool]


MessageRows = Select[int, int, int, str, str, str | None, dt.datetime, dt.datetime | None, bool]


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
    ).join(User, User.id == Message.sender_id)


def row_out(row: MessageRow, reactions: list[ReactionOut]) -> MessageOut:
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
) -> Page:
    """One page of messages (one more row than `limit` says whether there are more), with their
    reactions (one more query for the whole page)."""
    rows = (await session.execute(query, {**params, "limit": limit + 1})).all()
    has_more = len(rows) > limit
    rows = rows[:limit]
    reactions = await reactions_for(session, [row[0] for row in rows], viewer_id)
    messages = [row_out(row, reactions.get(row[0], [])) for row in rows]
    if newest_first:
        messages.reverse()
    return Page(messages=messages, has_more=has_more)
