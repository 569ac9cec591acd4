"""The seen-set: which platform deliveries were already taken, so retries and replays do nothing.

In memory here (one process); with REDIS_URL the conversation store's shared one takes its place behind
the same `first_time`.
"""
from __future__ import annotations

import time
from typing import Callable, Protocol

from cachetools import TTLCache

# A delivery id is remembered this long. Platforms retry for hours (Meta for up to 7 days), so messages
# older than STALE_AFTER_SECONDS (api/channels/runtime.py) are dropped outright: together the two make a
# captured request worthless to replay, whenever it is replayed.
SEEN_SECONDS = 48 * 3600
SEEN_MAX_ENTRIES = 200_000


class SeenStore(Protocol):
    def first_time(self, key: str) -> bool:
        """Record `key`; True if it was not already recorded (atomically: Redis `SET key 1 NX EX ttl`)."""


class InMemorySeen:
    """This process's seen-set: each key remembered for `ttl` seconds, at most `max_entries` of them (the
    least recently seen go first)."""

    def __init__(self, ttl: float = SEEN_SECONDS, max_entries: int = SEEN_MAX_ENTRIES,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._entries: "TTLCache[str, bool]" = TTLCache(max_entries, ttl, timer=clock)

    def first_time(self, key: str) -> bool:
        if key in self._entries:
            return False
        self._entries[key] = True
        return True

    def __len__(self) -> int:
        self._entries.expire()
        return len(self._entries)
