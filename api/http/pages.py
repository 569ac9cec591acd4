"""The page at `/`, the static folder at `/static` (the widget's files), and the help contacts the widget
shows when the chat itself cannot be reached.

The demo page names helplines, their numbers and age limits. Numbers change, so the page is a template
filled from the resource file (`{childline_phone}`, `{childline_tel}`, `{childline_under}`), like the
assistant's own replies, and never typed in. The widget's help contacts come from the same values.
"""
from __future__ import annotations

import html
import json
import re
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, Optional

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

from actions.facts import Facts, load_facts
from api.http.routing import settings_of
from api.settings import Settings

STATIC_DIR = Path(__file__).resolve().parents[1] / "static"  # api/static
# Long enough to spare deployers' visitors a download per page view, short enough that a fix reaches
# them the same day; the ETag makes revalidation after that cheap.
STATIC_MAX_AGE = 3600

_PLACEHOLDER = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Kestrel</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body><h1>Kestrel</h1><p>The service is running. The chat page is not installed
(<code>api/static/index.html</code> is missing).</p></body></html>
"""


@lru_cache(maxsize=None)
def profile_facts(profile: str) -> Facts:
    return load_facts(profile)


def demo_page_values(facts: Facts) -> Dict[str, str]:
    """The facts' template values, plus `{key}_tel` (a tel: link) and `{key}_under` (the first age a
    service no longer takes) for each service."""
    values = dict(facts.template_vars())
    for key, service in facts.services.items():
        if service.phone:
            values[f"{key}_tel"] = "tel:" + re.sub(r"\s", "", service.phone)
        if service.max_age is not None:
            values[f"{key}_under"] = str(service.max_age + 1)
    return values


def widget_help(facts: Facts) -> Dict[str, Dict[str, str]]:
    """The values the widget fills its help lines from (`{childline_phone}`, `{childline_under}`, ...) and
    whose `*_phone` numbers it turns into tel: links: the same values as the demo page, so the widget
    never has to carry a number of its own."""
    values = demo_page_values(facts)
    return {"values": {key: value for key, value in values.items() if not key.endswith("_tel")}}


def widget_help_json(facts: Facts) -> str:
    return json.dumps(widget_help(facts), ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def _minutes(value: float) -> str:
    return f"{value:g} minute" + ("" if value == 1 else "s")


def render_demo_page(template: str, facts: Facts, retention_minutes: Optional[float] = None) -> str:
    """The demo page, with `{widget_help}` (for the widget's data-help attribute) and `{retention}` (how
    long an idle conversation is kept on the server) as well as every service value."""
    if retention_minutes is None:
        retention_minutes = Settings.__fields__["retention_minutes"].default
    raw = {**demo_page_values(facts), "widget_help": widget_help_json(facts), "retention": _minutes(retention_minutes)}
    return template.format_map({key: html.escape(value) for key, value in raw.items()})


class CachedStaticFiles(StaticFiles):
    """StaticFiles already sends ETag/Last-Modified and answers If-None-Match with 304; add caching."""

    def file_response(self, full_path: Any, stat_result: Any, scope: Scope, status_code: int = 200) -> Response:
        response = super().file_response(full_path, stat_result, scope, status_code)
        response.headers["Cache-Control"] = f"public, max-age={STATIC_MAX_AGE}"
        return response

    def lookup_path(self, path: str) -> Any:
        # The demo page's template, with its placeholders unfilled: `/` serves it filled in.
        if path.strip("/") == "index.html":
            return "", None
        # os.stat raises ValueError (not OSError) on a NUL byte, which Starlette would let become a 500.
        if "\x00" in path:
            return "", None
        return super().lookup_path(path)

    async def check_config(self) -> None:
        # Starlette raises (a 500) when the folder is missing; until the widget ships, answer 404 instead.
        if self.directory is not None and Path(self.directory).is_dir():
            await super().check_config()


def build_router() -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.get("/")
    async def index(request: Request) -> Response:
        page = STATIC_DIR / "index.html"
        if page.is_file():
            settings = settings_of(request)
            facts = profile_facts(settings.kestrel_profile)
            return HTMLResponse(render_demo_page(page.read_text(encoding="utf-8"), facts, settings.retention_minutes))
        return HTMLResponse(_PLACEHOLDER)

    return router


def static_app() -> StaticFiles:
    # STATIC_DIR is read here, at app build time, so tests can point it at a folder of their own.
    return CachedStaticFiles(directory=STATIC_DIR, check_dir=False)
