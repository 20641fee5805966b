"""Reactions on messages: who reacted, and adding and removing one of the caller's."""

from typing import Annotated

from fastapi import APIRouter, Path

from app.api.deps import Context, CurrentUser, PathId, SessionDep
from app.api.responses import AUTHENTICATED, errors
from app.schemas import EMOJI_PATTERN, MessageOut, ReactionCreate, ReactorsOut

router = APIRouter(prefix="/messages/{message_id}/reactions", tags=["messages"], responses=errors(*AUTHENTICATED, 503))

EmojiPath = Annotated[str, Path(min_length=1, max_length=32, pattern=EMOJI_PATTERN)]


@router.get("", responses=errors(404))
async def who_reacted(
    message_id: PathId, user: CurrentUser, context: Context, session: SessionDep
) -> list[ReactorsOut]:
    """Who reacted with each emoji (members of the message's room only)."""
    return await context.reactions.who(session, user, message_id)


@router.post("", responses=errors(400, 404, 409, 429))
async def add_reaction(
    message_id: PathId, data: ReactionCreate, user: CurrentUser, context: Context, session: SessionDep
) -> MessageOut:
    """React to a message of a room the caller is in (idempotent); the room sees it live."""
    return await context.reactions.add(session, user, message_id, data.emoji)


@router.delete("/{emoji}", responses=errors(404, 429))
async def remove_reaction(
    message_id: PathId, emoji: EmojiPath, user: CurrentUser, context: Context, session: SessionDep
) -> MessageOut:
    """Take back one of the caller's reactions (idempotent); the room sees it live."""
    return await context.reactions.remove(session, user, message_id, emoji)
