"""Security headers on pages and API responses, CORS closed by default, the WebSocket Origin check."""

from pathlib import Path

import httpx

from app.pages import inline_script_hashes
from tests.support.accounts import Account
from tests.support.servers import LiveServer, ServerFactory, SettingsFactory
from tests.support.sockets import open_socket

HEADERS = {"x-content-type-options": "nosniff", "referrer-policy": "no-referrer", "x-frame-options": "DENY"}


def _assert_secure(response: httpx.Response) -> None:
    for name, value in HEADERS.items():
        assert response.headers.get(name) == value, (response.url, name)
    csp = response.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in csp and "default-src 'self'" in csp
    assert "'unsafe-eval'" not in csp


async def test_api_responses_carry_security_headers(server: LiveServer, alice: Account) -> None:
    async with httpx.AsyncClient(base_url=server.url) as http:
        for response in [
            await http.get("/api/v1/users/me", headers=alice.headers),
            await http.get("/api/v1/users/me"),  # errors too
            await http.get("/healthz"),
            await http.get("/openapi.json"),
        ]:
            _assert_secure(response)


async def test_pages_get_a_policy_that_allows_exactly_their_inline_scripts(
    server_factory: ServerFactory, settings_factory: SettingsFactory, tmp_path: Path
) -> None:
    site = tmp_path / "site"
    (site / "login").mkdir(parents=True)
    (site / "index.html").write_text("<html><script>boot()</script><script src='/a.js'></script></html>")
    (site / "login" / "index.html").write_text("<html><script>boot()</script><p>login</p></html>")
    live = await server_factory(settings_factory(frontend_dir=site))
    async with httpx.AsyncClient(base_url=live.url) as http:
        page = await http.get("/login/")
        assert page.status_code == 200 and "login" in page.text
        _assert_secure(page)
        [digest] = inline_script_hashes(site)
        assert f"script-src 'self' {digest}" in page.headers["content-security-policy"]
        assert "'unsafe-inline'" not in page.headers["content-security-policy"].split("style-src")[0]
        assert (await http.get("/login")).status_code in (200, 307)  # without the slash: redirected
        assert (await http.get("/api/v1/nope")).json() == {"detail": "Not Found"}


async def test_docs_are_served_from_local_files(server: LiveServer) -> None:
    async with httpx.AsyncClient(base_url=server.url) as http:
        docs = await http.get("/docs")
        assert docs.status_code == 200
        assert "cdn" not in docs.text.lower() and "/docs/assets/swagger-ui-bundle.js" in docs.text
        assert (await http.get("/docs/assets/swagger-ui-bundle.js")).status_code == 200
        _assert_secure(docs)


async def test_cors_is_closed_unless_configured(
    server_factory: ServerFactory, settings_factory: SettingsFactory
) -> None:
    closed = await server_factory(settings_factory())
    opened = await server_factory(settings_factory(cors_origins="https://app.example"))
    preflight = {"Origin": "https://app.example", "Access-Control-Request-Method": "POST"}
    async with httpx.AsyncClient() as http:
        no = await http.options(closed.url + "/api/v1/token", headers=preflight)
        assert "access-control-allow-origin" not in no.headers
        yes = await http.options(opened.url + "/api/v1/token", headers=preflight)
        assert yes.headers["access-control-allow-origin"] == "https://app.example"
        other = await http.options(
            opened.url + "/api/v1/token", headers={**preflight, "Origin": "https://evil.example"}
        )
        assert "access-control-allow-origin" not in other.headers


async def test_websocket_from_a_foreign_origin_is_refused(server: LiveServer, alice: Account) -> None:
    foreign = await open_socket(server, alice.access_token, origin="https://evil.example")
    assert await foreign.closed_with() == 1008
    same = await open_socket(server, alice.access_token, origin=f"http://127.0.0.1:{server.port}")
    assert (await same.recv())["type"] == "hello"
    await same.close()
    no_origin = await open_socket(server, alice.access_token)  # not a browser
    assert (await no_origin.recv())["type"] == "hello"
    await no_origin.close()
