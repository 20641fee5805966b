"""Stopping a background task ends it even when its cancellation is lost (app/cancellation.py):
on Python 3.11 a task cancelled inside a redis-py command often carries on, and a shutdown that
awaited it once hung in CI. Each test's own bound turns a hang into a failure."""

import asyncio
import logging

import pytest
from redis.asyncio import Redis

from app import cancellation
from app.cancellation import cancel_and_wait
from tests.support.services import REDIS_URL

BOUND_SECONDS = 30  # far above what a stop takes; reached only by a hang


async def test_a_task_that_loses_its_first_cancellation_is_cancelled_again(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cancellation, "RECANCEL_SECONDS", 0.05)
    running, lost = asyncio.Event(), []

    async def loop() -> None:
        while True:
            running.set()
            try:
                await asyncio.sleep(3600)
            except asyncio.CancelledError:
                if lost:
                    raise
                lost.append(True)  # what wait_for does on 3.11 when the inner call has finished

    task = asyncio.create_task(loop())
    await running.wait()
    async with asyncio.timeout(BOUND_SECONDS):
        await cancel_and_wait(task, None)
    assert task.cancelled() and lost == [True]


async def test_loops_of_redis_commands_all_stop(monkeypatch: pytest.MonkeyPatch) -> None:
    """A loop like the hub's heartbeat, stopped mid-command over and over (a plain cancel and
    wait hangs on most of these: the cancel arrives while redis-py's `wait_for` is finishing)."""
    monkeypatch.setattr(cancellation, "RECANCEL_SECONDS", 0.01)
    redis = Redis.from_url(REDIS_URL, socket_timeout=2, socket_connect_timeout=2)
    commands = 0

    async def beat() -> None:
        nonlocal commands
        while True:
            await redis.zrangebyscore("chat-test-cancellation:none", "-inf", 0)
            commands += 1

    try:
        for _ in range(50):
            task = asyncio.create_task(beat())
            started = commands
            while commands < started + 3:  # stopped while it is busy with Redis
                await asyncio.sleep(0)
            async with asyncio.timeout(BOUND_SECONDS):
                await cancel_and_wait(task)
            assert task.done()
    finally:
        await redis.aclose()


async def test_an_error_a_task_ended_with_is_logged_not_raised(caplog: pytest.LogCaptureFixture) -> None:
    async def fails() -> None:
        raise RuntimeError("broken")

    task = asyncio.create_task(fails(), name="broken-task")
    await asyncio.sleep(0)  # it runs, and fails, before it is stopped
    with caplog.at_level(logging.ERROR, logger="app.cancellation"):
        await cancel_and_wait(task)
    logged = [record.getMessage() for record in caplog.records if record.name == "app.cancellation"]
    assert logged == ["task broken-task ended with an error"]
