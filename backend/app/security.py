"""Passwords (bcrypt, off the event loop), access tokens (JWT, HS256 pinned) and refresh tokens."""

import asyncio
import contextlib
import hashlib
import os
import secrets
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar

import bcrypt
import jwt

from app.config import Settings

T = TypeVar("T")

ALGORITHM = "HS256"
REQUIRED_CLAIMS = ["sub", "type", "iat", "exp", "jti", "iss", "aud", "sid"]


def _lower_priority() -> None:
    """bcrypt is meant to be slow: on a busy machine its threads should wait for the event
    loop, not the other way round (10 nice levels lower weighs about a tenth)."""
    with contextlib.suppress(OSError, AttributeError):  # Linux only; elsewhere: normal priority
        here = threading.get_native_id()
        os.setpriority(os.PRIO_PROCESS, here, min(19, os.getpriority(os.PRIO_PROCESS, here) + 10))


class PasswordHasher:
    """bcrypt in a pool of its own, one low-priority thread per usable core, so a burst of
    logins never takes the CPU from the event loop that serves the sockets."""

    def __init__(self, rounds: int) -> None:
        self.rounds = rounds
        self._pool = ThreadPoolExecutor(
            max_workers=len(os.sched_getaffinity(0)), thread_name_prefix="bcrypt", initializer=_lower_priority
        )
        self._dummy_hash: bytes | None = None

    async def _run(self, call: Callable[..., T], *args: Any) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._pool, call, *args)

    async def hash(self, password: str) -> str:
        hashed = await self._run(bcrypt.hashpw, password.encode(), bcrypt.gensalt(self.rounds))
        return hashed.decode()

    async def verify(self, password: str, hashed: str | None) -> bool:
        try:
            encoded = password.encode()
        except UnicodeEncodeError:
            encoded = b""
        if hashed is None or not 0 < len(encoded) <= 72 or b"\x00" in encoded:
            # Checked against a dummy when there is nothing to check, so every failure takes as long.
            if self._dummy_hash is None:
                self._dummy_hash = await self._run(bcrypt.hashpw, secrets.token_bytes(16), bcrypt.gensalt(self.rounds))
            await self._run(bcrypt.checkpw, b"x", self._dummy_hash)
            return False
        return await self._run(bcrypt.checkpw, encoded, hashed.encode())

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)


@dataclass(frozen=True)
class AccessClaims:
    user_id: int
    session_id: int
    expires_at: float


class InvalidToken(Exception):
    pass


class TokenCodec:
    def __init__(self, settings: Settings) -> None:
        self._key = settings.jwt_secret()
        self._issuer = settings.jwt_issuer
        self._audience = settings.jwt_audience
        self.ttl = settings.access_token_ttl_seconds

    def issue_access_token(self, user_id: int, session_id: int) -> str:
        now = int(time.time())
        claims = {
            "sub": str(user_id),
            "sid": session_id,
            "type": "access",
            "iat": now,
            "exp": now + self.ttl,
            "jti": uuid.uuid4().hex,
            "iss": self._issuer,
            "aud": self._audience,
        }
        return jwt.encode(claims, self._key, algorithm=ALGORITHM)

    def decode_access_token(self, token: str) -> AccessClaims:
        try:
            claims = jwt.decode(
                token,
                self._key,
                algorithms=[ALGORITHM],
                audience=self._audience,
                issuer=self._issuer,
                options={"require": REQUIRED_CLAIMS},
            )
            if claims["type"] != "access":
                raise InvalidToken("not an access token")
            return AccessClaims(int(claims["sub"]), int(claims["sid"]), float(claims["exp"]))
        except (jwt.PyJWTError, ValueError, TypeError) as exc:
            raise InvalidToken(str(exc)) from exc


def new_refresh_token() -> str:
    return secrets.token_urlsafe(32)  # 256 bits


def hash_refresh_token(token: str) -> str:
    # The token is 256 random bits: a fast hash is enough (nothing to brute-force), and a stolen
    # database yields no usable token.
    return hashlib.sha256(token.encode()).hexdigest()
