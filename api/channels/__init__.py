"""Messaging channels: Telegram, WhatsApp (Meta's Cloud API) and SMS/WhatsApp through Twilio.

`install_channels(app, settings)` adds the webhook of each channel whose credentials are configured (the
others' routes do not exist, so they answer 404). Setup per channel: docs/channels.md.
"""
from __future__ import annotations

import logging
import secrets
from contextlib import asynccontextmanager
from types import ModuleType
from typing import Any, AsyncIterator, List

from fastapi import FastAPI

from api.channels import telegram, twilio, whatsapp
from api.channels.common import SEEN_SECONDS, ChannelRuntime
from api.channels.menus import RedisMenuStore
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


def install_channels(app: FastAPI, settings: Settings) -> None:
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
    # With REDIS_URL the seen-set is shared by every process (api/stores.py RedisSeen); else in memory.
    seen = app.state.assistant.seen_store(SEEN_SECONDS)
    # Likewise the menus ("Reply 1 for …"), which expire with the conversation.
    assistant = app.state.assistant
    menus = (RedisMenuStore(assistant.redis, settings.retention_seconds, guard=assistant.store_guard)
             if assistant.redis is not None else None)
    runtime = ChannelRuntime(settings, assistant, app.state.limits, secret, seen=seen, menus=menus)
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
