"""A process's shutdown does not wait on Redis forever: redis-py's close of a subscription
connection can wait for the socket's end without bound (redis/redis-py#3941), which once left a
server's lifespan hanging in CI. The broker gives its connections CLOSE_SECONDS to close."""

import asyncio
import secrets

import pytest
from redis.asyncio import Redis

from app.realtime.broker import RedisBroker
from app.realtime.pubsub import ServerChannels
from tests.support.services import REDIS_URL


async def test_stop_returns_when_the_subscription_never_finishes_closing(monkeypatch: pytest.MonkeyPatch) -> None:
    never = asyncio.Event()

    async def close_forever(self: ServerChannels) -> None:
        await never.wait()

    monkeypatch.setattr(ServerChannels, "close", close_forever)
    monkeypatch.setattr(RedisBroker, "CLOSE_SECONDS", 0.2)
    broker = RedisBroker(Redis.from_url(REDIS_URL), f"chat-test-{secrets.token_hex(4)}")
    await broker.start(lambda event: None)
    assert broker.status == "ok"
    # Without the bound this waits forever; the test's own bound only turns that into a failure.
    await asyncio.wait_for(broker.stop(), timeout=30)
    assert not never.is_set()
