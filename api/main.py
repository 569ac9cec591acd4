"""The FastAPI app, built by `create_app` when the server starts (`python -m api`, or
`uvicorn api.main:create_app --factory`): the assistant, the web API, every channel (Rasa's REST and
Socket.IO, the messaging platforms), the demo page and operations endpoints, in one process. Nothing is
built at import, so importing this module reads no settings and opens no connection."""
from __future__ import annotations

from contextlib import asynccontextmanager
from typing import AsyncIterator, Optional

from fastapi import FastAPI

from api.http import docs_page, ops, pages, v1
from api.assistant import Assistant
from api.channels import install_channels
from api.http.errors import install_error_handlers
from api.logging_setup import setup_logging
from api.http.middleware import (
    BodyLimitMiddleware,
    CORSExceptSocketIO,
    MetricsMiddleware,
    SecurityHeadersMiddleware,
    UnexpectedErrorMiddleware,
)
from api.ratelimit import Limits
from api.http.schemas import request_models
from api.settings import Settings, check_facts

API_DESCRIPTION = """
Kestrel helps people who are being blackmailed with intimate images. This API serves the assistant.

* **/api/v1** — the web API: create a conversation, send messages or button payloads, delete it.
* **/webhooks/rest/webhook** and **/socket.io/** — Rasa's REST and Socket.IO channels, unchanged.
* Conversations idle for `RETENTION_MINUTES` are deleted. Nothing anyone types is logged.
"""


def create_app(settings: Optional[Settings] = None, assistant: Optional[Assistant] = None) -> FastAPI:
    """Build the app. Pass `assistant` to share one loaded model between apps (tests); the app then
    neither starts nor stops it."""
    settings = settings or Settings()
    setup_logging(settings.log_level)
    unverified_facts = check_facts(settings)  # raises UnconfirmedFacts in production
    owns_assistant = assistant is None
    assistant = assistant or Assistant(settings)
    limits = Limits(settings.rate_limit_per_client, settings.rate_limit_per_conversation,
                    admin_failures_per_minute=settings.rate_limit_admin_failures,
                    socketio_connections_per_minute=settings.rate_limit_socketio_connections,
                    socketio_open_per_client=settings.max_socketio_connections_per_client,
                    socketio_events_per_minute=settings.rate_limit_socketio_events,
                    # With Redis, one allowance for every worker and replica (api/ratelimit.py).
                    window=assistant.store.rate_window(),
                    secret=settings.channel_id_secret.get_secret_value().encode()
                    if settings.channel_id_secret else None)
    models = request_models(settings.max_text_chars)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        if owns_assistant:
            await assistant.start()  # returns at once; the model loads in the background
        yield
        if owns_assistant:
            await assistant.stop()

    app = FastAPI(
        title="Kestrel",
        version="1.0.0",
        description=API_DESCRIPTION,
        lifespan=lifespan,
        # FastAPI's own pages load unpinned scripts from a CDN; /docs is served pinned (api/http/docs_page.py)
        # and ReDoc, which would need the same, is left out.
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.assistant = assistant
    app.state.limits = limits
    app.state.unverified_facts = unverified_facts

    app.include_router(v1.build_router(models))
    # REST, Socket.IO, and each messaging platform whose credentials are configured.
    install_channels(app, settings, models)
    app.include_router(ops.build_router())
    app.include_router(ops.build_admin_router(models))
    app.include_router(pages.build_router())
    app.include_router(docs_page.build_router(app))
    app.mount("/static", pages.static_app(), name="static")
    install_error_handlers(app)

    # Added innermost first: errors are caught inside CORS (so 500s still carry CORS headers), and
    # metrics/security headers wrap everything, including mounted Socket.IO and static files.
    app.add_middleware(UnexpectedErrorMiddleware)
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes)
    if settings.cors_origins:
        app.add_middleware(
            CORSExceptSocketIO,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST", "DELETE"],
            # Idempotency-Key: the widget sends one with each message so a resend is never applied twice.
            allow_headers=["Content-Type", "Idempotency-Key"],
            # The widget on a deployer's site reads Retry-After to wait the right time after a 429.
            expose_headers=["Retry-After"],
            max_age=600,
        )
    app.add_middleware(SecurityHeadersMiddleware, cors_origins=settings.cors_origins)
    fixed_paths = [path for path in (getattr(r, "path", None) for r in app.routes) if path and "{" not in path]
    app.add_middleware(MetricsMiddleware, metrics=assistant.metrics, fixed_paths=fixed_paths,
                       mounts=["/static", "/socket.io"])
    return app

