"""Accounts and tokens: signup, login, refresh rotation with reuse detection, devices, logout."""

import datetime as dt
import hashlib
from dataclasses import dataclass

from sqlalchemy import bindparam, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.config import Settings
from app.errors import Conflict, Forbidden, NotAuthenticated, NotFound
from app.events import DeviceSignedOut, EventSink
from app.models import AuthSession, RefreshToken, Room, User, utcnow
from app.ratelimit import Limit
from app.security import InvalidToken, PasswordHasher, TokenCodec, hash_refresh_token, new_refresh_token
from app.services.rooms import GENERAL_ROOM, add_membership
from app.services.unit_of_work import commit, emit
from app.usernames import is_reserved, skeleton

BAD_CREDENTIALS = "Incorrect username or password"
WRONG_PASSWORD = "current password is wrong"  # noqa: S105 (a message, not a password)


# Every authenticated request and socket runs it: built once, the ids bound per call.
_CALLER = (
    select(User, AuthSession.revoked_at)
    .join(AuthSession, AuthSession.user_id == User.id)
    .where(User.id == bindparam("user_id"), AuthSession.id == bindparam("session_id"))
)


@dataclass(frozen=True)
class Client:
    """Where a request comes from, as recorded on the device list."""

    ip: str | None
    user_agent: str | None


@dataclass(frozen=True)
class Authenticated:
    user: User
    session_id: int
    expires_at: float


@dataclass(frozen=True)
class IssuedTokens:
    access_token: str
    refresh_token: str
    expires_in: int


class AuthService:
    def __init__(
        self,
        settings: Settings,
        hasher: PasswordHasher,
        tokens: TokenCodec,
        events: EventSink,
        login_limit: Limit,
        signup_limit: Limit,
    ) -> None:
        self._refresh_ttl = dt.timedelta(days=settings.refresh_token_ttl_days)
        self._reuse_grace = dt.timedelta(seconds=settings.refresh_reuse_grace_seconds)
        self.hasher = hasher
        self.tokens = tokens
        self._events = events
        self._login_limit = login_limit
        self._signup_limit = signup_limit

    # --- accounts --------------------------------------------------------------------------

    async def signup(self, session: AsyncSession, username: str, password: str, client: Client) -> User:
        await self._signup_limit.hit((client.ip,))
        if is_reserved(username):  # operators make such accounts with `create-admin`, not signup
            raise Conflict("this username is reserved")
        return await self.create_user(session, username, password)

    async def create_user(self, session: AsyncSession, username: str, password: str, role: str = "user") -> User:
        """A new account, member of the room `general`; the caller commits."""
        key, looks = username.casefold(), skeleton(username)
        taken = await session.scalar(
            select(User.username).where(or_(User.username_key == key, User.username_skeleton == looks)).limit(1)
        )
        if taken is not None:
            raise Conflict("username is taken" if taken.casefold() == key else f"username is too similar to {taken!r}")
        user = User(
            username=username,
            username_key=key,
            username_skeleton=looks,
            password_hash=await self.hasher.hash(password),
            role=role,
        )
        session.add(user)
        try:
            await session.flush()
        except IntegrityError:  # taken a moment ago by a concurrent signup
            await session.rollback()
            raise Conflict("username is taken") from None
        general = await session.scalar(select(Room.id).where(Room.name_key == GENERAL_ROOM))
        if general is not None:
            await add_membership(session, general, user.id)
        return user

    # --- tokens ----------------------------------------------------------------------------

    async def login(self, session: AsyncSession, username: str, password: str, client: Client) -> IssuedTokens:
        # Failures count per (address, username) and per address, never per username alone: a
        # stranger's wrong passwords must not lock the owner out, who logs in from elsewhere.
        name = hashlib.blake2b(username.casefold().encode(errors="replace"), digest_size=16).hexdigest()
        keys = [(client.ip, name), (client.ip,)]
        await self._login_limit.check(keys)
        # No stored username holds a NUL, and PostgreSQL refuses one as a parameter (a 503, not a 401).
        user = (
            None
            if "\x00" in username
            else await session.scalar(select(User).where(User.username_key == username.casefold()))
        )
        # Verified even for an unknown name (against a dummy hash): both failures take as long.
        valid = await self.hasher.verify(password, user.password_hash if user else None)
        if user is None or not valid:
            await self._login_limit.count(keys)  # only failures count: typing right is never throttled
            raise NotAuthenticated(BAD_CREDENTIALS)
        if not user.is_active:
            raise Forbidden("account is deactivated")
        device = AuthSession(user_id=user.id, user_agent=_clip(client.user_agent, 256), ip=_clip(client.ip, 64))
        session.add(device)
        user.last_seen_at = utcnow()
        await session.flush()
        return await self._issue(session, user.id, device.id)

    async def refresh(self, session: AsyncSession, token: str, client: Client) -> IssuedTokens:
        stored = await session.scalar(select(RefreshToken).where(RefreshToken.token_hash == hash_refresh_token(token)))
        if stored is None:
            raise NotAuthenticated("refresh token is not valid")
        if stored.session.revoked_at is not None:
            # Deactivation revokes every device too: say which happened, the client shows it.
            owner_active = await session.scalar(select(User.is_active).where(User.id == stored.session.user_id))
            raise NotAuthenticated("refresh token is not valid" if owner_active else "account is deactivated")
        now = utcnow()
        if stored.expires_at <= now:
            raise NotAuthenticated("refresh token has expired")
        spend = await session.execute(
            update(RefreshToken)
            .where(RefreshToken.id == stored.id, RefreshToken.spent_at.is_(None))
            .values(spent_at=now)
        )
        if spend.rowcount == 0:  # type: ignore[attr-defined]
            if not await self._within_reuse_grace(session, stored, now):
                # Spent already: someone holds a copy. End the whole family, thief and owner alike.
                await self._revoke(session, stored.session_id)
                await commit(session, self._events)  # the request fails, the sign-out stands
                raise NotAuthenticated("refresh token was already used; this device is signed out")
            # The token just rotated away, presented again: a page reloaded while its refresh was
            # in flight never saw the answer. The device gets a new pair; the token it had been
            # rotated to is spent, so the device still holds one live token.
            await session.execute(
                update(RefreshToken)
                .where(RefreshToken.session_id == stored.session_id, RefreshToken.spent_at.is_(None))
                .values(spent_at=now)
            )
        user = await session.get(User, stored.session.user_id)
        if user is None or not user.is_active:
            await commit(session, self._events)  # the token stays spent
            raise NotAuthenticated("account is deactivated")
        stored.session.last_used_at = user.last_seen_at = now
        stored.session.ip = _clip(client.ip, 64)
        return await self._issue(session, user.id, stored.session_id)

    async def _within_reuse_grace(self, session: AsyncSession, stored: RefreshToken, now: dt.datetime) -> bool:
        """Whether a spent token is the device's newest one's immediate predecessor, spent less
        than REFRESH_REUSE_GRACE_SECONDS ago (Auth0's reuse interval, Okta's grace period)."""
        if stored.spent_at is None or now - stored.spent_at > self._reuse_grace:
            return False
        newest_two = await session.scalars(
            select(RefreshToken.id)
            .where(RefreshToken.session_id == stored.session_id)
            .order_by(RefreshToken.id.desc())
            .limit(2)
        )
        return list(newest_two)[1:] == [stored.id]

    async def logout(self, session: AsyncSession, token: str) -> None:
        stored = await session.scalar(select(RefreshToken).where(RefreshToken.token_hash == hash_refresh_token(token)))
        if stored is not None and stored.session.revoked_at is None:
            await self._revoke(session, stored.session_id)

    async def authenticate(self, session: AsyncSession, access_token: str) -> Authenticated:
        """The caller of an access token, read fresh from the database (role, active, device)."""
        try:
            claims = self.tokens.decode_access_token(access_token)
        except InvalidToken:
            raise NotAuthenticated("invalid or expired token") from None
        row = (await session.execute(_CALLER, {"user_id": claims.user_id, "session_id": claims.session_id})).first()
        if row is None:
            raise NotAuthenticated("invalid or expired token")
        user, revoked_at = row
        if revoked_at is not None:
            raise NotAuthenticated("this device was signed out")
        if not user.is_active:
            raise Forbidden("account is deactivated")
        return Authenticated(user, claims.session_id, claims.expires_at)

    # --- the caller's password ---------------------------------------------------------------

    async def change_password(
        self,
        session: AsyncSession,
        caller: Authenticated,
        current: str,
        new: str,
        client: Client,
        *,
        sign_out_others: bool,
    ) -> int:
        """Set a new password once the current one is proven; with `sign_out_others`, every other
        device of the caller is signed out (this one stays). The number signed out.

        Wrong guesses count with failed logins (per account and per address): a stolen access
        token must not become a way to try passwords fast. 403, not 401: the caller is
        authenticated, and a 401 would make a client throw its tokens away."""
        user = caller.user
        keys = [("account", user.id), (client.ip,)]
        await self._login_limit.check(keys)
        if not await self.hasher.verify(current, user.password_hash):
            await self._login_limit.count(keys)
            raise Forbidden(WRONG_PASSWORD)
        user.password_hash = await self.hasher.hash(new)
        if not sign_out_others:
            return 0
        others = list(
            await session.scalars(
                select(AuthSession.id).where(
                    AuthSession.user_id == user.id,
                    AuthSession.id != caller.session_id,
                    AuthSession.revoked_at.is_(None),
                )
            )
        )
        if others:
            await session.execute(update(AuthSession).where(AuthSession.id.in_(others)).values(revoked_at=utcnow()))
            for session_id in others:
                emit(session, DeviceSignedOut(session_id))  # their sockets close (4401)
        return len(others)

    # --- devices ---------------------------------------------------------------------------

    async def devices(self, session: AsyncSession, user: User) -> list[AuthSession]:
        found = await session.scalars(
            select(AuthSession)
            .where(AuthSession.user_id == user.id, AuthSession.revoked_at.is_(None))
            .order_by(AuthSession.last_used_at.desc())
        )
        return list(found)

    async def sign_out_device(self, session: AsyncSession, user: User, session_id: int) -> None:
        device = await session.get(AuthSession, session_id)
        if device is None or device.user_id != user.id or device.revoked_at is not None:
            raise NotFound("session not found")
        await self._revoke(session, session_id)

    async def revoke_all(self, session: AsyncSession, user_id: int) -> None:
        """Every device of the user (deactivation, which closes their sockets itself)."""
        await session.execute(
            update(AuthSession)
            .where(AuthSession.user_id == user_id, AuthSession.revoked_at.is_(None))
            .values(revoked_at=utcnow())
        )

    async def _revoke(self, session: AsyncSession, session_id: int) -> None:
        await session.execute(update(AuthSession).where(AuthSession.id == session_id).values(revoked_at=utcnow()))
        emit(session, DeviceSignedOut(session_id))

    async def _issue(self, session: AsyncSession, user_id: int, session_id: int) -> IssuedTokens:
        refresh_token = new_refresh_token()
        session.add(
            RefreshToken(
                session_id=session_id,
                token_hash=hash_refresh_token(refresh_token),
                expires_at=utcnow() + self._refresh_ttl,
            )
        )
        await session.flush()
        return IssuedTokens(self.tokens.issue_access_token(user_id, session_id), refresh_token, self.tokens.ttl)


def _clip(value: str | None, size: int) -> str | None:
    return value[:size] if value is not None else None
