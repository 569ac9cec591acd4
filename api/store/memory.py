"""Conversation state in this process's memory: one process, nothing shared, nothing to reach.

Expiry is cachetools.TTLCache's for the seen-set, the menus and the idempotency replies; the registry
(api/conversations.py) knows when each conversation was last active, and a sweeper erases those idle past
retention every quarter of it (a request never finds an expired one alive: `is_live` checks the time).
"""
from __future__ import annotations

import asyncio
import logging
import time
from typing import Any, Callable, Dict, List, Optional, Tuple

from cachetools import TTLCache

from api.conversation_caps import ConversationCaps
from api.idempotency import MemoryReplies
from api.logging_setup import log_fields
from api.settings import Settings
from api.store.base import ConversationStore
from api.store.errors import StoreErrors, StoreUnavailable
from api.store.memory_window import MemoryWindowStorage

logger = logging.getLogger(__name__)

SEEN_MAX_ENTRIES = 200_000
MENUS_MAX_ENTRIES = 50_000


class MemorySeen:
    """Each key remembered for `ttl` seconds, at most `max_entries` of them (the least recently seen go
    first)."""

    def __init__(self, ttl: float, max_entries: int = SEEN_MAX_ENTRIES,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._entries: "TTLCache[str, bool]" = TTLCache(max_entries, ttl, timer=clock)

    async def first_time(self, key: str) -> bool:
        if key in self._entries:
            return False
        self._entries[key] = True
        return True

    def __len__(self) -> int:
        self._entries.expire()
        return len(self._entries)


class MemoryValues:
    """Texts by conversation id, each expiring `ttl` seconds after it was last set, at most `max_entries`."""

    def __init__(self, ttl: float, max_entries: int = MENUS_MAX_ENTRIES,
                 timer: Callable[[], float] = time.monotonic) -> None:
        self._cache: "TTLCache[str, str]" = TTLCache(max_entries, ttl, timer=timer)

    async def get(self, conversation_id: str) -> Optional[str]:
        return self._cache.get(conversation_id)

    async def set(self, conversation_id: str, value: str) -> None:
        self._cache[conversation_id] = value

    def __len__(self) -> int:
        self._cache.expire()
        return len(self._cache)


class ConversationRegistry:
    """Which conversations exist, when each was last active, and which have outlived the retention period.

    Kept apart from Rasa's tracker store on purpose: the tracker store can only list keys, while retention
    needs "idle since when" for every conversation and a cheap existence check on each request.
    """

    def __init__(self, retention_seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.retention_seconds = retention_seconds
        self._clock = clock
        self._last_active: Dict[str, float] = {}
        self._in_flight: Dict[str, int] = {}

    def __len__(self) -> int:
        return len(self._last_active)

    def known(self, conversation_id: str) -> bool:
        """Registered and not yet forgotten, whether or not it has expired."""
        return conversation_id in self._last_active

    def is_live(self, conversation_id: str) -> bool:
        """Known and not idle past retention. An idle one counts as gone even before the sweeper runs."""
        last = self._last_active.get(conversation_id)
        if last is None:
            return False
        return self._in_flight.get(conversation_id, 0) > 0 or self._clock() - last < self.retention_seconds

    def touch(self, conversation_id: str) -> None:
        self._last_active[conversation_id] = self._clock()

    def begin_turn(self, conversation_id: str) -> None:
        """A turn in progress keeps its conversation from being swept mid-answer."""
        self._in_flight[conversation_id] = self._in_flight.get(conversation_id, 0) + 1
        self.touch(conversation_id)

    def end_turn(self, conversation_id: str) -> None:
        remaining = self._in_flight.get(conversation_id, 1) - 1
        if remaining > 0:
            self._in_flight[conversation_id] = remaining
        else:
            self._in_flight.pop(conversation_id, None)
        if conversation_id in self._last_active:
            self.touch(conversation_id)

    def forget(self, conversation_id: str) -> bool:
        self._in_flight.pop(conversation_id, None)
        return self._last_active.pop(conversation_id, None) is not None

    def expired(self) -> List[str]:
        now = self._clock()
        return [
            cid
            for cid, last in self._last_active.items()
            if now - last >= self.retention_seconds and not self._in_flight.get(cid)
        ]


class MemoryStore(ConversationStore):
    shared = False

    def __init__(self, settings: Settings, secret: Optional[bytes] = None) -> None:
        self.settings = settings
        self.registry = ConversationRegistry(settings.retention_seconds)
        self.replies = MemoryReplies(settings.retention_seconds, settings.max_conversations)
        self.caps = ConversationCaps(
            overall=settings.max_conversations, per_client=settings.max_conversations_per_client,
            window_seconds=settings.retention_seconds, count_live=lambda: len(self.registry),
            storage=MemoryWindowStorage(), secret=secret,
        )

    # ---- health --------------------------------------------------------------------------------------

    @property
    def ok(self) -> bool:
        return True

    async def check(self) -> bool:
        return True

    def live_count(self) -> int:
        return len(self.registry)

    def failed(self, error: BaseException) -> Exception:
        # A store error here is still a store that failed the turn (after its save, perhaps): 503, so the
        # client retries with its key, as with Redis. Memory is never down, so nothing is recorded.
        if isinstance(error, StoreErrors):
            return StoreUnavailable()
        return error if isinstance(error, Exception) else RuntimeError(str(error))

    # ---- conversations -------------------------------------------------------------------------------

    async def is_live(self, conversation_id: str) -> bool:
        return self.registry.is_live(conversation_id)

    async def known(self, conversation_id: str) -> bool:
        return self.registry.known(conversation_id)

    async def begin_turn(self, conversation_id: str) -> None:
        self.registry.begin_turn(conversation_id)

    async def end_turn(self, conversation_id: str) -> None:
        self.registry.end_turn(conversation_id)

    async def forget(self, conversation_id: str) -> bool:
        return self.registry.forget(conversation_id)

    async def erase(self, conversation_id: str) -> None:
        # A single dict.pop: a turn still running for this id is caught when it ends (Assistant._end_turn).
        await self.replies.forget(conversation_id)
        if self.trackers is not None:
            self.trackers.store.pop(conversation_id, None)

    async def sweep(self) -> int:
        """Erase every conversation idle longer than the retention period. Returns how many."""
        expired = self.registry.expired()
        for conversation_id in expired:
            self.registry.forget(conversation_id)
            await self.erase(conversation_id)
        if expired:
            logger.info("expired conversations erased", extra=log_fields(count=len(expired)))
        return len(expired)

    async def _background_work(self) -> None:
        while True:
            # Recomputed each pass so a changed retention takes effect; a quarter of it keeps a
            # conversation at most 25% past its expiry (and requests refuse expired ones exactly anyway).
            await asyncio.sleep(min(60.0, max(0.05, self.registry.retention_seconds / 4)))
            try:
                await self.sweep()
            except Exception as e:  # noqa: BLE001 - the sweeper must outlive one bad pass
                logger.error("retention sweep failed", extra=log_fields(error_type=type(e).__name__))

    # ---- the channels' state -------------------------------------------------------------------------

    def seen(self, ttl_seconds: float) -> MemorySeen:
        return MemorySeen(ttl_seconds)

    def menus(self, ttl_seconds: float) -> MemoryValues:
        return MemoryValues(ttl_seconds)

    def rate_window(self) -> Any:
        return None  # each process keeps its own windows (api/store/memory_window.py)

    # ---- Rasa ----------------------------------------------------------------------------------------

    def rasa_stores(self, event_broker: Any) -> Tuple[Any, Any]:
        from api.rasa.stores import memory_stores

        self.trackers, lock_store = memory_stores(self.settings, event_broker)
        return self.trackers, lock_store
