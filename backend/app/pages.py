"""The pages: the Next.js static export at `/`, Swagger UI at `/docs` from local files (no CDN),
the Content-Security-Policy each of them works under, and the answer to whatever under `/api/`
the API does not take (404, or 405 with `Allow`)."""

import base64
import hashlib
import logging
import re
from collections.abc import Callable
from pathlib import Path

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.routing import iter_route_contexts
from fastapi.staticfiles import StaticFiles
from starlette.routing import BaseRoute, Match
from starlette.types import Receive, Scope, Send
from swagger_ui_bundle import swagger_ui_path

log = logging.getLogger(__name__)

_INLINE_SCRIPT = re.compile(rb"<script>(.*?)</script>", re.S)


def inline_script_hashes(directory: Path) -> list[str]:
    """CSP hashes of the inline scripts in the export's pages (the bundler's bootstrap), so the
    policy can allow exactly those and no other inline script."""
    hashes = set()
    for page in directory.rglob("*.html"):
        for script in _INLINE_SCRIPT.findall(page.read_bytes()):
            hashes.add("'sha256-" + base64.b64encode(hashlib.sha256(script).digest()).decode() + "'")
    return sorted(hashes)


def content_security_policy(script_hashes: list[str]) -> str:
    return "; ".join(
        [
            "default-src 'self'",
            "script-src " + " ".join(["'self'", *script_hashes]),
            # React sets styles through the DOM; inline style attributes are harmless next to scripts.
            "style-src 'self' 'unsafe-inline'",
            "img-src 'self' data:",
            "connect-src 'self'",  # REST and the WebSocket, same origin
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


# Swagger UI starts from an inline script of FastAPI's; the page shows only our own API.
DOCS_POLICY = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
)


HTTP_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


def methods_taken(routes: list[BaseRoute], scope: Scope, fallback: object) -> list[str]:
    """Every method that the routes (other than the `fallback` endpoint) take at the scope's
    path, in HTTP_METHODS order: a route whose `matches()` says anything but NONE has the path."""
    taken: set[str] = set()
    for route in iter_route_contexts(routes):
        if route.endpoint is fallback:
            continue
        match, _ = route.matches(scope)
        if match is not Match.NONE:
            taken.update(route.methods or ())
    return [method for method in HTTP_METHODS if method in taken]


class ApiFallback:
    """Under /api/, what no route of the API took: 405 with every method the path takes in
    `Allow` (RFC 9110) when it is a path of the API, else 404. (Left alone, FastAPI answers the
    first case with a 405 that names the first matching route's methods only.)"""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        allowed = methods_taken(scope["app"].routes, scope, self)
        if allowed:
            headers = {"Allow": ", ".join(allowed)}
            response = JSONResponse({"detail": "Method Not Allowed"}, status_code=405, headers=headers)
        else:
            response = JSONResponse({"detail": "Not Found"}, status_code=404)
        await response(scope, receive, send)


def serve_pages(app: FastAPI, frontend_dir: Path) -> Callable[[str], str]:
    """Mount the docs and the frontend; returns the Content-Security-Policy for a path."""
    app.mount("/docs/assets", StaticFiles(directory=swagger_ui_path), name="docs-assets")

    @app.get("/docs", include_in_schema=False)
    async def swagger_ui() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url="/openapi.json",
            title="Chat API",
            swagger_js_url="/docs/assets/swagger-ui-bundle.js",
            swagger_css_url="/docs/assets/swagger-ui.css",
            swagger_favicon_url="/docs/assets/favicon-32x32.png",
        )

    # After every route of the API; an app rather than a function, so that it takes any method.
    # (Starlette's Route takes an ASGI app as well as a function; add_route's type names the latter only.)
    app.add_route("/api/{rest:path}", ApiFallback(), include_in_schema=False)  # type: ignore[arg-type]

    if (frontend_dir / "index.html").is_file():
        app.mount("/", StaticFiles(directory=frontend_dir, html=True), name="frontend")
        page_policy = content_security_policy(inline_script_hashes(frontend_dir))
    else:
        log.warning("no frontend build in %s: serving the API only", frontend_dir)
        page_policy = content_security_policy([])

    def policy_for_path(path: str) -> str:
        return DOCS_POLICY if path.startswith("/docs") else page_policy

    return policy_for_path
