"""Settings: every knob is an environment variable; the defaults serve one machine."""

import os
import re
import secrets
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
from sqlalchemy import make_url

REPO_ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class RateLimit:
    """`N/Ss`: at most `count` events per `seconds`; count 0 means no limit."""

    count: int
    seconds: float

    @property
    def enabled(self) -> bool:
        return self.count > 0

    @classmethod
    def parse(cls, text: str) -> "RateLimit":
        text = text.strip()
        if text in ("0", "off", ""):
            return cls(0, 1.0)
        match = re.fullmatch(r"(\d+)\s*/\s*(\d+(?:\.\d+)?)\s*s?", text)
        if not match or float(match.group(2)) <= 0:
            raise ValueError(f"rate limit {text!r} is not of the form N/SECONDSs (e.g. 20/10s) or 0")
        return cls(int(match.group(1)), float(match.group(2)))


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=None, extra="ignore", case_sensitive=False)

    data_dir: Path = REPO_ROOT / "data"
    # Unset: a SQLite file in data_dir. `postgresql://…` is served by asyncpg, `mariadb://…` (or
    # `mysql://…`: MariaDB 10.10 and later) by asyncmy, always in utf8mb4.
    database_url: str | None = None
    # Unset: the in-process broker (one server process). Set: Redis pub/sub across processes, on one
    # Redis (`redis://host:6379/0`) or a Redis Cluster (`redis+cluster://host:port,host:port`).
    redis_url: str | None = None
    # Prefix of every Redis key and channel, so several deployments (or test runs) share a server.
    redis_prefix: str = "chat"
    # Unset: generated once and kept in data_dir/secret_key (mode 0600).
    secret_key: SecretStr | None = None

    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 1
    frontend_dir: Path = REPO_ROOT / "frontend" / "out"
    log_format: Literal["text", "json"] = "text"
    # SIGTERM: sockets close with 1012 and the group commit in flight finishes (app/shutdown.py);
    # the process has exited this long after (give or take the closing of its connections).
    shutdown_timeout_seconds: float = Field(default=10.0, gt=0)
    log_level: str = "info"

    access_token_ttl_seconds: int = Field(default=15 * 60, ge=1)
    refresh_token_ttl_days: int = Field(default=30, ge=1)
    # A device's refresh token presented again this soon after its rotation is a reload that
    # raced the answer, not a theft: it gets a new pair instead of signing the device out.
    refresh_reuse_grace_seconds: float = Field(default=30.0, ge=0)
    jwt_issuer: str = "chat-api"
    jwt_audience: str = "chat-app"
    # bcrypt cost 12 takes ~0.25 s on this hardware: slow for attackers, fine for a login.
    bcrypt_rounds: int = Field(default=12, ge=4, le=16)

    max_message_length: int = 4000
    # Largest HTTP request body (413 beyond): the API's bodies are small JSON documents.
    max_request_bytes: int = 1024 * 1024
    # Sockets one user may hold open on one server process (a few tabs and devices, not a flood).
    max_connections_per_user: int = Field(default=20, ge=1)
    cors_origins: Annotated[list[str], NoDecode] = []
    # Proxies whose X-Forwarded-For / X-Forwarded-Proto are believed (comma-separated addresses or
    # networks, `*` for any), as uvicorn's --forwarded-allow-ips: the client address of a request.
    forwarded_allow_ips: str = "127.0.0.1"
    # Unset: no /metrics. Set: Prometheus scrapes /metrics with `Authorization: Bearer <token>`.
    metrics_token: SecretStr | None = None
    admin_username: str | None = None
    admin_password: SecretStr | None = None

    # Rate limits (app/ratelimit.py), `N/Ss` or 0 (off): per user, or per address for logins and
    # signups. Shared by every process through Redis when REDIS_URL is set.
    message_rate_limit: Annotated[RateLimit, NoDecode] = RateLimit(20, 10)
    # Failed logins per (username, address) and per address: never a lockout from elsewhere.
    login_rate_limit: Annotated[RateLimit, NoDecode] = RateLimit(10, 60)
    signup_rate_limit: Annotated[RateLimit, NoDecode] = RateLimit(20, 3600)
    edit_rate_limit: Annotated[RateLimit, NoDecode] = RateLimit(30, 60)  # edits and deletions
    reaction_rate_limit: Annotated[RateLimit, NoDecode] = RateLimit(60, 60)  # reactions added or taken back
    room_rate_limit: Annotated[RateLimit, NoDecode] = RateLimit(20, 3600)  # rooms created, direct rooms started
    invite_rate_limit: Annotated[RateLimit, NoDecode] = RateLimit(60, 3600)  # members added to rooms
    # The web client sends at most one marker per 300 ms per open room: 3 a second while it reads.
    read_marker_rate_limit: Annotated[RateLimit, NoDecode] = RateLimit(100, 10)

    # A reload or a server restart reconnects within seconds; only a longer absence is a "leave".
    presence_grace_seconds: float = 10.0
    # Frames queued for one socket before it counts as too slow and is closed (1013); the client
    # then resumes with `since`, so nothing is lost and the room never waits for it.
    ws_send_queue_limit: int = 1000
    # Largest inbound WebSocket frame (docs/api.md: 1009 beyond 64 KiB).
    ws_max_frame_bytes: int = 64 * 1024
    # Write frames straight to uvicorn's transport (app/server_internals.py, when uvicorn and websockets
    # are the versions it was written for); off: through ASGI `send`.
    ws_direct_writes: bool = True
    # Most messages replayed on resume; beyond it the client gets `gap` and pages through history.
    ws_replay_limit: int = 1000
    # A new socket must take its whole `hello` and replay within this long (the database is done
    # with before the first write); else it is closed 1013 and resumes with `since` from the last
    # message it got. 1,000 messages of 4,000 characters are ~4 MB: ~0.8 MB/s at the default.
    ws_replay_timeout_seconds: float = Field(default=5.0, gt=0)

    # Files (app/services/files.py). Unset UPLOAD_DIR: DATA_DIR/uploads (see `upload_folder`).
    upload_dir: Path | None = None
    # Largest file one upload may carry (413 beyond, as soon as it is exceeded).
    max_upload_bytes: int = Field(default=25 * 1024 * 1024, ge=1)
    # What one person's uploads may add up to, sent or not (413 beyond).
    upload_quota_bytes: int = Field(default=1024**3, ge=0)
    upload_rate_limit: Annotated[RateLimit, NoDecode] = RateLimit(30, 3600)  # files uploaded
    # Signed file URLs work at least this long (and at most a quarter longer: see UrlSigner).
    upload_url_seconds: int = Field(default=3600, ge=1)
    # Uploads never sent with a message are deleted this long after their upload (checked hourly).
    unsent_upload_hours: float = Field(default=24, gt=0)

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        if isinstance(value, str):
            return [origin.strip() for origin in value.split(",") if origin.strip()]
        return value

    @field_validator(
        "message_rate_limit",
        "login_rate_limit",
        "signup_rate_limit",
        "edit_rate_limit",
        "reaction_rate_limit",
        "room_rate_limit",
        "invite_rate_limit",
        "read_marker_rate_limit",
        "upload_rate_limit",
        mode="before",
    )
    @classmethod
    def _parse_rate_limit(cls, value: object) -> object:
        if isinstance(value, str):
            return RateLimit.parse(value)
        return value

    @property
    def async_database_url(self) -> str:
        url = self.database_url or f"sqlite:///{self.data_dir / 'chat.db'}"
        for plain, driver in (
            ("postgres://", "postgresql+asyncpg://"),
            ("postgresql://", "postgresql+asyncpg://"),
            ("sqlite://", "sqlite+aiosqlite://"),
            # SQLAlchemy's `mariadb` dialect: INSERT/DELETE ... RETURNING, and a MySQL server refused
            # at the first connection (it has no RETURNING, which the message writer needs).
            ("mysql://", "mariadb+asyncmy://"),
            ("mysql+asyncmy://", "mariadb+asyncmy://"),
            ("mariadb://", "mariadb+asyncmy://"),
        ):
            if url.startswith(plain):
                url = driver + url[len(plain) :]
                break
        if url.startswith(("mariadb+", "mysql+")):
            # Every connection in utf8mb4 (4-byte UTF-8: emoji), whatever the URL or server says.
            return make_url(url).update_query_dict({"charset": "utf8mb4"}).render_as_string(hide_password=False)
        return url

    @property
    def is_sqlite(self) -> bool:
        return self.async_database_url.startswith("sqlite")

    @property
    def is_mariadb(self) -> bool:
        return self.async_database_url.startswith(("mariadb+", "mysql+"))

    @property
    def upload_folder(self) -> Path:
        return self.upload_dir or self.data_dir / "uploads"

    def jwt_secret(self) -> str:
        if self.secret_key is not None:
            return self.secret_key.get_secret_value()
        return _secret_from_data_dir(self.data_dir)


def _secret_from_data_dir(data_dir: Path) -> str:
    """Read the generated key, creating it (mode 0600) on first use.

    Written to a private temporary file and linked into place, so a racing worker either
    wins or reads the complete key of the winner, never a half-written one."""
    path = data_dir / "secret_key"
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        tmp = data_dir / f".secret_key.{os.getpid()}.{secrets.token_hex(4)}"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(48))
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
    return path.read_text().strip()


@lru_cache
def get_settings() -> Settings:
    return Settings()
