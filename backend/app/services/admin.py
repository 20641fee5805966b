"""Operator actions: user roles and activation, statistics, the first admin."""

from collections.abc import Callable

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.errors import BadRequest, NotFound
from app.events import UserDeactivated
from app.models import Message, Role, Room, User
from app.schemas import AdminUserUpdate, Stats
from app.services.auth import AuthService
from app.services.unit_of_work import emit


class AdminService:
    def __init__(self, auth: AuthService, connection_count: Callable[[], int]) -> None:
        self._auth = auth
        self._connection_count = connection_count  # open sockets on this process

    async def users(self, session: AsyncSession, limit: int, offset: int) -> list[User]:
        return list(await session.scalars(select(User).order_by(User.id).limit(limit).offset(offset)))

    async def update_user(self, session: AsyncSession, admin: User, user_id: int, change: AdminUserUpdate) -> User:
        user = await session.get(User, user_id)
        if user is None:
            raise NotFound("user not found")
        if user.id == admin.id and (change.role == Role.user or change.is_active is False):
            raise BadRequest("admins cannot demote or deactivate themselves")
        deactivated = change.is_active is False and user.is_active
        if change.role is not None:
            user.role = change.role.value
        if change.is_active is not None:
            user.is_active = change.is_active
        if deactivated:
            await self._auth.revoke_all(session, user.id)
            emit(session, UserDeactivated(user.id))
        return user

    async def stats(self, session: AsyncSession) -> Stats:
        users = await session.scalar(select(func.count()).select_from(User))
        rooms = await session.scalar(select(func.count()).select_from(Room))
        messages = await session.scalar(select(func.count()).select_from(Message))
        return Stats(users=users or 0, rooms=rooms or 0, messages=messages or 0, connections=self._connection_count())

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
