"""Everything a running server holds: settings, database, broker, hub and the services on them."""

import asyncio
import datetime as dt
import logging
from dataclasses import dataclass
from functools import partial
from typing import Literal

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from app.cancellation import cancel_and_wait
from app.config import Settings
from app.database import Transactions, create_engine, create_session_factory
from app.errors import Conflict
from app.models import User
from app.ratelimit import RateLimits
from app.realtime.broker import Broker, LocalBroker, RedisBroker
from app.realtime.delivery import Delivery
from app.realtime.hub import RoomHub
from app.realtime.presence import MemoryPresence, PresenceStore, RedisPresence
from app.redis_connection import connect as connect_redis
from app.schemas import Readiness, UserCreate
from app.security import PasswordHasher, TokenCodec
from app.services.access import member_room_ids
from app.services.admin import AdminService
from app.services.auth import AuthService
from app.services.direct import DirectRoomService
from app.services.files import FileService
from app.services.message_writer import MessageWriter
from app.services.messages import MessageService
from app.services.notifications import NotificationService
from app.services.publish_order import DatabasePublishLock, PublishOrder, SingleProcessOrder, SQLiteFileLock
from app.services.reactions import ReactionService
from app.services.read_state import ReadStateService
from app.services.rooms import RoomService
from app.services.search import SearchService
from app.services.search_indexer import SearchIndexer

log = logging.getLogger(__name__)

SWEEP_SECONDS = 3600  # how often uploads never sent are looked for


async def user_rooms(sessions: async_sessionmaker[AsyncSession], user_id: int) -> tuple[str, list[int]]:
    """A user's name and rooms: who hears that a user whose process died has gone offline."""
    async with sessions() as session:
        username = await session.scalar(select(User.username).where(User.id == user_id))
        return username or "", await member_room_ids(session, user_id)


@dataclass
class AppContext:
    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    broker: Broker
    hub: RoomHub
    events: Delivery
    auth: AuthService
    rooms: RoomService
    messages: MessageService
    admin: AdminService
    read_state: ReadStateService
    reactions: ReactionService
    search: SearchService
    direct: DirectRoomService
    limits: RateLimits
    notifications: NotificationService
    files: FileService
    search_indexer: SearchIndexer | None = None  # SQLite only
    _sweeper: "asyncio.Task[None] | None" = None

    @classmethod
    def build(cls, settings: Settings) -> "AppContext":
        engine = create_engine(settings)
        sessions = create_session_factory(engine)
        broker: Broker
        presence: PresenceStore
        if settings.redis_url:
            redis = connect_redis(settings.redis_url)  # one server, or a cluster (redis+cluster://)
            broker = RedisBroker(redis, settings.redis_prefix)
            presence = RedisPresence(redis, settings.redis_prefix)
        else:
            broker, presence = LocalBroker(), MemoryPresence()
        hub = RoomHub(broker, presence, settings.presence_grace_seconds, partial(user_rooms, sessions))
        events = Delivery(broker)  # the services' domain events, as frames to every process
        limits = RateLimits(settings)
        auth = AuthService(
            settings,
            PasswordHasher(settings.bcrypt_rounds),
            TokenCodec(settings),
            events,
            login_limit=limits.login,
            signup_limit=limits.signup,
        )
        order: PublishOrder = SingleProcessOrder()
        if settings.redis_url:  # several processes may write to the same room
            order = SQLiteFileLock(settings.data_dir) if settings.is_sqlite else DatabasePublishLock(engine)
        writer = MessageWriter(Transactions(engine), events, order)
        files = FileService(settings, limits)
        indexer = SearchIndexer(engine, writer.committed) if settings.is_sqlite else None
        messages = MessageService(
            writer,
            limits,
            settings.max_message_length,
            settings.ws_replay_limit,
            sessions,
            files,
            hub.online_among,
        )
        rooms = RoomService(hub.online_among, limits)
        return cls(
            settings=settings,
            engine=engine,
            sessions=sessions,
            broker=broker,
            hub=hub,
            auth=auth,
            rooms=rooms,
            messages=messages,
            events=events,
            admin=AdminService(auth, lambda: hub.connection_count, hub.online_among),
            read_state=ReadStateService(limits.read_marker),
            reactions=ReactionService(limits.reaction, files),
            search=SearchService(engine.dialect.name, files, indexer),
            search_indexer=indexer,
            notifications=NotificationService(limits.read_marker, files),
            files=files,
            direct=DirectRoomService(rooms, limits.room),
            limits=limits,
        )

    async def start(self) -> None:
        await self.broker.start(self.hub.handle)
        self.hub.start()
        self.messages.writer.start()
        if self.search_indexer is not None:
            self.search_indexer.start()
        await self._bootstrap_admin()
        self._sweeper = asyncio.create_task(self._sweep_unsent_uploads(), name="unsent-uploads")

    async def _sweep_unsent_uploads(self) -> None:
        """Hourly: uploads abandoned in a draft stop counting against their owner's quota."""
        older_than = dt.timedelta(hours=self.settings.unsent_upload_hours)
        while True:
            try:
                async with self.sessions() as session:
                    removed = await self.files.sweep_unsent(session, older_than)
                    await session.commit()
                if removed:
                    log.info("removed %d upload(s) never sent", removed)
            except Exception:  # the database may be away: try again next time
                log.exception("sweeping unsent uploads failed")
            await asyncio.sleep(SWEEP_SECONDS)

    async def stop(self) -> None:
        await cancel_and_wait(self._sweeper)
        await self.hub.stop()
        await self.messages.writer.stop()
        if self.search_indexer is not None:
            await self.search_indexer.stop()
        await self.broker.stop()
        await self.limits.close()
        await self.engine.dispose()
        self.auth.hasher.close()

    async def readiness(self) -> Readiness:
        async def probe() -> None:
            async with self.engine.connect() as connection:
                await connection.execute(text("SELECT 1"))

        try:
            async with asyncio.timeout(2):
                await probe()
            database: Literal["ok", "unavailable"] = "ok"
        except Exception:  # any failure to answer is "not ready"
            database = "unavailable"
        broker = self.broker.status
        status: Literal["ok", "degraded", "unavailable"] = (
            "unavailable" if database != "ok" else "degraded" if broker == "unavailable" else "ok"
        )
        return Readiness(status=status, database=database, broker=broker)

    async def _bootstrap_admin(self) -> None:
        username, password = self.settings.admin_username, self.settings.admin_password
        if not (username and password):
            return
        account = UserCreate(username=username, password=password.get_secret_value())  # same rules as signup
        for _ in range(2):  # a second worker may create it at the same moment: then promote it
            try:
                async with self.sessions() as session:
                    await self.admin.ensure_admin(session, account.username, account.password, reset_password=False)
                break
            except Conflict:
                continue
        log.info("admin account %r is ready", username)
