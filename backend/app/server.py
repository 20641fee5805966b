"""`python -m app.server`: bring the schema up to date, then serve (what `make run` calls)."""

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
    uvicorn.run(
        "app.main:create_app",
        factory=True,
        host=settings.host,
        port=settings.port,
        workers=settings.workers,
        loop="uvloop",
        log_level=settings.log_level,
        log_config=None,  # app.logs configures logging (in every worker, via create_app)
        proxy_headers=True,
        **protocol_options(settings),
    )


def protocol_options(settings: Settings) -> dict[str, Any]:
    """How uvicorn speaks HTTP and WebSocket: the same for `make run` and the tests' servers."""
    return {
        "http": http_protocol(),
        "ws": "websockets-sansio",
        "ws_max_size": settings.ws_max_frame_bytes,
        # Compression would cost a deflate per socket per frame: fan-out sends one text to many.
        "ws_per_message_deflate": False,
        "access_log": False,  # app.middleware logs each request, without its query string
        "server_header": False,
    }


if __name__ == "__main__":
    main()
