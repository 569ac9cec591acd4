"""A small stand-in for the Kestrel web service, for the widget's browser tests.

It implements the public HTTP contract (/api/v1/conversations ..., /api/v1/help-contacts) with canned
replies, so the widget can be tested without the trained model and without depending on the assistant's
wording. It also serves the real demo page (filled in from resources/ by api.http.pages, as the real service does)
and static folder (api/static/) where the real service does, plus a few test pages, and control endpoints
under /_fake/ that the tests use to inject failures, change the help contacts and read a log.

Run: python -m uvicorn fake_service:app --app-dir tests/browser --port 8765
"""

from __future__ import annotations

import asyncio
import html
import json
import os
import secrets
import sys
import threading
from pathlib import Path

from fastapi import FastAPI, Request, Response
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
from actions.facts import load_facts  # noqa: E402
from api.http import pages  # noqa: E402

FACTS = load_facts("uk")
# KESTREL_TEST_STATIC_DIR runs the tests against another copy of the widget (say, an older release).
STATIC = Path(os.environ.get("KESTREL_TEST_STATIC_DIR") or ROOT / "api" / "static")
HERE = Path(__file__).resolve().parent

STRICT_CSP = (
    "default-src 'none'; script-src 'self' {extra}; style-src 'self'; connect-src 'self' {extra}; "
    "img-src 'self'; font-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'; "
    "require-trusted-types-for 'script'; trusted-types 'none'"
)

INJECTION_TEXT = (
    "Markup test: <img src=x onerror=alert(1)> and <script>window.__kestrelPwned = 1; alert(2)</script> "
    "<b>not bold</b> <a href=\"javascript:alert(3)\">html link</a>\n"
    "[markdown link](javascript:alert(4)) javascript:alert(5) data:text/html,<script>alert(6)</script> "
    "vbscript:msgbox(7)\n"
    "<style>*{display:none!important}</style><iframe src=\"javascript:alert(8)\"></iframe>"
)

FORMAT_TEXT = (
    "**Don't pay.** Paying rarely makes it stop.\n"
    "Here's what helps:\n"
    "• Stop replying and block them\n"
    "• Keep screenshots as evidence\n"
    "- Report it at https://www.ceop.police.uk/Safety-Centre/.\n"
    "\n"
    "Call Childline free on 0800 1111, Samaritans on 116 123, or 999 in an emergency. "
    "Text SHOUT to 85258. Victim Support: 08 08 16 89 111. Or see childline.org.uk/remove "
    "and [Report Remove](https://www.childline.org.uk/remove). You can also use tel:101.\n\n"
    "Not links: £999, 15 years old, 2,000 people, help@nspcc.org.uk, 200000."
)

GREETING = {
    "text": "Hi, I'm Kestrel (a test double). **You're not in trouble.**\nWhat's happening?",
    "buttons": [
        {"title": "Someone wants money", "payload": "/blackmail_money"},
        {"title": "Show formatting", "payload": "/format"},
        {"title": "Show markup", "payload": "/inject"},
    ],
}

AGE_BUTTONS = [
    {"title": "Under 18", "payload": '/tell_age{"age_group":"under_18"}'},
    {"title": "18 or over", "payload": '/tell_age{"age_group":"adult"}'},
    {"title": "I'd rather not say", "payload": "/prefer_not_say"},
]


class State:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        self.conversations: dict[str, int] = {}
        self.created: list[str] = []
        self.deleted: list[str] = []
        self.received: list[dict] = []
        self.idempotency_keys: list[str | None] = []  # one per received message, in the same order
        self.cookies_seen: int = 0
        self.fail: list[dict] = []
        self.delay: float = 0.0
        # what /api/v1/help-contacts answers: None for the real resource file's values
        self.help: dict | None = None
        self.help_status: int = 200
        self.help_requests: int = 0


state = State()
app = FastAPI(title="Kestrel fake service (tests only)")
app.add_middleware(
    CORSMiddleware,
    allow_origin_regex=r"http://(127\.0\.0\.1|localhost)(:\d+)?",
    allow_methods=["GET", "POST", "DELETE", "OPTIONS"],
    allow_headers=["Content-Type", "Accept", "Idempotency-Key"],
    expose_headers=["Retry-After"],
    allow_credentials=False,
)


def reply(text: str, buttons: list[dict] | None = None) -> dict:
    return {"text": text, "buttons": buttons or []}


async def injected_failure(request: Request) -> Response | None:
    """Apply any failure or delay a test asked for, before handling an /api/v1 POST."""
    if request.headers.get("cookie"):
        with state.lock:
            state.cookies_seen += 1
    if state.delay:
        await asyncio.sleep(state.delay)
    with state.lock:
        failure = state.fail.pop(0) if state.fail else None
    if failure is None:
        return None
    headers = {}
    if failure.get("retry_after") is not None:
        headers["Retry-After"] = str(failure["retry_after"])
    return JSONResponse({"detail": "injected failure"}, status_code=failure["status"], headers=headers)


@app.get("/health")
def health() -> dict:
    return {"status": "ok"}


@app.get("/ready")
def ready() -> dict:
    return {"status": "ready"}


@app.post("/api/v1/conversations", status_code=201)
async def create_conversation(request: Request):
    failure = await injected_failure(request)
    if failure is not None:
        return failure
    cid = secrets.token_urlsafe(24)
    with state.lock:
        state.conversations[cid] = 0
        state.created.append(cid)
    return JSONResponse({"conversation_id": cid, "messages": [GREETING]}, status_code=201)


def answer(text: str | None, payload: str | None) -> list[dict]:
    said = (payload or text or "").strip()
    low = said.lower()
    if low.startswith("/inject") or "markup" in low:
        return [reply(INJECTION_TEXT, [{"title": "<img src=x onerror=alert(9)>", "payload": "/inject"}])]
    if low.startswith("/format") or "format" in low:
        return [reply(FORMAT_TEXT)]
    if low.startswith("/blackmail_money") or "money" in low or "nudes" in low:
        return [
            reply("That sounds really frightening. **Don't pay them.** Paying usually makes them ask for more."),
            reply("So I can point you to the right help: how old are you?", AGE_BUTTONS),
        ]
    if low.startswith("/tell_age") or low.startswith("/prefer_not_say") or "under 18" in low:
        return [reply("Step 1: stop replying and block them.", [{"title": "Done, what's next?", "payload": "/next_step"}])]
    if low.startswith("/next_step") or low in {"next", "done"}:
        return [reply(
            "**Your plan**\n✓ Don't pay\n✓ Block and report\n✓ Talk to someone you trust\n\n"
            "If they message again:\n1. Don't reply\n2. Come back here"
        )]
    return [reply(f"You said: {said}", [{"title": "Next", "payload": "/next_step"}])]


@app.post("/api/v1/conversations/{cid}/messages")
async def post_message(cid: str, request: Request):
    failure = await injected_failure(request)
    if failure is not None:
        return failure
    try:
        body = await request.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        return JSONResponse({"detail": "malformed JSON"}, status_code=422)
    if not isinstance(body, dict):
        return JSONResponse({"detail": "expected an object"}, status_code=422)
    text, payload = body.get("text"), body.get("payload")
    if payload is None and (not isinstance(text, str) or not text.strip()):
        return JSONResponse({"detail": "text must not be empty"}, status_code=422)
    with state.lock:
        if cid not in state.conversations:
            return JSONResponse({"detail": "conversation not found or expired"}, status_code=404)
        state.conversations[cid] += 1
        state.received.append({"conversation_id": cid, "text": text, "payload": payload})
        state.idempotency_keys.append(request.headers.get("idempotency-key"))
    return {"messages": answer(text, payload)}


@app.get("/api/v1/help-contacts")
def help_contacts() -> Response:
    with state.lock:
        state.help_requests += 1
        body, status = state.help, state.help_status
    if status != 200:
        return JSONResponse({"detail": "injected failure"}, status_code=status)
    return JSONResponse(body if body is not None else pages.widget_help(FACTS))


@app.delete("/api/v1/conversations/{cid}", status_code=204)
def delete_conversation(cid: str) -> Response:
    with state.lock:
        state.conversations.pop(cid, None)
        state.deleted.append(cid)
    return Response(status_code=204)


# ---------------------------------------------------------------- control endpoints for the tests


@app.post("/_fake/reset")
def fake_reset() -> dict:
    with state.lock:
        state.reset()
    return {"ok": True}


@app.post("/_fake/control")
async def fake_control(request: Request) -> dict:
    body = await request.json()
    with state.lock:
        if "fail" in body:
            state.fail = list(body["fail"])
        if "delay" in body:
            state.delay = float(body["delay"])
        if "help" in body:
            state.help = body["help"]
        if "help_status" in body:
            state.help_status = int(body["help_status"])
    return {"ok": True}


@app.post("/_fake/expire_all")
def fake_expire_all() -> dict:
    with state.lock:
        state.conversations.clear()
    return {"ok": True}


@app.get("/_fake/log")
def fake_log() -> dict:
    with state.lock:
        return {
            "created": list(state.created),
            "deleted": list(state.deleted),
            "received": list(state.received),
            "idempotency_keys": list(state.idempotency_keys),
            "live": list(state.conversations),
            "cookies_seen": state.cookies_seen,
            "help_requests": state.help_requests,
        }


# ---------------------------------------------------------------- pages


@app.get("/", response_class=HTMLResponse)
def demo_page() -> HTMLResponse:
    return HTMLResponse(pages.render_demo_page((STATIC / "index.html").read_text(encoding="utf-8"), FACTS))


@app.get("/before", response_class=HTMLResponse)
def before_page() -> HTMLResponse:
    return HTMLResponse("<!doctype html><html lang=en><title>Before</title><h1>A page visited earlier</h1>")


@app.get("/exit", response_class=HTMLResponse)
def exit_page() -> HTMLResponse:
    return HTMLResponse("<!doctype html><html lang=en><title>Exit</title><h1>Weather forecast</h1>")


@app.get("/slow-exit", response_class=HTMLResponse)
async def slow_exit_page(delay: float = 2.0) -> HTMLResponse:
    """An exit site that takes a while to answer: the window in which a second Escape (the browser's
    "Stop") could cancel leaving, and in which the help page must already be blanked."""
    await asyncio.sleep(min(delay, 10.0))
    return HTMLResponse("<!doctype html><html lang=en><title>Exit</title><h1>Weather forecast</h1>")


@app.get("/no-content")
def no_content() -> Response:
    """An exit URL the browser does not navigate to (204): the page that started leaving stays current."""
    return Response(status_code=204)


@app.get("/test-assets/hostile.css")
def hostile_css() -> Response:
    return Response((HERE / "pages" / "hostile.css").read_text(encoding="utf-8"), media_type="text/css")


@app.get("/test", response_class=HTMLResponse)
def test_page(request: Request) -> HTMLResponse:
    """A plain host page. Query options:
    csp=1       strict Content-Security-Policy (incl. Trusted Types) on the page
    hostile=1   the page's own CSS tries hard to break everything
    cross=1     load widget.js from the other loopback name (localhost <-> 127.0.0.1): a cross-origin embed
    widget=0    no widget at all (to compare the host page with and without it)
    data-*=...  passed through as attributes of the script tag
    """
    q = request.query_params
    host = request.url.hostname or "127.0.0.1"
    port = request.url.port
    other = "localhost" if host == "127.0.0.1" else "127.0.0.1"
    script_origin = f"http://{other}:{port}" if q.get("cross") == "1" else ""
    attrs = "".join(
        f' {html.escape(k)}="{html.escape(v)}"' for k, v in q.items() if k.startswith("data-")
    )
    hostile = '<link rel="stylesheet" href="/test-assets/hostile.css">' if q.get("hostile") == "1" else ""
    widget = (
        f'<script src="{script_origin}/static/widget.js"{attrs} defer></script>' if q.get("widget") != "0" else ""
    )
    body = f"""<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Host page</title>{hostile}</head>
<body>
<h1>A host website</h1>
<p id="para">Some text on the host page, with <a href="/before">a link</a>.</p>
<button type="button" id="host-button">Host button</button>
<button type="button" id="open-chat" data-kestrel-open>Chat with us</button>
{widget}
</body>
</html>"""
    headers = {}
    if q.get("csp") == "1":
        headers["Content-Security-Policy"] = STRICT_CSP.format(extra=script_origin)
    return HTMLResponse(body, headers=headers)


app.mount("/static", StaticFiles(directory=STATIC), name="static")
