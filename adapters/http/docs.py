"""`/docs` (Swagger UI) and `/redoc`, served whole by the service: their JavaScript and CSS come
from the `fastapi-offline` package (no CDN, no third-party favicon), so they work in an
air-gapped cluster. The pages carry no inline script or style and are sent with
`Content-Security-Policy: default-src 'self'` (ReDoc's also allows its own `<style>` elements by
hash, see REDOC_STYLES; its search, which needs a `blob:` worker, is off). Swagger UI is started
by a script of ours (`static/swagger-init.js`). URLs are relative, so the pages also work behind a path prefix.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from fastapi import APIRouter, HTTPException
from fastapi.responses import FileResponse, HTMLResponse

from adapters.http.paths import DOCS_PATH

REDOC_PATH = "/redoc"
ASSETS_PATH = f"{DOCS_PATH}/assets"
CSP = "default-src 'self'"
REDOC_STYLES = (
    "sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=",
    "sha256-QMIg+bpjm3JdElJ388KYke01izlUW0UoNOeKjpMxdgc=",
)
"""The `<style>` elements ReDoc's bundle creates (an empty one that its styled-components fills
through the CSSOM, and one of fixed text): allowed by hash, since the bundle reads its CSP nonce
from a webpack internal that a page cannot set. A new bundle that makes others is caught by the
browser test (tests/system/test_docs_browser.py), which prints the hashes Chromium wants."""
REDOC_CSP = f"{CSP}; style-src 'self' " + " ".join(f"'{h}'" for h in REDOC_STYLES)
_VENDORED = Path(str(files("fastapi_offline") / "static"))
_OURS = Path(__file__).parent / "static"
ASSETS: dict[str, tuple[Path, str]] = {
    "swagger-ui-bundle.js": (_VENDORED / "swagger-ui-bundle.js", "text/javascript; charset=utf-8"),
    "swagger-ui.css": (_VENDORED / "swagger-ui.css", "text/css; charset=utf-8"),
    "redoc.standalone.js": (_VENDORED / "redoc.standalone.js", "text/javascript; charset=utf-8"),
    "favicon.png": (_VENDORED / "favicon.png", "image/png"),
    "swagger-init.js": (_OURS / "swagger-init.js", "text/javascript; charset=utf-8"),
}
ASSET_MAX_AGE_S = 3600

SWAGGER_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{title} - Swagger UI</title>
<link rel="stylesheet" href="{assets}/swagger-ui.css">
<link rel="icon" type="image/png" href="{assets}/favicon.png">
</head>
<body>
<div id="swagger-ui" data-openapi-url="{openapi}"></div>
<script src="{assets}/swagger-ui-bundle.js"></script>
<script src="{assets}/swagger-init.js"></script>
</body>
</html>
"""

REDOC_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{title} - ReDoc</title>
<link rel="icon" type="image/png" href="{assets}/favicon.png">
</head>
<body>
<redoc spec-url="{openapi}" disable-search="true"></redoc>
<script src="{assets}/redoc.standalone.js"></script>
</body>
</html>
"""


def docs_router(title: str, openapi_url: str = "/openapi.json") -> APIRouter:
    """The two pages and their assets (none of them in the OpenAPI document)."""
    router = APIRouter(include_in_schema=False)
    headers = {"Content-Security-Policy": CSP}
    # relative to the page (so that a proxy's path prefix is kept): /docs → ./docs/assets, ./openapi.json
    page = {"title": title, "assets": "." + ASSETS_PATH, "openapi": "." + openapi_url}

    @router.get(DOCS_PATH)
    async def swagger_ui() -> HTMLResponse:
        return HTMLResponse(SWAGGER_PAGE.format(**page), headers=headers)

    @router.get(REDOC_PATH)
    async def redoc() -> HTMLResponse:
        return HTMLResponse(REDOC_PAGE.format(**page), headers={"Content-Security-Policy": REDOC_CSP})

    @router.get(ASSETS_PATH + "/{name}")
    async def asset(name: str) -> FileResponse:
        if name not in ASSETS:
            raise HTTPException(status_code=404)
        path, media_type = ASSETS[name]
        return FileResponse(
            path, media_type=media_type, headers={**headers, "Cache-Control": f"public, max-age={ASSET_MAX_AGE_S}"}
        )

    return router
