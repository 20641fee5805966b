"""Graceful shutdown: what a server process does between SIGTERM and its exit.

Left to itself, uvicorn stops listening on SIGTERM and closes every socket at once, whatever was
still queued for it, and its lifespan then stops the message writer under a group commit in
flight. Instead, this process first:

1. drains: `/readyz` answers 503, a socket that connects anyway is closed with 1012 at once;
2. stops listening, so a load balancer's next connection goes to another host;
3. closes every socket with 1012 ("service restart") once the frames already queued for it are
   out: clients reconnect at once, elsewhere, and resume with `since`;
4. lets the message writer finish the group commit in flight (and the sends read before the
   sockets closed): stored and published, none cut half-way;
5. waits for the sockets to be gone;

all within SHUTDOWN_TIMEOUT_SECONDS, then hands over to uvicorn's own shutdown (HTTP requests in
flight get what is left of that time, then the lifespan stops the rest). A second SIGTERM skips
what is left of the drain.

It takes over SIGTERM only from uvicorn's own handler (`python -m app.server`, `uvicorn app.main:app`,
each worker of WORKERS > 1); a server run otherwise (the tests' in-process servers) is untouched."""

import asyncio
import logging
import math
import os
import signal
import threading
from collections.abc import Callable
from types import FrameType
from typing import Any, Protocol

import uvicorn

from app.context import AppContext
from app.realtime.frames import CloseCode

log = logging.getLogger(__name__)

SignalHandler = Callable[[int, FrameType | None], Any]


class Drains(Protocol):
    """The app, which refuses new sockets and answers `/readyz` with 503 while `draining`."""

    draining: bool


class GracefulShutdown:
    def __init__(self, app: Drains, context: AppContext) -> None:
        self._app = app
        self._context = context
        self._server: uvicorn.Server | None = None
        self._uvicorn_handler: SignalHandler | None = None
        self._task: asyncio.Task[None] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def install(self) -> None:
        """Take over SIGTERM, if uvicorn holds it (in the main thread, where handlers live)."""
        handler = signal.getsignal(signal.SIGTERM)
        server = getattr(handler, "__self__", None)
        if not isinstance(server, uvicorn.Server) or not callable(handler):
            return
        self._server, self._uvicorn_handler = server, handler
        self._loop = asyncio.get_running_loop()
        signal.signal(signal.SIGTERM, self._on_sigterm)

    def uninstall(self) -> None:
        if self._uvicorn_handler is not None and signal.getsignal(signal.SIGTERM) == self._on_sigterm:
            signal.signal(signal.SIGTERM, self._uvicorn_handler)

    def _on_sigterm(self, signum: int, frame: FrameType | None) -> None:
        assert self._loop is not None and self._uvicorn_handler is not None
        if self._task is None:
            self._loop.call_soon_threadsafe(self._start)
        else:  # a second SIGTERM: stop draining, shut down now
            self._uvicorn_handler(signum, frame)

    def _start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self.drain(), name="graceful-shutdown")
            # The bound holds whatever hangs after the drain (uvicorn's shutdown, the lifespan):
            # past it with time to spare, the process ends itself, as an orchestrator would.
            limit = self._context.settings.shutdown_timeout_seconds + EXIT_MARGIN_SECONDS
            watchdog = threading.Timer(limit, _exit_now, args=(limit,))
            watchdog.daemon = True
            watchdog.start()

    async def drain(self) -> None:
        assert self._server is not None and self._uvicorn_handler is not None
        loop = asyncio.get_running_loop()
        timeout = self._context.settings.shutdown_timeout_seconds
        deadline = loop.time() + timeout
        hub, writer = self._context.hub, self._context.messages.writer
        log.info("SIGTERM: draining %d socket(s), within %.1f s", hub.connection_count, timeout)
        try:
            self._app.draining = True
            for listener in getattr(self._server, "servers", []):
                listener.close()
            hub.close_all(CloseCode.SERVICE_RESTART)
            async with asyncio.timeout_at(deadline):
                await writer.drain()
                await hub.wait_until_empty()
            log.info("drained: every socket closed, nothing left to store")
        except TimeoutError:
            log.warning("drain not finished within %.1f s: %d socket(s) left", timeout, hub.connection_count)
        except Exception:  # whatever failed, the process must still shut down
            log.exception("drain failed")
        finally:
            # uvicorn's shutdown from here, within what is left of the time.
            self._server.config.timeout_graceful_shutdown = max(1, math.ceil(deadline - loop.time()))
            self._uvicorn_handler(signal.SIGTERM, None)


# How long after SHUTDOWN_TIMEOUT_SECONDS a process still running ends itself.
EXIT_MARGIN_SECONDS = 10.0


def _exit_now(after: float) -> None:
    log.error("still running %.0f s after SIGTERM: exiting now", after)
    logging.shutdown()
    os._exit(1)
