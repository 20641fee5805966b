"""The pages: the Next.js static export at `/`, Swagger UI at `/docs` from local files (no CDN),
and the Content-Security-Policy each of them works under."""

import base64
import hashlib
import logging
import re
from collections.abc import Callable
from pathlib import Path

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
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

    @app.api_route("/api/{rest:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE"], include_in_schema=False)
    async def api_not_found(rest: str) -> Response:
        return JSONResponse({"detail": "Not Found"}, status_code=404)

    if (frontend_dir / "index.html").is_file():
        app.mount("/", StaticFiles(directory=frontend_dir, html=True), name="frontend")
        page_policy = content_security_policy(inline_script_hashes(frontend_dir))
    else:
        log.warning("no frontend build in %s: serving the API only", frontend_dir)
        page_policy = content_security_policy([])

    def policy_for_path(path: str) -> str:
        return DOCS_POLICY if path.startswith("/docs") else page_policy

    return policy_for_path
