"""Finding people by how their username starts: what a client offers when someone adds a member
or opens a direct room."""

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import User
from app.schemas import UserPage, UserPublic

# Sorts after every character: the strings that start with `key` are those in [key, key + LAST).
LAST = "\U0010ffff"


def search_query(prefix: str, after: str | None, limit: int) -> Select[int, str]:
    """Active users whose username starts with `prefix`, ignoring case, by username_key; `after`:
    the last username of the previous page. The range walks the unique index of username_key
    (casefolded, as `prefix` is made); the LIKE, its wildcards escaped, keeps the answer exact
    whatever the database's collation makes of the range."""
    key = prefix.casefold()
    query = select(User.id, User.username).where(
        User.username_key >= key,
        User.username_key < key + LAST,
        User.username_key.startswith(key, autoescape=True),
        User.is_active.is_(True),
    )
    if after is not None:
        query = query.where(User.username_key > after.casefold())
    return query.order_by(User.username_key).limit(limit)


async def search_users(session: AsyncSession, prefix: str, after: str | None, limit: int) -> UserPage:
    rows = (await session.execute(search_query(prefix, after, limit + 1))).all()
    return UserPage(users=[UserPublic(id=uid, username=name) for uid, name in rows[:limit]], has_more=len(rows) > limit)
