"""Fixtures for the widget's browser tests: Debian's Chromium driven by Playwright, a fake service, the real one.

Needs: `apt-get install chromium`, `pip install -r tests/browser/requirements.txt` (Playwright; never run
`playwright install`: the browser comes from Debian), and `npm ci --prefix tests/browser` (axe-core).
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Iterator

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from widget_helpers import DESKTOP, http  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
SCREENSHOTS = REPO / "build" / "screenshots"
AXE_JS = HERE / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = os.environ.get("KESTREL_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_ready(url: str, proc: subprocess.Popen, timeout: float, log: Path) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            tail = log.read_text(errors="replace")[-3000:] if log.exists() else ""
            pytest.fail(f"server exited with code {proc.returncode} before it was ready:\n{tail}")
        try:
            status, _ = http("GET", url, timeout=2)
            if status == 200:
                return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.25)
    tail = log.read_text(errors="replace")[-3000:] if log.exists() else ""
    pytest.fail(f"{url} did not answer 200 within {timeout:.0f}s:\n{tail}")


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)


class Server:
    def __init__(self, base: str):
        self.base = base

    def url(self, path: str = "/") -> str:
        return self.base + path

    def log(self) -> dict:
        return http("GET", self.url("/_fake/log"))[1]

    def control(self, **body) -> None:
        http("POST", self.url("/_fake/control"), body)

    def wait_deleted(self, conversation_id: str, timeout: float = 10) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if conversation_id in self.log()["deleted"]:
                return True
            time.sleep(0.1)
        return False


def pytest_configure(config):
    config.addinivalue_line("markers", "browser: runs in a real browser (Chromium via Playwright); `-m 'not browser'` skips")


# ---------------------------------------------------------------- browser


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: install it with `apt-get install -y chromium`")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("Playwright is missing: pip install -r tests/browser/requirements.txt")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


class PageWatch:
    """What happened on a page that a test may want to assert never happened."""

    def __init__(self):
        self.dialogs: list[str] = []
        self.page_errors: list[str] = []
        self.console_errors: list[str] = []


def _watch(page) -> PageWatch:
    w = PageWatch()

    def on_dialog(d):
        w.dialogs.append(d.message)
        d.dismiss()

    page.on("dialog", on_dialog)
    page.on("pageerror", lambda e: w.page_errors.append(str(e)))
    page.on("console", lambda m: w.console_errors.append(m.text) if m.type == "error" else None)
    return w


@pytest.fixture
def new_page(browser):
    """new_page(**context_options) -> page, with page.watch collecting dialogs, errors and console errors."""
    contexts = []

    def make(**options):
        opts = dict(DESKTOP)
        opts.update(options)
        ctx = browser.new_context(**opts)
        # the exit URL used by the demo page: never leave this machine
        ctx.route(
            "https://www.bbc.co.uk/**",
            lambda route: route.fulfill(
                status=200, content_type="text/html", body="<!doctype html><title>Weather</title><h1>Weather</h1>"
            ),
        )
        contexts.append(ctx)
        page = ctx.new_page()
        page.set_default_timeout(15000)
        page.watch = _watch(page)
        return page

    yield make
    for ctx in contexts:
        ctx.close()


@pytest.fixture
def page(new_page):
    return new_page()


# ---------------------------------------------------------------- servers


@pytest.fixture(scope="session")
def fake_server(tmp_path_factory):
    port = free_port()
    log = tmp_path_factory.mktemp("fake") / "fake_service.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "fake_service:app", "--app-dir", str(HERE),
             "--host", "127.0.0.1", "--port", str(port), "--ws", "none", "--log-level", "warning"],
            cwd=REPO, stdout=out, stderr=subprocess.STDOUT,
        )
    try:
        wait_ready(f"http://127.0.0.1:{port}/ready", proc, 30, log)
        yield Server(f"http://127.0.0.1:{port}")
    finally:
        stop(proc)


@pytest.fixture
def fake(fake_server):
    http("POST", fake_server.url("/_fake/reset"))
    return fake_server


@contextlib.contextmanager
def running_service(tmp_path_factory, name: str, **env: str) -> Iterator[Server]:
    """`uvicorn api.main:create_app --factory` with the trained model on a free port, with `env` added to the environment."""
    models = sorted((REPO / "models").glob("*.tar.gz"))
    if not models:
        pytest.skip("no trained model in models/*.tar.gz yet (run `make train`); the real-service tests need one")
    port = free_port()
    log = tmp_path_factory.mktemp(name) / "service.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            # --ws wsproto: uvicorn's default websockets backend needs a newer `websockets` than rasa 3.6 allows
            [sys.executable, "-m", "uvicorn", "api.main:create_app", "--factory", "--host", "127.0.0.1", "--port", str(port),
             "--ws", "wsproto"],
            cwd=REPO, stdout=out, stderr=subprocess.STDOUT, env={**os.environ, **env},
        )
    try:
        wait_ready(f"http://127.0.0.1:{port}/ready", proc, 180, log)
        yield Server(f"http://127.0.0.1:{port}")
    finally:
        stop(proc)


@pytest.fixture(scope="session")
def real_service(tmp_path_factory):
    with running_service(tmp_path_factory, "real") as server:
        yield server


class PartnerSite:
    """A deployer's partner's website that embeds rasa-webchat (tests/browser/pages/rasa-webchat.html) and
    talks to the service cross-origin. `origin` is in the service's CORS_ORIGINS; `other_origin` (the same
    pages under another host name) is not."""

    FILES = {
        "/": (HERE / "pages" / "rasa-webchat.html", "text/html; charset=utf-8"),
        "/rasa-webchat.js": (HERE / "node_modules" / "rasa-webchat" / "lib" / "index.js", "application/javascript"),
    }

    def __init__(self, port: int) -> None:
        self.origin = f"http://127.0.0.1:{port}"
        self.other_origin = f"http://localhost:{port}"


class _PartnerPages(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 - the standard library's name
        path, content_type = PartnerSite.FILES.get(urllib.parse.urlparse(self.path).path, (None, ""))
        body = path.read_bytes() if path else b""
        self.send_response(200 if path else 404)
        self.send_header("Content-Type", content_type or "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture(scope="session")
def partner_site():
    for path, _ in PartnerSite.FILES.values():
        if not path.exists():
            pytest.fail(f"{path} is missing: run `npm ci --prefix tests/browser`")
    port = free_port()
    server = ThreadingHTTPServer(("127.0.0.1", port), _PartnerPages)
    thread = threading.Thread(target=server.serve_forever, name="partner-site", daemon=True)
    thread.start()
    try:
        yield PartnerSite(port)
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="session")
def partner_service(tmp_path_factory, partner_site):
    """The real service as deployed for the partner's site: its origin in CORS_ORIGINS."""
    with running_service(tmp_path_factory, "partner", CORS_ORIGINS=partner_site.origin) as server:
        yield server


# ---------------------------------------------------------------- helpers shared by the tests


@pytest.fixture(scope="session")
def screenshots_dir() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    ignore = SCREENSHOTS / ".gitignore"
    if not ignore.exists():
        ignore.write_text("# written by tests/browser; never committed\n*\n")
    return SCREENSHOTS


@pytest.fixture(scope="session")
def axe_source() -> Path:
    if not AXE_JS.exists():
        pytest.fail(f"axe-core is missing at {AXE_JS}: run `npm ci --prefix tests/browser`")
    return AXE_JS
