"""`python -m app.server`: bring the schema up to date, then serve (what `make run` calls)."""

import math
import os
import sys
from pathlib import Path
from typing import Any

import uvicorn
from alembic import command
from alembic.config import Config

from app.config import Settings, get_settings
from app.logs import configure_logging
from app.server_internals import http_protocol

BACKEND_DIR = Path(__file__).resolve().parents[1]
# The HTTP protocol, for workers (WORKERS > 1) to import by name: the class is made in a function
# (app/server_internals.py), which spawning a worker cannot pickle.
HTTP_PROTOCOL = http_protocol()


def migrate(settings: Settings) -> None:
    config = Config(str(BACKEND_DIR / "alembic.ini"))
    config.attributes["settings"] = settings
    command.upgrade(config, "head")


def main() -> None:
    settings = get_settings()
    configure_logging(settings)
    if settings.workers > 1 and not settings.redis_url:
        sys.exit(
            "WORKERS > 1 needs REDIS_URL: without Redis each process only knows its own sockets, "
            "so a room would silently split between processes. Set REDIS_URL=redis://... or WORKERS=1."
        )
    migrate(settings)
    options = protocol_options(settings)
    if settings.workers > 1:
        prepare_metrics_folder(settings)
        if not isinstance(options["http"], str):  # workers are spawned: they import it by name
            options["http"] = "app.server:HTTP_PROTOCOL"
    uvicorn.run(
        "app.main:create_app",
        factory=True,
        host=settings.host,
        port=settings.port,
        workers=settings.workers,
        loop="uvloop",
        log_level=settings.log_level,
        log_config=None,  # app.logs configures logging (in every worker, via create_app)
        # After SIGTERM's drain (app/shutdown.py), which sets what is left of it.
        timeout_graceful_shutdown=math.ceil(settings.shutdown_timeout_seconds),
        **options,
    )


def prepare_metrics_folder(settings: Settings) -> None:
    """Several workers: Prometheus figures in prometheus-client's multiprocess mode (app/metrics.py),
    in PROMETHEUS_MULTIPROC_DIR (DATA_DIR/metrics unless set), emptied first: what a previous run
    left there would be added to this one's. The workers inherit the variable."""
    folder = Path(os.environ.get("PROMETHEUS_MULTIPROC_DIR") or settings.data_dir / "metrics")
    folder.mkdir(parents=True, exist_ok=True)
    for stale in folder.glob("*.db"):
        stale.unlink()
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(folder)


def protocol_options(settings: Settings) -> dict[str, Any]:
    """How uvicorn speaks HTTP and WebSocket: the same for `make run` and the tests' servers."""
    return {
        "http": http_protocol(),
        "ws": "websockets-sansio",
        "ws_max_size": settings.ws_max_frame_bytes,
        # Compression would cost a deflate per socket per frame: fan-out sends one text to many.
        "ws_per_message_deflate": False,
        "access_log": False,  # app.middleware logs each request, without its query string
        # Applied by the app to HTTP requests only (main.ChatApp): no socket uses the client's
        # address, and uvicorn's middleware would keep a coroutine frame alive per socket.
        "proxy_headers": False,
        "server_header": False,
    }


if __name__ == "__main__":
    main()
