"""Reactions as a message shows them: one grouped query for a whole page of messages."""

from collections.abc import Collection

from sqlalchemy import Select, bindparam, case, false, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import Reaction
from app.schemas import ReactionOut


def _counts(with_mine: bool) -> Select[int, str, int, int]:
    mine = func.max(case((Reaction.user_id == bindparam("viewer"), 1), else_=0)) if with_mine else false()
    return (
        select(Reaction.message_id, Reaction.emoji, func.count(), mine)
        .where(Reaction.message_id.in_(bindparam("ids", expanding=True)))
        .group_by(Reaction.message_id, Reaction.emoji)
        .order_by(Reaction.message_id, func.min(Reaction.created_at), Reaction.emoji)
    )


# Built once (see services/messages.py): with and without the viewer's own `me` flags.
_COUNTS, _COUNTS_AND_MINE = _counts(with_mine=False), _counts(with_mine=True)


async def reactions_for(
    session: AsyncSession, message_ids: Collection[int], viewer_id: int | None
) -> dict[int, list[ReactionOut]]:
    """Each message's reactions, emoji in order of first use, `me` for `viewer_id` (None: no one).

    One query per page, served by the primary key (message_id, emoji, user_id)."""
    if not message_ids:
        return {}
    query = _COUNTS if viewer_id is None else _COUNTS_AND_MINE
    rows = await session.execute(query, {"ids": list(set(message_ids)), "viewer": viewer_id})
    found: dict[int, list[ReactionOut]] = {}
    for message_id, emoji, count, me in rows:
        found.setdefault(message_id, []).append(ReactionOut(emoji=emoji, count=count, me=bool(me)))
    return found
