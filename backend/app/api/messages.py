"""Messages: history pages, the latest across rooms, sending without a socket, edits, deletions."""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

from fastapi import APIRouter, Query, Response, status
from fastapi.exceptions import RequestValidationError

from app.api.deps import MAX_ID, Context, CurrentUser, PathId, SessionDep
from app.api.responses import AUTHENTICATED, DATABASE, WITH_BODY, errors
from app.errors import InvalidInput
from app.realtime.presence import Member
from app.schemas import MessageCreate, MessageOut, MessageUpdate, Page

router = APIRouter(tags=["messages"], responses=errors(*AUTHENTICATED, *DATABASE))


@contextmanager
def body_checks_as_validation() -> Iterator[None]:
    """The service's checks of a body (blank once trimmed, longer than MAX_MESSAGE_LENGTH: the
    one path for sockets and REST) answer REST as the request validation they are: a 422 in the
    documented shape, the same as any other invalid field."""
    try:
        yield
    except InvalidInput as exc:
        error = {"type": "value_error", "loc": ("body", "body"), "msg": exc.detail, "input": None}
        raise RequestValidationError([error]) from None


Cursor = Annotated[int | None, Query(ge=0, le=MAX_ID)]
Limit = Annotated[int, Query(ge=1, le=200)]


@router.get("/chat/history", responses=errors(404))
async def history(
    room_id: Annotated[int, Query(ge=1, le=MAX_ID)],
    user: CurrentUser,
    context: Context,
    session: SessionDep,
    before: Cursor = None,
    after: Cursor = None,
    limit: Limit = 50,
) -> Page:
    """A page of a room's messages in ascending id order: the newest, or those before/after a cursor."""
    await context.rooms.require_member(session, user, room_id)
    return await context.messages.history(session, room_id, before, after, limit, viewer_id=user.id)


@router.get("/chat")
async def latest(user: CurrentUser, context: Context, session: SessionDep, limit: Limit = 50) -> Page:
    """The latest messages across every room the caller belongs to."""
    return await context.messages.latest(session, user, limit)


@router.post(
    "/rooms/{room_id}/messages", status_code=status.HTTP_201_CREATED, responses=errors(*WITH_BODY, 403, 404, 429)
)
async def send_message(
    room_id: PathId, data: MessageCreate, user: CurrentUser, context: Context, session: SessionDep
) -> MessageOut:
    """Send without a socket: stored, then delivered to the room's sockets like any message."""
    await context.rooms.require_member(session, user, room_id)
    await session.close()  # release the connection before waiting on the group commit
    with body_checks_as_validation():
        stored = await context.messages.send(
            room_id, Member(user.id, user.username), data.body, data.client_id, data.reply_to, data.attachments
        )
        sent = await stored
    return sent.message


@router.patch("/messages/{message_id}", responses=errors(*WITH_BODY, 404, 429))
async def edit_message(
    message_id: PathId, data: MessageUpdate, user: CurrentUser, context: Context, session: SessionDep
) -> MessageOut:
    """Change a message's text (its sender only)."""
    with body_checks_as_validation():
        return await context.messages.edit(session, user, message_id, data.body)


@router.delete("/messages/{message_id}", status_code=status.HTTP_204_NO_CONTENT, responses=errors(404, 429))
async def delete_message(message_id: PathId, user: CurrentUser, context: Context, session: SessionDep) -> Response:
    """Delete a message (its sender or an admin): history keeps its place, without its text."""
    await context.messages.delete(session, user, message_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
