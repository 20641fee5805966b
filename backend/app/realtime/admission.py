"""Who may open a socket, to which room: token, origin, per-user cap, `since`; refusals carry
the close code docs/api.md gives."""

from dataclasses import dataclass, field

from fastapi import WebSocket
from sqlalchemy.ext.asyncio import AsyncSession

from app.context import AppContext
from app.database import DATABASE_DOWN
from app.errors import Forbidden, NotAuthenticated, NotFound
from app.realtime.frames import CloseCode, Hello
from app.realtime.presence import Member
from app.services.access import member_room_ids, room_members


class Refused(Exception):
    def __init__(self, code: int, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


@dataclass
class Admission:
    member: Member
    session_id: int
    expires_at: float
    # /ws/{room_id} only (a /ws socket reads its rooms once attached): the greeting, the rooms
    # whose members hear of the user's presence, and the room's members (id, username).
    hello: Hello | None = None
    member_rooms: list[int] = field(default_factory=list)
    room_members: list[tuple[int, str]] = field(default_factory=list)


def bearer_token(websocket: WebSocket) -> tuple[str | None, str | None]:
    """(token, subprotocol to accept): from the Authorization header, or the browser's
    `["bearer", token]` subprotocols. Never from the query string, which ends up in logs."""
    header = websocket.headers.get("authorization", "")
    scheme, _, credentials = header.partition(" ")
    if scheme.lower() == "bearer" and credentials.strip():
        return credentials.strip(), None
    offered = websocket.scope.get("subprotocols") or []
    if len(offered) >= 2 and offered[0] == "bearer":
        return offered[1], "bearer"
    return None, "bearer" if "bearer" in offered else None


def parse_since(websocket: WebSocket) -> int | None:
    raw = websocket.query_params.get("since")
    if raw is None:
        return None
    if not raw.isdigit() or int(raw) > 2**63 - 1:
        raise Refused(CloseCode.POLICY, "since must be a message id")
    return int(raw)


def check_origin(websocket: WebSocket, allowed: list[str]) -> None:
    """Browsers send Origin: only this site's own pages (or CORS_ORIGINS) may open a socket with
    a user's credentials. Other clients send none and are judged by their token alone."""
    origin = websocket.headers.get("origin")
    if origin is None or origin in allowed:
        return
    host = websocket.headers.get("host", "")
    if origin.split("://", 1)[-1] != host:
        raise Refused(CloseCode.POLICY, "origin not allowed")


async def admit(context: AppContext, db: AsyncSession, token: str | None, room_id: int | None) -> Admission:
    """Who is connecting, to which room (a public room the caller has not joined is joined);
    `room_id` None: a /ws socket, for every room of the caller."""
    if not token:
        raise Refused(CloseCode.UNAUTHENTICATED, "missing token")
    try:
        caller = await context.auth.authenticate(db, token)
        member = Member(caller.user.id, caller.user.username)
        if room_id is None:
            return Admission(member, caller.session_id, caller.expires_at)
        try:
            room = await context.rooms.get(db, caller.user, room_id)
        except NotFound:
            exists = await context.rooms.exists(db, room_id)
            raise Refused(CloseCode.FORBIDDEN if exists else CloseCode.NO_ROOM, "room not available") from None
        if not room.joined:  # a public room: connecting joins it
            room = await context.rooms.join(db, caller.user, room_id)
        rooms_of_member = await member_room_ids(db, member.id)
        members = await room_members(db, room_id)
    except NotAuthenticated as exc:
        raise Refused(CloseCode.UNAUTHENTICATED, exc.detail) from None
    except Forbidden as exc:
        raise Refused(CloseCode.FORBIDDEN, exc.detail) from None
    except DATABASE_DOWN:
        raise Refused(CloseCode.TRY_LATER, "database unavailable") from None
    hello = Hello(room=room, user=member.public(), online=[], last_message_id=room.last_message_id)
    return Admission(member, caller.session_id, caller.expires_at, hello, rooms_of_member, members)


def check_connection_cap(context: AppContext, user_id: int) -> None:
    if context.hub.user_connection_count(user_id) >= context.settings.max_connections_per_user:
        raise Refused(CloseCode.POLICY, "too many open connections for this user")
