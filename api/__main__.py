"""`python -m api`: run the service with the settings from the environment (HOST, PORT, ...).

Prefer this to a bare `uvicorn api.main:create_app --factory`: uvicorn's default WebSocket implementation needs
websockets>=13, while Rasa 3.6 pins websockets 10.x, so `--ws websockets` is required, and uvicorn's
own access log (which prints conversation ids in paths and client addresses) must stay off.
"""
from __future__ import annotations

import os
import sys
from typing import Optional

import uvicorn
from pydantic import ValidationError

from api.settings import UNCONFIRMED_IN_PRODUCTION, Settings

WORKERS_NEED_REDIS = (
    "WORKERS={workers} needs REDIS_URL: without Redis each worker process keeps its own conversations and "
    "turn locks in memory, so a conversation would lose its history whenever a message reached another "
    "worker. Set REDIS_URL=redis://host:6379/0, or WORKERS=1."
)
SHARING_NEEDS_CHANNEL_ID_SECRET = (
    "{why} needs CHANNEL_ID_SECRET: without it each process hashes messaging ids (phone numbers, chat ids) "
    "with a random key of its own, so a message reaching another process would start a new conversation "
    "and the person's story would be lost. Set CHANNEL_ID_SECRET to the same random value everywhere, e.g. "
    "`python -c 'import secrets; print(secrets.token_urlsafe(32))'`."
)


def sharing_refusal(settings: Settings) -> Optional[str]:
    """Why these settings must not start: several processes would share conversations without a shared
    key for the channels' ids. None when they may."""
    if settings.channel_id_secret is not None:
        return None
    if settings.workers > 1:
        return SHARING_NEEDS_CHANNEL_ID_SECRET.format(why=f"WORKERS={settings.workers}")
    if settings.redis_url:
        # Redis is there to be shared by replicas, each of which would otherwise key ids its own way.
        return SHARING_NEEDS_CHANNEL_ID_SECRET.format(why="REDIS_URL")
    return None


def main() -> None:
    try:
        settings = Settings()
    except ValidationError as e:
        # pydantic names the variable and the rule, never the value: a secret's value stays off the console.
        sys.exit(f"Refusing to start: {e}")
    if settings.workers > 1 and not settings.redis_url:
        sys.exit(WORKERS_NEED_REDIS.format(workers=settings.workers))  # exit status 1, message on stderr
    refusal = sharing_refusal(settings)
    if refusal:
        sys.exit(refusal)
    # Before uvicorn, so a refusal is one plain message rather than a traceback from every worker.
    unconfirmed = settings.unconfirmed_facts() if settings.kestrel_mode == "production" else []
    if unconfirmed:
        sys.exit(UNCONFIRMED_IN_PRODUCTION.format(keys=", ".join(unconfirmed)))
    uvicorn.run(
        # Each worker builds its own app (and its own model thread) when it starts.
        "api.main:create_app",
        factory=True,
        host=settings.host,
        port=settings.port,
        ws="websockets",
        access_log=False,
        log_config=None,  # api.logging_setup installs JSON logging when the app is built
        # Behind a reverse proxy, set FORWARDED_ALLOW_IPS to its address so rate limits see real clients.
        proxy_headers=True,
        forwarded_allow_ips=os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1"),
        # Each worker is a process with its own model (about 1 GB of memory each, see docs/deployment.md),
        # sharing conversations and turn locks through Redis.
        workers=settings.workers if settings.workers > 1 else None,
    )


if __name__ == "__main__":
    main()
