"""Every way a conversation reaches the assistant besides the web API: Rasa's REST channel (`rest.py`),
Rasa's Socket.IO channel (`socketio/`), Telegram, WhatsApp (Meta's Cloud API) and SMS/WhatsApp through
Twilio.

Each channel follows one pattern: it reads its wire format, turns each message into one `Assistant.send`
(which applies retention, caps, metrics and privacy to all of them alike) and renders the replies in its
own shape; `install_channels` adds it to the app. The messaging platforms share what they have in
common: keyed ids (`ids.py`), the seen-set against retries (`seen.py`), what a message and a channel
are (`base.py`), talking to platform APIs (`platform.py`), menus for buttons and numbered options
(`menus.py`), text rendering (`text.py`) and running turns after the webhook is answered (`runtime.py`).
A messaging channel is on only when its credentials are configured (the others' routes do not exist, so
they answer 404). Setup per channel: docs/channels.md.
"""
from __future__ import annotations

import logging
import secrets
from contextlib import asynccontextmanager
from types import ModuleType
from typing import Any, AsyncIterator, Dict, List

from fastapi import FastAPI

from api.channels import rest, telegram, twilio, whatsapp
from api.channels.socketio.server import create_socketio, socketio_asgi_app
from api.channels.runtime import SEEN_SECONDS, ChannelRuntime
from api.logging_setup import log_fields
from api.settings import Settings

__all__ = ["install_channels"]

logger = logging.getLogger("api.channels")

CHANNELS = (telegram, whatsapp, twilio)
# At shutdown, turns already acknowledged to a platform get this long to finish and send their replies.
DRAIN_SECONDS = 10.0


def missing_settings(module: ModuleType, settings: Settings) -> List[str]:
    """The environment variables a channel still needs (empty: it is on)."""
    return [name.upper() for name in module.REQUIRED if not getattr(settings, name)]


def install_channels(app: FastAPI, settings: Settings, models: Dict[str, type]) -> None:
    """Add every channel to `app`, whose state already holds the assistant and the limits. `models`: the
    request models (api/http/schemas.py) the REST channel validates with."""
    app.include_router(rest.build_router(models))
    install_socketio(app, settings)
    install_messaging(app, settings)


def install_socketio(app: FastAPI, settings: Settings) -> None:
    sio = create_socketio(
        app.state.assistant, app.state.limits, settings.cors_origins, settings.max_text_chars,
        settings.max_body_bytes, client_session_ids=settings.socketio_client_session_ids,
    )
    app.state.sio = sio
    app.mount("/socket.io", socketio_asgi_app(sio), name="socketio")


def install_messaging(app: FastAPI, settings: Settings) -> None:
    """Telegram, WhatsApp, Twilio: each whose credentials are configured."""
    enabled = []
    for module in CHANNELS:
        missing = missing_settings(module, settings)
        if not missing:
            enabled.append(module)
        elif len(missing) < len(module.REQUIRED) and any(
            getattr(settings, name) for name in module.REQUIRED if name != "public_base_url"
        ):
            # Half-configured is almost certainly a mistake: say which variable is missing (never values).
            logger.warning(f"{_name(module)} channel is off: {', '.join(missing)} not set",
                           extra=log_fields(channel=_name(module), reason="incomplete_settings"))
    if not enabled:
        return
    if settings.channel_id_secret is None:
        logger.warning(
            "CHANNEL_ID_SECRET is not set: using a random key for this process. Messaging conversations "
            "will start over after a restart and differ between replicas; set it to keep them.",
            extra=log_fields(reason="no_channel_id_secret"),
        )
        secret = secrets.token_bytes(32)
    else:
        secret = settings.channel_id_secret.get_secret_value().encode("utf-8")
    # The seen-set and the menus ("Reply 1 for …", expiring with the conversation) are the conversation
    # store's: with Redis, shared by every process, so a retry or an answer may reach any of them.
    store = app.state.assistant.store
    runtime = ChannelRuntime(settings, app.state.assistant, app.state.limits, secret,
                             seen=store.seen(SEEN_SECONDS), menus=store.menus(settings.retention_seconds))
    app.state.channels = runtime
    for module in enabled:
        app.include_router(module.build_router(runtime))
        logger.info("channel enabled", extra=log_fields(channel=_name(module)))

    inner = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(application: Any) -> AsyncIterator[Any]:
        async with inner(application) as state:
            try:
                yield state
            finally:  # before the assistant stops: acknowledged messages still get their replies
                await runtime.drain(DRAIN_SECONDS)

    app.router.lifespan_context = lifespan


def _name(module: ModuleType) -> str:
    return module.__name__.rsplit(".", 1)[-1]
