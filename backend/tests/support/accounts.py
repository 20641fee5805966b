"""People who sign up and log in through the real endpoints, admins made as an operator makes
them, and access tokens a test signs itself (it knows the server's key)."""

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx
import jwt

from app.config import Settings
from tests.support.servers import LiveServer

PASSWORD = "correct horse battery"


@dataclass
class Account:
    id: int
    username: str
    password: str
    access_token: str
    refresh_token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.access_token}"}


# The `make_account` fixture: make_account("carol"), or make_account() for a new name.
AccountFactory = Callable[..., Awaitable[Account]]


async def login(http: httpx.AsyncClient, username: str, password: str = PASSWORD) -> httpx.Response:
    return await http.post("/token", data={"username": username, "password": password})


async def register(http: httpx.AsyncClient, username: str, password: str = PASSWORD) -> Account:
    """Sign up and log in through the real endpoints."""
    created = await http.post("/signup", json={"username": username, "password": password})
    assert created.status_code == 201, created.text
    tokens = await login(http, username, password)
    assert tokens.status_code == 200, tokens.text
    body = tokens.json()
    return Account(created.json()["id"], username, password, body["access_token"], body["refresh_token"])


async def make_admin(server: LiveServer, http: httpx.AsyncClient, username: str = "root") -> Account:
    """An admin made the way an operator would (the same service `create-admin` calls)."""
    context = server.context
    async with context.sessions() as session:
        await context.admin.ensure_admin(session, username, PASSWORD, reset_password=True)
    tokens = (await login(http, username)).json()
    me = (await http.get("/users/me", headers={"Authorization": f"Bearer {tokens['access_token']}"})).json()
    return Account(me["id"], username, PASSWORD, tokens["access_token"], tokens["refresh_token"])


def claims_of(account: Account, **changes: Any) -> dict[str, Any]:
    """The claims of the account's access token (unverified), with `changes`."""
    claims: dict[str, Any] = jwt.decode(account.access_token, options={"verify_signature": False})
    claims.update(changes)
    return claims


def signed(claims: dict[str, Any], settings: Settings) -> str:
    """A token the server takes for its own: these claims, signed with its key."""
    return jwt.encode(claims, settings.jwt_secret(), algorithm="HS256")


def access_token_expiring(account: Account, settings: Settings, in_seconds: int) -> str:
    """The account's access token (same user, same device), expiring `in_seconds` from now
    (already expired, when negative): no test waits out a real token's lifetime."""
    now = int(time.time())
    return signed(claims_of(account, iat=min(now, now + in_seconds - 1), exp=now + in_seconds), settings)
