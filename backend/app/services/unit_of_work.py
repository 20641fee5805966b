"""A unit of work: one database session whose changes are committed once, and the domain events
those changes cause, published only after that commit (never for work that was rolled back).

REST requests get theirs from the session dependency (api/deps.py); sockets and commands open
one with `unit_of_work`. Services never commit: they change, flush when they need an id, and
`emit` what happened. The one exception is a refusal that must stick (a reused refresh token
revokes its device even though the request fails): that service commits with `commit`."""

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from sqlalchemy.ext.asyncio import AsyncSession

from app.events import DomainEvent, EventSink

_PENDING = "chat.pending_events"  # key in the session's `info`: events waiting for the commit


def emit(session: AsyncSession, event: DomainEvent) -> None:
    session.info.setdefault(_PENDING, []).append(event)


async def commit(session: AsyncSession, events: EventSink) -> None:
    await session.commit()
    pending: list[DomainEvent] = session.info.pop(_PENDING, [])
    for event in pending:
        await events.publish(event)


@asynccontextmanager
async def unit_of_work(sessions: Callable[[], AsyncSession], events: EventSink) -> AsyncIterator[AsyncSession]:
    """Commit (and publish) when the block ends; roll back (and publish nothing) if it raises."""
    async with sessions() as session:
        yield session
        await commit(session, events)
