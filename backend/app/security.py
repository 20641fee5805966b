"""Passwords (bcrypt, off the event loop), access tokens (JWT, HS256 pinned) and refresh tokens."""

import asyncio
import hashlib
import secrets
import time
import uuid
from dataclasses import dataclass
from functools import cached_property

import bcrypt
import jwt

from app.config import Settings

ALGORITHM = "HS256"
REQUIRED_CLAIMS = ["sub", "type", "iat", "exp", "jti", "iss", "aud", "sid"]


class PasswordHasher:
    def __init__(self, rounds: int) -> None:
        self.rounds = rounds

    @cached_property
    def _dummy_hash(self) -> bytes:
        # Checked against when the user does not exist, so both failures take the same time.
        return bcrypt.hashpw(secrets.token_bytes(16), bcrypt.gensalt(self.rounds))

    async def hash(self, password: str) -> str:
        salt = bcrypt.gensalt(self.rounds)
        hashed = await asyncio.to_thread(bcrypt.hashpw, password.encode(), salt)
        return hashed.decode()

    async def verify(self, password: str, hashed: str | None) -> bool:
        encoded = password.encode()
        if hashed is None or len(encoded) > 72 or "\x00" in password:
            await asyncio.to_thread(bcrypt.checkpw, b"x", self._dummy_hash)
            return False
        return await asyncio.to_thread(bcrypt.checkpw, encoded, hashed.encode())


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
