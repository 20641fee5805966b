"""Forged and misused access tokens are refused with 401 and WWW-Authenticate."""

import base64
import json

import httpx
import jwt
import pytest

from app.config import Settings
from tests.support.accounts import Account, access_token_expiring, claims_of, signed


def _b64(data: dict[str, object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


async def _status(client: httpx.AsyncClient, token: str) -> httpx.Response:
    return await client.get("/users/me", headers={"Authorization": f"Bearer {token}"})


async def test_the_real_token_carries_every_claim(alice: Account, settings: Settings) -> None:
    claims = jwt.decode(alice.access_token, settings.jwt_secret(), algorithms=["HS256"], audience=settings.jwt_audience)
    assert {"sub", "type", "iat", "exp", "jti", "iss", "aud", "sid"} <= set(claims)
    assert claims["sub"] == str(alice.id) and claims["type"] == "access"
    assert claims["exp"] - claims["iat"] == settings.access_token_ttl_seconds
    assert jwt.get_unverified_header(alice.access_token)["alg"] == "HS256"


async def test_alg_none_is_refused(client: httpx.AsyncClient, alice: Account, settings: Settings) -> None:
    forged = f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(claims_of(alice))}."
    response = await _status(client, forged)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"


async def test_wrong_key_is_refused(client: httpx.AsyncClient, alice: Account, settings: Settings) -> None:
    forged = jwt.encode(claims_of(alice), "not-the-key-" * 4, algorithm="HS256")
    assert (await _status(client, forged)).status_code == 401


async def test_other_algorithm_with_the_right_key_is_refused(
    client: httpx.AsyncClient, alice: Account, settings: Settings
) -> None:
    forged = jwt.encode(claims_of(alice), settings.jwt_secret(), algorithm="HS512")
    assert (await _status(client, forged)).status_code == 401


async def test_expired_token_is_refused(client: httpx.AsyncClient, alice: Account, settings: Settings) -> None:
    forged = access_token_expiring(alice, settings, in_seconds=-60)
    assert (await _status(client, forged)).status_code == 401


@pytest.mark.parametrize(
    "change",
    [
        {"type": "refresh"},
        {"aud": "someone-else"},
        {"iss": "someone-else"},
        {"sub": "not-a-number"},
        {"sub": "999999"},
        {"sid": 999999},
    ],
)
async def test_tampered_claims_are_refused(
    client: httpx.AsyncClient, alice: Account, settings: Settings, change: dict[str, object]
) -> None:
    forged = signed(claims_of(alice, **change), settings)
    assert (await _status(client, forged)).status_code == 401


@pytest.mark.parametrize("missing", ["exp", "sid", "jti", "type", "aud"])
async def test_a_missing_claim_is_refused(
    client: httpx.AsyncClient, alice: Account, settings: Settings, missing: str
) -> None:
    claims = claims_of(alice)
    del claims[missing]
    forged = signed(claims, settings)
    assert (await _status(client, forged)).status_code == 401


async def test_refresh_token_presented_as_access_token_is_refused(client: httpx.AsyncClient, alice: Account) -> None:
    assert (await _status(client, alice.refresh_token)).status_code == 401


@pytest.mark.parametrize(
    "header", [b"Bearer", b"Bearer  x.y", b"Basic abc", b"bearer garbage.garbage.garbage", "Bearer é".encode()]
)
async def test_garbage_authorization_headers_are_refused(client: httpx.AsyncClient, header: bytes) -> None:
    response = await client.get("/users/me", headers={"Authorization": header})
    assert response.status_code == 401
