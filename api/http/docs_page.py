"""The Swagger UI page at /docs, with its script and stylesheet pinned to one release by Subresource
Integrity: the browser refuses a CDN file that is not byte-for-byte the one hashed here, so a compromised
or re-pointed CDN cannot run script on this origin.

The hashes are of `swagger-ui-bundle.js` and `swagger-ui.css` in the npm package swagger-ui-dist at
SWAGGER_UI_VERSION (`npm pack swagger-ui-dist@VERSION`, then `openssl dgst -sha384 -binary FILE |
openssl base64 -A`). jsDelivr serves npm files unmodified, so the same bytes arrive from the CDN.
To upgrade, change the version and both hashes together (docs/security.md).
"""
from __future__ import annotations

from fastapi import APIRouter, FastAPI, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse

SWAGGER_UI_VERSION = "5.32.0"
SWAGGER_UI_BASE = f"https://cdn.jsdelivr.net/npm/swagger-ui-dist@{SWAGGER_UI_VERSION}/"
SWAGGER_JS = SWAGGER_UI_BASE + "swagger-ui-bundle.js"
SWAGGER_CSS = SWAGGER_UI_BASE + "swagger-ui.css"
SRI = {
    SWAGGER_JS: "sha384-7xcoc6ZKDFF7Ek627QTC3Bg/K+5Y36NJ8MWAE43D2m6+3Sh9XO3tdsfHhrS8gNIQ",
    SWAGGER_CSS: "sha384-3nuX7df3EaAoiqLBeyS1Ola0Gpg9ryJKVtarubwfnA1cOH8AWHUdbPSIvEqPZ9VH",
}


def pinned(html: str) -> str:
    """FastAPI's page with an integrity attribute on each CDN asset; fails loudly if its markup changed."""
    for url, digest in SRI.items():
        attribute = f'"{url}"'
        if html.count(attribute) != 1:
            raise RuntimeError(f"Swagger UI page no longer references {url} exactly once")
        html = html.replace(attribute, f'{attribute} integrity="{digest}" crossorigin="anonymous"')
    return html


def build_router(app: FastAPI) -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.get("/docs")
    async def docs(_: Request) -> HTMLResponse:
        page = get_swagger_ui_html(
            openapi_url=app.openapi_url or "/openapi.json",
            title=f"{app.title} - API reference",
            swagger_js_url=SWAGGER_JS,
            swagger_css_url=SWAGGER_CSS,
        )
        return HTMLResponse(pinned(bytes(page.body).decode()))

    return router
