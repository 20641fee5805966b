"""Mentions: who a message names (@username, members only), who @room / @here reaches, and what
each member sees of them (a count per room after their read marker, the Mentions view)."""

import re
from collections.abc import Iterable

from sqlalchemy import BindParameter, ColumnElement, Connection, and_, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import Membership, Mention, Message, Room, User

# A name as usernames are spelled (3-32 of [A-Za-z0-9_.-]) after an @ that does not end a word
# or an address: `@bob`, `(@bob)`, but not `me@bob.org`.
_NAME = re.compile(r"(?<![\w@.+-])@([A-Za-z0-9_.-]{3,32})")
EVERYONE_WORDS = ("room", "here")


def named_keys(body: str) -> list[str]:
    """The username keys a body names, in order of first use; a trailing '.' or '-' (the end of
    a sentence) is read both with and without it."""
    keys: dict[str, None] = {}
    for match in _NAME.finditer(body):
        name = match.group(1).casefold()
        if name in EVERYONE_WORDS:
            continue
        keys[name] = None
        trimmed = name.rstrip(".-")
        if trimmed != name and len(trimmed) >= 3:
            keys[trimmed] = None
    return list(keys)


def everyone_word(body: str) -> str | None:
    """ "room" or "here" when the body says @room / @here (room wins), else None."""
    said = {match.group(1).casefold().rstrip(".-") for match in _NAME.finditer(body)}
    return next((word for word in EVERYONE_WORDS if word in said), None)


def members_named(connection: Connection, wanted: dict[int, set[str]]) -> dict[tuple[int, str], int]:
    """(room id, username key) -> user id, for the members of each room among the names wanted:
    one query for a whole group commit."""
    rooms = list(wanted)
    keys = sorted({key for names in wanted.values() for key in names})
    if not keys:
        return {}
    rows = connection.execute(
        select(Membership.room_id, User.username_key, User.id)
        .join(User, User.id == Membership.user_id)
        .where(Membership.room_id.in_(rooms), User.username_key.in_(keys), User.is_active.is_(True))
    )
    return {(room_id, key): user_id for room_id, key, user_id in rows if key in wanted.get(room_id, ())}


def mention_rows(
    message_id: int, room_id: int, named: Iterable[int], reached: Iterable[int]
) -> list[dict[str, object]]:
    """Rows for the mentions table: the named, then whoever else @room / @here reached."""
    named = list(dict.fromkeys(named))
    rows: list[dict[str, object]] = [
        {"message_id": message_id, "user_id": user_id, "room_id": room_id, "everyone": False} for user_id in named
    ]
    already = set(named)
    rows += [
        {"message_id": message_id, "user_id": user_id, "room_id": room_id, "everyone": True}
        for user_id in dict.fromkeys(reached)
        if user_id not in already
    ]
    return rows


def mention_count(user_id: BindParameter[int], marker: ColumnElement[int]) -> ColumnElement[int]:
    """For a room query: the caller's mentions after their read marker, in messages not deleted."""
    return (
        select(func.count())
        .select_from(Mention)
        .join(Message, Message.id == Mention.message_id)
        .where(
            Mention.user_id == user_id,
            Mention.room_id == Room.id,
            Mention.message_id > marker,
            Message.deleted.is_(False),
        )
        .correlate_except(Mention, Message)  # the room and the marker's membership are the outer query's
        .scalar_subquery()
    )


async def named_in(session: AsyncSession, message_ids: list[int]) -> dict[int, list[int]]:
    """Message id -> the ids of the members it names (not those only @room / @here reached)."""
    if not message_ids:
        return {}
    rows = await session.execute(
        select(Mention.message_id, Mention.user_id)
        .where(and_(Mention.message_id.in_(message_ids), Mention.everyone.is_(False)))
        .order_by(Mention.message_id, Mention.user_id)
    )
    found: dict[int, list[int]] = {}
    for message_id, user_id in rows:
        found.setdefault(message_id, []).append(user_id)
    return found
