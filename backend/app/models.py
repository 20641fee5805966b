"""SQLAlchemy 2.0 typed models. Alembic migrations must match these (tests run `alembic check`)."""

import datetime as dt
import enum

from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.sql.compiler import TypeCompiler
from sqlalchemy.types import TypeDecorator

# SQLite only auto-increments INTEGER PRIMARY KEY; PostgreSQL and MariaDB get a 64-bit id.
BigId = BigInteger().with_variant(Integer(), "sqlite")


@compiles(DateTime, "mariadb")
@compiles(DateTime, "mysql")
def _datetime_with_microseconds(type_: DateTime, compiler: TypeCompiler, **kw: object) -> str:
    """MariaDB's DATETIME keeps whole seconds unless told otherwise: microseconds, as elsewhere
    (in migrations and in the models alike)."""
    return "DATETIME(6)"


class UTCDateTime(TypeDecorator[dt.datetime]):
    """Stored as UTC; SQLite and MariaDB forget the offset, so it is put back on the way out."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime")
        if value is None:
            return None
        utc = value.astimezone(dt.UTC)
        # MariaDB's DATETIME has no offset, and its drivers would not drop one: UTC, written plain.
        return utc.replace(tzinfo=None) if dialect.name in ("mariadb", "mysql") else utc

    def process_result_value(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Base(DeclarativeBase):
    metadata = MetaData(
        naming_convention={
            "ix": "ix_%(table_name)s_%(column_0_N_name)s",
            "uq": "uq_%(table_name)s_%(column_0_N_name)s",
            "ck": "ck_%(table_name)s_%(constraint_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )


class Role(enum.StrEnum):
    user = "user"
    admin = "admin"


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    username: Mapped[str] = mapped_column(String(32))
    # Lower-cased username: uniqueness and look-ups are case-insensitive on both databases.
    username_key: Mapped[str] = mapped_column(String(32), unique=True)
    # What the name looks like (app/usernames.py): a new name may not look like a taken one.
    # Not unique: names taken before this column existed may already share one.
    username_skeleton: Mapped[str | None] = mapped_column(String(64), index=True)
    password_hash: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(16), default=Role.user.value)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Shown beside the username; trimmed, at most 64 characters, NULL: none (app/schemas.py).
    display_name: Mapped[str | None] = mapped_column(String(64))
    # What a membership of a new room (joined, created, added to) starts at: all | mentions |
    # muted, as Membership.notify. Direct rooms start at all whatever this says.
    default_notify: Mapped[str] = mapped_column(String(16), default="mentions", server_default="mentions")
    # The last login or token refresh. A signed-in page refreshes its access token before it
    # expires (ACCESS_TOKEN_TTL_SECONDS, 15 minutes), so this lags by at most about that: one
    # write per device per refresh, none per request. Whether someone is connected right now is
    # the presence store's to say.
    last_seen_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, index=True)


class AuthSession(Base):
    """A signed-in device: one refresh-token family, born at login."""

    __tablename__ = "auth_sessions"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    user_agent: Mapped[str | None] = mapped_column(String(256))
    ip: Mapped[str | None] = mapped_column(String(64))
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class RefreshToken(Base):
    """Every refresh token ever issued, by hash, so a spent one is recognised when replayed."""

    __tablename__ = "refresh_tokens"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("auth_sessions.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    spent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    session: Mapped[AuthSession] = relationship(lazy="joined")


class Room(Base):
    __tablename__ = "rooms"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    # casefold() can lengthen a name (ß -> ss), hence the wider column.
    name_key: Mapped[str] = mapped_column(String(255), unique=True)
    is_private: Mapped[bool] = mapped_column(Boolean, default=False)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Direct rooms only: "<lower user id>:<higher user id>". Unique, so two people have one
    # direct room however many times (or however concurrently) it is asked for.
    dm_key: Mapped[str | None] = mapped_column(String(41))
    # Set by the owner or an admin (PATCH /rooms/{id}); never on direct rooms.
    topic: Mapped[str | None] = mapped_column(String(250))

    __table_args__ = (Index("ix_rooms_dm_key", "dm_key", unique=True),)


class Membership(Base):
    __tablename__ = "memberships"

    room_id: Mapped[int] = mapped_column(ForeignKey("rooms.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    joined_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The newest message id this member has read (forward only); unread = newer ones by others.
    last_read_id: Mapped[int | None] = mapped_column(BigId)
    # What this member is notified of, on every device: all | mentions | muted (rooms start at
    # mentions, direct rooms at all).
    notify: Mapped[str] = mapped_column(String(16), default="mentions", server_default="mentions")

    __table_args__ = (Index("ix_memberships_user_id", "user_id"),)


class Message(Base):
    __tablename__ = "messages"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    room_id: Mapped[int] = mapped_column(ForeignKey("rooms.id", ondelete="CASCADE"))
    sender_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    body: Mapped[str] = mapped_column(Text)
    client_id: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    edited_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    # The message answered (of the same room), if any.
    reply_to_id: Mapped[int | None] = mapped_column(BigId)
    # @room or @here by a sender allowed to: every member reached has a Mention row too.
    mentions_everyone: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    __table_args__ = (
        # History pages and `since` replay walk a room by id.
        Index("ix_messages_room_id_id", "room_id", "id"),
        # The admin's "messages in the last 24 hours" counts a range of it, not the whole table.
        Index("ix_messages_created_at", "created_at"),
        # Idempotent sends: a retried (sender, client_id) finds the stored message.
        UniqueConstraint("sender_id", "client_id"),
    )


class Mention(Base):
    """A member a message names (@username), or reaches with @room / @here."""

    __tablename__ = "mentions"

    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    room_id: Mapped[int] = mapped_column(ForeignKey("rooms.id", ondelete="CASCADE"))
    # Reached only by @room / @here (not named): not listed in the message's `mentions`.
    everyone: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    __table_args__ = (
        Index("ix_mentions_user_room_message", "user_id", "room_id", "message_id"),
        Index("ix_mentions_user_message", "user_id", "message_id"),
    )


class Reaction(Base):
    """One person's emoji on one message: at most one of each emoji per person."""

    __tablename__ = "reactions"

    # Key order serves the per-page query: WHERE message_id IN (...) GROUP BY message_id, emoji.
    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id", ondelete="CASCADE"), primary_key=True)
    emoji: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class Upload(Base):
    """A file uploaded to a room, attached to at most one message (NULL until it is sent).

    Its bytes are a blob of the store (app/storage.py) named by `sha256`, the SHA-256 of what is
    served (for images: the re-encoding without metadata, not the bytes sent); uploads of the
    same content share that blob. An image (`width` set) has a thumbnail, blob `<sha256>.thumb`."""

    __tablename__ = "uploads"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    room_id: Mapped[int] = mapped_column(ForeignKey("rooms.id", ondelete="CASCADE"), index=True)
    uploader_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # Set by the message writer when the message that carries it is stored.
    message_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id", ondelete="CASCADE"), index=True)
    sha256: Mapped[str] = mapped_column(String(64), index=True)  # blob key; also: is it still used?
    name: Mapped[str] = mapped_column(String(200))  # the uploader's file name, sanitised
    size: Mapped[int] = mapped_column(BigInteger)  # bytes served
    content_type: Mapped[str] = mapped_column(String(255))  # sniffed from the content
    width: Mapped[int | None] = mapped_column(Integer)
    height: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class AdminAction(Base):
    """One thing an admin did (who did what to whom, when): the audit log, written in the same
    transaction as the change itself, never edited."""

    __tablename__ = "admin_actions"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    # Accounts are deactivated, not deleted; SET NULL keeps the log should one ever be deleted.
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(32))  # user.role | user.deactivate | user.reactivate | room.delete
    target_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # No foreign key: a deleted room is the usual target, and its id must stay (its name is in `detail`).
    target_room_id: Mapped[int | None] = mapped_column(BigId)
    detail: Mapped[str | None] = mapped_column(String(500))  # JSON: {"from": "user", "to": "admin"}, {"name": ...}
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (Index("ix_admin_actions_created_at", "created_at"),)
