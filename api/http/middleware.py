"""Pure ASGI middleware applied to every HTTP response, Socket.IO's included (it is mounted inside the app).

Pure ASGI rather than BaseHTTPMiddleware: it does not buffer responses and it sees mounted sub-apps.
"""
from __future__ import annotations

import logging
import time
from typing import Any, Iterable, List, Optional, Sequence, Tuple
from urllib.parse import urlsplit

from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.http.docs_page import SWAGGER_UI_BASE
from api.logging_setup import log_fields
from api.metrics import Metrics

access_logger = logging.getLogger("api.access")
error_logger = logging.getLogger("api.http.errors")

STATIC_PREFIX = "/static/"
DOCS_PATHS = ("/docs",)


def _csp(frame_ancestors: str, docs: bool) -> str:
    if docs:
        # Swagger UI is an inline script plus its assets, pinned by integrity (api/http/docs_page.py); the CDN
        # is allowed only for that one release's folder.
        cdn = SWAGGER_UI_BASE
        return (
            f"default-src 'self'; script-src 'self' 'unsafe-inline' {cdn}; style-src 'self' 'unsafe-inline' {cdn}; "
            "img-src 'self' data: https://fastapi.tiangolo.com; connect-src 'self'; object-src 'none'; "
            f"base-uri 'none'; frame-ancestors {frame_ancestors}"
        )
    return (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
        "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
        f"frame-ancestors {frame_ancestors}"
    )


class SecurityHeadersMiddleware:
    """CSP allowing only 'self', nosniff, no referrer, framing limited to this site (and configured
    origins), no caching of anything but static assets: a conversation must not linger on a shared device.
    Static assets (the widget script) get CORP cross-origin so deployers' pages can load them."""

    def __init__(self, app: ASGIApp, cors_origins: Sequence[str] = ()) -> None:
        self.app = app
        origins = [o for o in cors_origins if o != "*"]
        self.frame_ancestors = " ".join(["'self'", *origins])
        self.x_frame_options = None if origins else b"SAMEORIGIN"
        self.page_csp = _csp(self.frame_ancestors, docs=False).encode()
        self.docs_csp = _csp(self.frame_ancestors, docs=True).encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")
        is_static = path.startswith(STATIC_PREFIX)
        csp = self.docs_csp if path in DOCS_PATHS else self.page_csp
        https = scope.get("scheme") == "https"

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers: List[Tuple[bytes, bytes]] = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}

                def add(name: bytes, value: bytes) -> None:
                    if name not in present:
                        headers.append((name, value))

                if 300 <= message["status"] < 400:
                    headers = [(name, _relative(value) if name.lower() == b"location" else value)
                               for name, value in headers]
                add(b"content-security-policy", csp)
                add(b"x-content-type-options", b"nosniff")
                add(b"referrer-policy", b"no-referrer")
                add(b"permissions-policy", b"camera=(), microphone=(), geolocation=(), payment=()")
                add(b"cross-origin-resource-policy", b"cross-origin" if is_static else b"same-origin")
                add(b"cache-control", b"no-store")
                if self.x_frame_options:
                    add(b"x-frame-options", self.x_frame_options)
                if https:
                    add(b"strict-transport-security", b"max-age=31536000")
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


class CORSExceptSocketIO(CORSMiddleware):
    """CORS for configured origins on every route except Socket.IO, which applies the same origins itself
    (`socketio_channel.origin_checker`): with both, responses carried the allow-origin header twice,
    which browsers reject."""

    def __init__(self, app: ASGIApp, socketio_prefix: str = "/socket.io", **options: Any) -> None:
        super().__init__(app, **options)
        self.inner = app
        self.socketio_prefix = socketio_prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope.get("path", "").startswith(self.socketio_prefix):
            await self.inner(scope, receive, send)
            return
        await super().__call__(scope, receive, send)


class UnexpectedErrorMiddleware:
    """Turn any unhandled exception into a plain 500 and log only its type.

    Starlette would re-raise it to the server, which logs the message and traceback; Rasa's exception
    messages can contain the tracker, i.e. what the person wrote.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception as exc:  # noqa: BLE001
            error_logger.error("unhandled error", extra=log_fields(error_type=type(exc).__name__))
            if not started:
                await _send_json(send, 500, '{"detail":"Something went wrong on our side. Please try again."}')


class BodyLimitMiddleware:
    """Refuse request bodies over `max_bytes` with 413 before anything parses them.

    The body is read here (it is small by definition) and replayed to the app: FastAPI would turn an
    error raised mid-read into a 400, and a declared Content-Length can be absent (chunked uploads).
    """

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _header(scope, b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._reject(send)
            return

        chunks: List[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":  # client went away before finishing the body
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                await self._reject(send)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break

        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": b"".join(chunks), "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _reject(self, send: Send) -> None:
        await _send_json(send, 413, '{"detail":"Request body too large: the limit is %d bytes."}' % self.max_bytes)


class MetricsMiddleware:
    """Request counts and latency by route template, and one JSON access line per request.

    Labels and log lines use the matched route's template, never the path: paths contain conversation ids.
    """

    def __init__(self, app: ASGIApp, metrics: Metrics, fixed_paths: Iterable[str], mounts: Iterable[str]) -> None:
        self.app = app
        self.metrics = metrics
        self.fixed_paths = frozenset(fixed_paths)
        self.mounts = tuple(mounts)

    def _label(self, scope: Scope) -> str:
        route = scope.get("route")
        template: Optional[str] = getattr(route, "path", None)
        if template:
            return template
        path = scope.get("path", "")
        if path in self.fixed_paths:
            return path
        for prefix in self.mounts:
            if path == prefix or path.startswith(prefix + "/"):
                return prefix
        return "<unmatched>"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500

        async def recording_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, recording_send)
        finally:
            elapsed = time.perf_counter() - start
            route = self._label(scope)
            method = scope.get("method", "")
            self.metrics.requests.labels(route=route, method=method, status=str(status)).inc()
            self.metrics.latency.labels(route=route, method=method).observe(elapsed)
            access_logger.info(
                "request",
                extra=log_fields(route=route, method=method, status=status, duration_ms=round(elapsed * 1000, 1)),
            )


async def _send_json(send: Send, status: int, text: str) -> None:
    body = text.encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})


def _relative(location: bytes) -> bytes:
    """Starlette builds its trailing-slash redirects from the request's Host header, which the client
    chooses: a relative Location keeps every redirect on this site whatever Host was sent."""
    parts = urlsplit(location.decode("latin-1"))
    if not parts.scheme and not parts.netloc:
        return location
    relative = "/" + parts.path.lstrip("/") + (f"?{parts.query}" if parts.query else "")
    return relative.encode("latin-1")


def _header(scope: Scope, name: bytes) -> Optional[str]:
    for key, value in scope.get("headers", []):
        if key.lower() == name:
            return value.decode("latin-1")
    return None
