"""Message search over the rooms the caller belongs to: any fragment of text, in any script.

The query is matched as one piece of text, anywhere in a message, ignoring case (like
`body ILIKE '%q%'`), newest message first:
- PostgreSQL: `ILIKE '%q%'`, served by the GIN trigram index (pg_trgm) of migration 0002.
- SQLite: the FTS5 table with the trigram tokenizer (migration 0002), queried with the text as
  one quoted phrase, which finds it as a substring. Messages enter it after they are stored
  (app/services/search_indexer.py): a search first indexes whatever is not yet, so it finds
  every message stored before it. Trigrams need three characters, so a
  two-character query is a `LIKE '%q%'` scan of the caller's rooms instead (newest first, so it
  stops after one page when the fragment is common; SQLite's LIKE ignores the case of ASCII
  letters only, so two-character queries are case-sensitive for other scripts).
- MariaDB with Mroonga: the Mroonga table of bigrams (app/search_schema.py), queried with the
  text as one quoted phrase, finds candidates (case and accents folded, any length from two);
  each is checked with `body LIKE '%q%'` in an accent-sensitive, case-insensitive collation,
  which makes the result exactly the substring match of the other databases (and hides any row
  a rolled-back transaction left in the non-transactional Mroonga table).
- MariaDB without Mroonga: that LIKE alone, a scan of the caller's rooms newest first (it stops
  after one page when the fragment is common, and reads every message of those rooms when it is
  rare).
User text never becomes syntax: LIKE wildcards are escaped and the FTS phrase is quoted."""

from typing import Any

from sqlalchemy import ColumnElement, Select, column, literal_column, select, table
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from app.database import MYSQL_DIALECTS
from app.errors import NotFound
from app.models import Message, User
from app.schemas import Page
from app.search_schema import FTS_TABLE, has_fts_table
from app.services.access import is_member_of, rooms_of
from app.services.message_queries import AttachmentReader, complete
from app.services.search_indexer import SearchIndexer

TRIGRAM = 3  # FTS5's trigram tokenizer indexes (and so can only find) runs of three characters
messages_fts = table(FTS_TABLE, column("rowid"))
mariadb_fts = table(FTS_TABLE, column("message_id"), column("body"))
# Case-insensitive but accent-sensitive, as ILIKE: `crème` is not `creme` (MariaDB 10.10 and later).
MARIADB_LIKE_COLLATION = "utf8mb4_uca1400_as_ci"


def like_pattern(text: str) -> str:
    """`%text%` with LIKE's wildcards (and the escape character itself) taken literally."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def fts_phrase(text: str) -> str:
    """One FTS5 string: inside double quotes nothing is syntax (quotes are doubled)."""
    return '"' + text.replace('"', '""') + '"'


def mroonga_phrase(text: str) -> str:
    """One phrase of a boolean-mode MATCH ... AGAINST: inside double quotes nothing is syntax but
    the backslash, which escapes (a quote or itself)."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


class SearchService:
    def __init__(self, dialect: str, files: AttachmentReader, indexer: SearchIndexer | None = None) -> None:
        self._dialect = dialect
        self._files = files
        self._indexer = indexer  # SQLite: the index trails the messages; caught up before an FTS query
        # MariaDB: whether the database has the Mroonga table; asked on the first search.
        self.mroonga: bool | None = None

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
        if self._dialect in MYSQL_DIALECTS and self.mroonga is None:
            self.mroonga = await (await session.connection()).run_sync(has_fts_table)
        if self._indexer is not None and len(text) >= TRIGRAM:
            await self._indexer.catch_up()  # each SELECT after it reads the database as of now
        query = self.query(user.id, text, room_id, before).limit(limit + 1)
        rows = (await session.execute(query)).all()
        has_more = len(rows) > limit
        rows = rows[:limit]
        messages = await complete(session, [(message, username) for message, username in rows], user.id, self._files)
        return Page(messages=messages, has_more=has_more)

    def query(self, user_id: int, text: str, room_id: int | None, before: int | None) -> Select[Message, str]:
        """The search's SELECT, newest first, without its LIMIT (scripts/explain_search.py shows its plan)."""
        query = select(Message, User.username)
        mroonga = self._dialect in MYSQL_DIALECTS and self.mroonga
        if mroonga:
            # Driven by the full-text index, as at scale MariaDB chooses anyway: on a small table it
            # would rather walk the messages and ask Mroonga about each, which for a rare word in a
            # room grown large (statistics lag) reads the room's whole history. STRAIGHT_JOIN keeps
            # the FROM order, the Mroonga table first.
            query = (
                query.select_from(mariadb_fts)
                .join(Message, Message.id == mariadb_fts.c.message_id)
                .where(mariadb_fts.c.body.match(mroonga_phrase(text)))
                .prefix_with("STRAIGHT_JOIN")
            )
        query = query.join(User, User.id == Message.sender_id).where(Message.deleted.is_(False))
        if room_id is not None:
            query = query.where(Message.room_id == room_id)
        else:
            query = query.where(Message.room_id.in_(rooms_of(user_id)))
        order: ColumnElement[Any] | InstrumentedAttribute[int]
        if self._dialect == "postgresql":
            order = Message.id
            query = query.where(Message.body.ilike(like_pattern(text), escape="\\"))
        elif self._dialect in MYSQL_DIALECTS:
            order = Message.id  # the candidates (if any) are the Mroonga table's: each is checked here
            query = query.where(Message.body.collate(MARIADB_LIKE_COLLATION).like(like_pattern(text), escape="\\"))
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
