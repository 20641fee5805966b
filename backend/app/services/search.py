"""Message search over the rooms the caller belongs to: any fragment of text, in any script.

The query is matched as one piece of text, anywhere in a message, ignoring case (like
`body ILIKE '%q%'`), newest message first:
- PostgreSQL: `ILIKE '%q%'`, served by the GIN trigram index (pg_trgm) of migration 0002.
- SQLite: the FTS5 table with the trigram tokenizer (migration 0002), queried with the text as
  one quoted phrase, which finds it as a substring. Trigrams need three characters, so a
  two-character query is a `LIKE '%q%'` scan of the caller's rooms instead (newest first, so it
  stops after one page when the fragment is common; SQLite's LIKE ignores the case of ASCII
  letters only, so two-character queries are case-sensitive for other scripts).
User text never becomes syntax: LIKE wildcards are escaped and the FTS phrase is quoted."""

from typing import Any

from sqlalchemy import ColumnElement, Select, column, literal_column, select, table
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from app.errors import NotFound
from app.models import Message, User
from app.schemas import Page
from app.services.access import is_member_of, rooms_of
from app.services.message_queries import AttachmentReader, complete

TRIGRAM = 3  # FTS5's trigram tokenizer indexes (and so can only find) runs of three characters
messages_fts = table("messages_fts", column("rowid"))


def like_pattern(text: str) -> str:
    """`%text%` with LIKE's wildcards (and the escape character itself) taken literally."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def fts_phrase(text: str) -> str:
    """One FTS5 string: inside double quotes nothing is syntax (quotes are doubled)."""
    return '"' + text.replace('"', '""') + '"'


class SearchService:
    def __init__(self, dialect: str, files: AttachmentReader) -> None:
        self._dialect = dialect
        self._files = files

    async def search(
        self,
        session: AsyncSession,
        user: User,
        text: str,
        room_id: int | None,
        before: int | None,
        limit: int,
    ) -> Page:
        """Messages containing `text` (already trimmed, at least 2 characters), newest first."""
        if room_id is not None and not await is_member_of(session, room_id, user.id):
            raise NotFound("room not found")
        query = self.query(user.id, text, room_id, before).limit(limit + 1)
        rows = (await session.execute(query)).all()
        has_more = len(rows) > limit
        rows = rows[:limit]
        messages = await complete(session, [(message, username) for message, username in rows], user.id, self._files)
        return Page(messages=messages, has_more=has_more)

    def query(self, user_id: int, text: str, room_id: int | None, before: int | None) -> Select[Message, str]:
        """The search's SELECT, newest first, without its LIMIT (scripts/explain_search.py shows its plan)."""
        query = (
            select(Message, User.username).join(User, User.id == Message.sender_id).where(Message.deleted.is_(False))
        )
        if room_id is not None:
            query = query.where(Message.room_id == room_id)
        else:
            query = query.where(Message.room_id.in_(rooms_of(user_id)))
        order: ColumnElement[Any] | InstrumentedAttribute[int]
        if self._dialect == "postgresql":
            order = Message.id
            query = query.where(Message.body.ilike(like_pattern(text), escape="\\"))
        elif len(text) >= TRIGRAM:
            # Driven by the FTS table: it yields matching ids newest first (ORDER BY rowid DESC is
            # its native order) and takes `rowid < before` as a range, so one page reads one page.
            order = messages_fts.c.rowid
            query = query.join(messages_fts, messages_fts.c.rowid == Message.id).where(
                literal_column("messages_fts").op("MATCH")(fts_phrase(text))
            )
        else:
            order = Message.id
            query = query.where(Message.body.like(like_pattern(text), escape="\\"))
        if before is not None:
            query = query.where(order < before)
        return query.order_by(order.desc())
