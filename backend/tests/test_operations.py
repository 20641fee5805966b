"""Health, readiness, metrics, the OpenAPI document and settings that keep secrets."""

import gc
import os
import stat
from pathlib import Path

import httpx
import pytest

from app.config import RateLimit, Settings
from tests.support.accounts import register
from tests.support.servers import LiveServer, ServerFactory, SettingsFactory


async def test_healthz_and_readyz(server: LiveServer) -> None:
    async with httpx.AsyncClient(base_url=server.url) as http:
        assert (await http.get("/healthz")).json() == {"status": "ok"}
        ready = await http.get("/readyz")
        assert ready.status_code == 200
        assert ready.json() == {"status": "ok", "database": "ok", "broker": "in-process"}


async def test_what_the_app_starts_with_is_kept_out_of_full_collections_while_it_runs(
    server_factory: ServerFactory, settings_factory: SettingsFactory
) -> None:
    """Full collections of the cyclic GC would scan every module, route and schema each time (a
    pause of 100 ms and more every socket feels, with 1,000 sockets): frozen while the app runs."""
    live = await server_factory(settings_factory())
    assert gc.get_freeze_count() > 10_000
    await live.stop()
    assert gc.get_freeze_count() == 0


async def test_readyz_is_503_when_the_database_is_unreachable(
    server_factory: ServerFactory, settings_factory: SettingsFactory
) -> None:
    settings = settings_factory()
    live = await server_factory(settings)
    await live.context.engine.dispose()
    # Point the running server at a database that cannot be reached.
    from app.database import create_engine

    live.context.engine = create_engine(Settings(database_url="postgresql://nobody@127.0.0.1:1/none"))
    async with httpx.AsyncClient(base_url=live.url) as http:
        ready = await http.get("/readyz")
    assert ready.status_code == 503
    assert ready.json()["database"] == "unavailable"


async def test_metrics_count_requests_by_route(
    server_factory: ServerFactory, settings_factory: SettingsFactory
) -> None:
    live = await server_factory(settings_factory(metrics_token="scrape-me"))
    async with httpx.AsyncClient(base_url=live.url + "/api/v1") as api, httpx.AsyncClient(base_url=live.url) as http:
        alice = await register(api, "alice")
        await api.get("/rooms/1", headers=alice.headers)
        metrics = await http.get("/metrics", headers={"Authorization": "Bearer scrape-me"})
    assert metrics.status_code == 200
    assert 'chat_http_requests_total{method="GET",route="/api/v1/rooms/{room_id}",status="200"}' in metrics.text
    assert "chat_http_request_duration_seconds_bucket" in metrics.text
    assert "chat_websocket_connections" in metrics.text


async def test_metrics_need_the_metrics_token(server_factory: ServerFactory, settings_factory: SettingsFactory) -> None:
    live = await server_factory(settings_factory(metrics_token="scrape-me"))
    async with httpx.AsyncClient(base_url=live.url) as http:
        for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": "Basic scrape-me"}):
            refused = await http.get("/metrics", headers=headers)
            assert refused.status_code == 401 and "chat_http_requests_total" not in refused.text
            assert refused.headers["www-authenticate"] == "Bearer"


async def test_without_a_metrics_token_there_are_no_metrics(server: LiveServer) -> None:
    async with httpx.AsyncClient(base_url=server.url) as http:
        hidden = await http.get("/metrics", headers={"Authorization": "Bearer anything"})
    assert hidden.status_code == 404 and "chat_http_requests_total" not in hidden.text


async def test_openapi_documents_every_route_with_its_errors(server: LiveServer) -> None:
    async with httpx.AsyncClient(base_url=server.url) as http:
        spec = (await http.get("/openapi.json")).json()
        assert (await http.get("/docs")).status_code == 200
    paths = spec["paths"]
    for path in [
        "/api/v1/signup",
        "/api/v1/token",
        "/api/v1/token/refresh",
        "/api/v1/logout",
        "/api/v1/users/me",
        "/api/v1/sessions",
        "/api/v1/admin/users",
        "/api/v1/admin/stats",
        "/healthz",
        "/readyz",
    ]:
        assert path in paths, path
    assert "401" in paths["/api/v1/users/me"]["get"]["responses"]
    assert "409" in paths["/api/v1/signup"]["post"]["responses"]
    # The Swagger "Authorize" button: an OAuth2 password flow pointing at /api/v1/token.
    schemes = spec["components"]["securitySchemes"]
    assert schemes["OAuth2PasswordBearer"]["flows"]["password"]["tokenUrl"] == "/api/v1/token"
    assert all(op.get("summary") for item in paths.values() for op in item.values())


async def test_unknown_api_path_is_a_json_404(client: httpx.AsyncClient) -> None:
    response = await client.get("/nope")
    assert response.status_code == 404 and response.json() == {"detail": "Not Found"}


def test_generated_secret_key_is_kept_with_mode_0600(tmp_path: Path) -> None:
    first = Settings(data_dir=tmp_path).jwt_secret()
    again = Settings(data_dir=tmp_path).jwt_secret()
    assert first == again and len(first) >= 43
    mode = stat.S_IMODE(os.stat(tmp_path / "secret_key").st_mode)
    assert mode == 0o600


def test_secret_key_from_the_environment_wins(tmp_path: Path) -> None:
    assert Settings(data_dir=tmp_path, secret_key="s3cret-from-env").jwt_secret() == "s3cret-from-env"
    assert not (tmp_path / "secret_key").exists()


def test_settings_read_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://u@h/db")
    monkeypatch.setenv("MESSAGE_RATE_LIMIT", "5/2s")
    monkeypatch.setenv("LOGIN_RATE_LIMIT", "0")
    monkeypatch.setenv("CORS_ORIGINS", "https://a.example, https://b.example")
    settings = Settings()
    assert settings.async_database_url == "postgresql+asyncpg://u@h/db"
    assert settings.message_rate_limit == RateLimit(5, 2.0)
    assert not settings.login_rate_limit.enabled
    assert settings.cors_origins == ["https://a.example", "https://b.example"]
    assert Settings(bcrypt_rounds=12).bcrypt_rounds == 12 == Settings.model_fields["bcrypt_rounds"].default


def test_bad_rate_limit_is_refused_at_start() -> None:
    with pytest.raises(ValueError, match="N/SECONDSs"):
        Settings(message_rate_limit="lots")
