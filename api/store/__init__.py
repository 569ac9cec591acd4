"""Conversation state behind one interface (base.py), in this process's memory (memory.py) or in Redis
(redis.py, keys.py), chosen once at start-up by `open_store`."""
from __future__ import annotations

from typing import Optional

from api.settings import Settings
from api.store.base import ConversationStore

__all__ = ["ConversationStore", "open_store"]


def open_store(settings: Settings, secret: Optional[bytes] = None) -> ConversationStore:
    """Redis when REDIS_URL is set, else this process's memory. `secret` keys the HMACs of client
    addresses in the caps' windows (CHANNEL_ID_SECRET; without it, a random key per process)."""
    if settings.redis_url:
        from api.store.redis import RedisStore

        return RedisStore(settings, secret)
    from api.store.memory import MemoryStore

    return MemoryStore(settings, secret)
