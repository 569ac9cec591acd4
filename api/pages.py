"""The page at `/` and the static folder at `/static` (the widget's files, written in the widget issue)."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import APIRouter
from fastapi.responses import FileResponse, HTMLResponse, Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

STATIC_DIR = Path(__file__).resolve().parent / "static"
# Long enough to spare deployers' visitors a download per page view, short enough that a fix reaches
# them the same day; the ETag makes revalidation after that cheap.
STATIC_MAX_AGE = 3600

_PLACEHOLDER = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Kestrel</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body><h1>Kestrel</h1><p>The service is running. The chat page is not installed
(<code>api/static/index.html</code> is missing).</p></body></html>
"""


class CachedStaticFiles(StaticFiles):
    """StaticFiles already sends ETag/Last-Modified and answers If-None-Match with 304; add caching."""

    def file_response(self, full_path: Any, stat_result: Any, scope: Scope, status_code: int = 200) -> Response:
        response = super().file_response(full_path, stat_result, scope, status_code)
        response.headers["Cache-Control"] = f"public, max-age={STATIC_MAX_AGE}"
        return response

    async def check_config(self) -> None:
        # Starlette raises (a 500) when the folder is missing; until the widget ships, answer 404 instead.
        if self.directory is not None and Path(self.directory).is_dir():
            await super().check_config()


def build_router() -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.get("/")
    async def index() -> Response:
        page = STATIC_DIR / "index.html"
        if page.is_file():
            return FileResponse(page, media_type="text/html")
        return HTMLResponse(_PLACEHOLDER)

    return router


def static_app() -> StaticFiles:
    # STATIC_DIR is read here, at app build time, so tests can point it at a folder of their own.
    return CachedStaticFiles(directory=STATIC_DIR, check_dir=False)
