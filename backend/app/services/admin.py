"""Operator actions: finding users and rooms, roles and activation, room deletion, the audit log
of all of these, the figures at a glance, the first admin."""

import datetime as dt
import json
from collections.abc import Awaitable, Callable, Collection

from sqlalchemy import ColumnElement, Select, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from app.errors import BadRequest, NotFound
from app.events import UserDeactivated
from app.models import AdminAction, Membership, Message, Role, Room, User, utcnow
from app.schemas import (
    AdminActionOut,
    AdminRoomOut,
    AdminUserOut,
    AdminUserUpdate,
    AuditPage,
    AuditRoom,
    RoomKind,
    Stats,
    UserOut,
    UserPublic,
)
from app.services.auth import AuthService
from app.services.unit_of_work import emit

# Which of these users are connected right now (the presence store, across processes).
OnlineAmong = Callable[[Collection[int]], Awaitable[set[int]]]

DAY = dt.timedelta(hours=24)


def _user_filter(q: str) -> ColumnElement[bool]:
    """The username starts with `q`, or the display name contains it, ignoring case (a display
    name's case is folded by the database's lower(): ASCII letters only on SQLite). Wildcards
    in `q` are plain characters. At thousands of users a scan of the table is milliseconds."""
    return or_(
        User.username_key.startswith(q.casefold(), autoescape=True),
        func.lower(User.display_name).contains(q.lower(), autoescape=True),
    )


def _kind(room: Room) -> RoomKind:
    return "direct" if room.dm_key is not None else "private" if room.is_private else "public"


def _detail(**values: str) -> str:
    return json.dumps(values, ensure_ascii=False)[:500]


def _parse_detail(text: str | None) -> dict[str, str]:
    try:
        parsed = json.loads(text) if text else {}
    except ValueError:
        return {}
    return {str(key): str(value) for key, value in parsed.items()} if isinstance(parsed, dict) else {}


class AdminService:
    def __init__(self, auth: AuthService, connection_count: Callable[[], int], online_among: OnlineAmong) -> None:
        self._auth = auth
        self._connection_count = connection_count  # open sockets on this process
        self._online_among = online_among

    # --- users -------------------------------------------------------------------------------

    async def users(
        self,
        session: AsyncSession,
        *,
        q: str | None,
        after: int | None,
        limit: int,
        offset: int,
    ) -> list[AdminUserOut]:
        """Accounts by id (oldest first), those matching `q` if given; `after`: the last id of the
        previous page (the way to page: an offset walks every row it skips)."""
        query = select(User).order_by(User.id).limit(limit)
        if q:
            query = query.where(_user_filter(q))
        if after is not None:
            query = query.where(User.id > after)
        elif offset:
            query = query.offset(offset)
        users = list(await session.scalars(query))
        online = await self._online_among([user.id for user in users]) if users else set()
        return [
            AdminUserOut(
                **UserOut.model_validate(user).model_dump(), last_seen_at=user.last_seen_at, online=user.id in online
            )
            for user in users
        ]

    async def update_user(self, session: AsyncSession, admin: User, user_id: int, change: AdminUserUpdate) -> User:
        """A role change or (de)activation, each written to the audit log in the same transaction."""
        user = await session.get(User, user_id)
        if user is None:
            raise NotFound("user not found")
        if user.id == admin.id and (change.role == Role.user or change.is_active is False):
            raise BadRequest("admins cannot demote or deactivate themselves")
        if change.role is not None and change.role.value != user.role:
            change_of_role = _detail(**{"from": user.role, "to": change.role.value})
            self._log(session, admin, "user.role", user=user, detail=change_of_role)
            user.role = change.role.value
        if change.is_active is not None and change.is_active != user.is_active:
            user.is_active = change.is_active
            self._log(session, admin, "user.reactivate" if change.is_active else "user.deactivate", user=user)
            if not change.is_active:
                await self._auth.revoke_all(session, user.id)
                emit(session, UserDeactivated(user.id))
        return user

    # --- rooms -------------------------------------------------------------------------------

    async def rooms(
        self, session: AsyncSession, *, q: str | None, after: int | None, limit: int, offset: int
    ) -> list[AdminRoomOut]:
        """Every room, private and direct ones included, by id; those whose name contains `q`
        (ignoring case) if given; `after`: the last id of the previous page."""
        members = select(func.count()).where(Membership.room_id == Room.id).correlate(Room).scalar_subquery()
        # Counted on the (room_id, id) index, room by room: only the page's rooms are counted.
        messages = select(func.count()).where(Message.room_id == Room.id).correlate(Room).scalar_subquery()
        query: Select[Room, int, int] = select(Room, members, messages).order_by(Room.id).limit(limit)
        if q:
            query = query.where(Room.name_key.contains(q.casefold(), autoescape=True))
        if after is not None:
            query = query.where(Room.id > after)
        elif offset:
            query = query.offset(offset)
        return [
            AdminRoomOut(
                id=room.id,
                name=room.name,
                kind=_kind(room),
                is_private=room.is_private,
                owner_id=room.owner_id,
                created_at=room.created_at,
                member_count=member_count,
                message_count=message_count,
            )
            for room, member_count, message_count in await session.execute(query)
        ]

    async def log_room_deletion(self, session: AsyncSession, admin: User, room_id: int) -> None:
        """The audit entry of a room about to be deleted (in the same transaction); 404 if none."""
        room = await session.get(Room, room_id)
        if room is None:
            raise NotFound("room not found")
        self._log(session, admin, "room.delete", room_id=room.id, detail=_detail(name=room.name, kind=_kind(room)))

    # --- the audit log -----------------------------------------------------------------------

    def _log(
        self,
        session: AsyncSession,
        admin: User,
        action: str,
        *,
        user: User | None = None,
        room_id: int | None = None,
        detail: str | None = None,
    ) -> None:
        session.add(
            AdminAction(
                actor_id=admin.id,
                action=action,
                target_user_id=user.id if user is not None else None,
                target_room_id=room_id,
                detail=detail,
            )
        )

    async def audit(self, session: AsyncSession, before: int | None, limit: int) -> AuditPage:
        """Newest first; `before`: the smallest id seen (the next page is older)."""
        actor, target = aliased(User), aliased(User)
        query = (
            select(AdminAction, actor.username, target.username, Room.name)
            .outerjoin(actor, actor.id == AdminAction.actor_id)
            .outerjoin(target, target.id == AdminAction.target_user_id)
            .outerjoin(Room, Room.id == AdminAction.target_room_id)
            .order_by(AdminAction.id.desc())
            .limit(limit + 1)
        )
        if before is not None:
            query = query.where(AdminAction.id < before)
        rows = (await session.execute(query)).all()
        actions = []
        for entry, actor_name, target_name, room_name in rows[:limit]:
            detail = _parse_detail(entry.detail)
            actions.append(
                AdminActionOut(
                    id=entry.id,
                    created_at=entry.created_at,
                    action=entry.action,
                    actor=UserPublic(id=entry.actor_id, username=actor_name) if entry.actor_id and actor_name else None,
                    target_user=(
                        UserPublic(id=entry.target_user_id, username=target_name)
                        if entry.target_user_id and target_name
                        else None
                    ),
                    target_room=(
                        AuditRoom(id=entry.target_room_id, name=room_name or detail.get("name"))
                        if entry.target_room_id is not None
                        else None
                    ),
                    detail=detail,
                )
            )
        return AuditPage(actions=actions, has_more=len(rows) > limit)

    # --- figures -----------------------------------------------------------------------------

    async def stats(self, session: AsyncSession) -> Stats:
        since = utcnow() - DAY

        async def count(query: Select[int]) -> int:
            return await session.scalar(query) or 0

        recent = list(await session.scalars(select(User.id).where(User.last_seen_at >= since)))
        # Someone connected has a page open, which refreshes its token every 15 minutes: they
        # are among those seen today, so only those are asked about (not every account).
        online = await self._online_among(recent) if recent else set()
        return Stats(
            users=await count(select(func.count()).select_from(User)),
            active_users_24h=len(recent),
            online_users=len(online),
            rooms=await count(select(func.count()).select_from(Room)),
            messages=await count(select(func.count()).select_from(Message)),
            messages_24h=await count(select(func.count()).select_from(Message).where(Message.created_at >= since)),
            connections=self._connection_count(),
        )

    # --- the first admin -----------------------------------------------------------------------

    async def ensure_admin(self, session: AsyncSession, username: str, password: str, *, reset_password: bool) -> User:
        """Create the account as an admin, or make the existing one an admin (and active).

        An operator's command (the CLI, ADMIN_USERNAME at start), not a request: it commits."""
        user = await session.scalar(select(User).where(User.username_key == username.casefold()))
        if user is None:
            user = await self._auth.create_user(session, username, password, role=Role.admin.value)
        else:
            user.role = Role.admin.value
            user.is_active = True
            if reset_password:
                user.password_hash = await self._auth.hasher.hash(password)
        await session.commit()
        return user
