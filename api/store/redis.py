"""Conversation state in Redis, shared by every process and replica (REDIS_URL); key layout in keys.py.

Every call from a request is awaited on the server's event loop through redis-py's asyncio client, and
gives up within SOCKET_TIMEOUT_SECONDS (client.py): a hung Redis costs the requests that need it a
timeout and nothing else; /health and every request that needs no Redis still answer. An unreachable
Redis is never papered over: turns, creation and deletion answer 503, /ready fails, and a background
ping notices when Redis is back. Any other Redis error (a full Redis refusing writes) is a 503 for that
request only.
"""
from __future__ import annotations

import asyncio
import logging
import math
import time
from contextlib import asynccontextmanager
from typing import Any, AsyncIterator, List, Optional, Tuple

from api.conversation_caps import ConversationCaps
from api.idempotency import RedisReplies
from api.logging_setup import log_fields
from api.settings import Settings
from api.store.base import ConversationStore
from api.store.client import LoopClient
from api.store.errors import StoreErrors, StoreRefused, StoreUnavailable, UnreachableErrors
from api.store.keys import ACTIVE_KEY, conversation_key, menu_key, seen_key, tracker_key
from api.store.redis_window import RedisWindowStorage

logger = logging.getLogger(__name__)

# How often Redis is checked in the background (faster while it is down, to recover soon).
CHECK_SECONDS = 1.0
RECHECK_DOWN_SECONDS = 0.5


def _ms(seconds: float) -> int:
    return max(1, int(math.ceil(seconds * 1000)))


class RedisConversationRegistry:
    """Which conversations exist, shared by every process.

    Each conversation is one key whose TTL is the retention period, renewed by every turn. While a turn
    runs, the TTL also covers the longest a turn can take, so a conversation is never swept mid-answer
    (and a process killed mid-turn leaves nothing that outlives retention by more than that). Expired keys
    vanish on their own, so `expired()` is always empty.
    """

    def __init__(self, client: LoopClient, retention_seconds: float, turn_budget_seconds: float) -> None:
        self._red = client
        self.retention_seconds = retention_seconds
        self.turn_budget_seconds = turn_budget_seconds

    async def count(self) -> int:
        """Conversations alive across the whole deployment."""
        pipe = self._red.get().pipeline(transaction=False)
        pipe.zremrangebyscore(ACTIVE_KEY, "-inf", int(time.time() * 1000))
        pipe.zcard(ACTIVE_KEY)
        return int((await pipe.execute())[1])

    async def known(self, conversation_id: str) -> bool:
        return bool(await self._red.get().exists(conversation_key(conversation_id)))

    async def is_live(self, conversation_id: str) -> bool:
        # Redis itself removes the key once idle past retention: known and live are the same thing here.
        return await self.known(conversation_id)

    async def _set(self, conversation_id: str, seconds: float, only_if_exists: bool) -> None:
        ms = _ms(seconds)
        pipe = self._red.get().pipeline(transaction=True)
        pipe.set(conversation_key(conversation_id), "1", px=ms, xx=only_if_exists)
        pipe.zadd(ACTIVE_KEY, {conversation_id: int(time.time() * 1000) + ms}, xx=only_if_exists)
        await pipe.execute()

    async def touch(self, conversation_id: str) -> None:
        await self._set(conversation_id, self.retention_seconds, only_if_exists=False)

    async def begin_turn(self, conversation_id: str) -> None:
        await self._set(conversation_id, self.retention_seconds + self.turn_budget_seconds, only_if_exists=False)

    async def end_turn(self, conversation_id: str) -> None:
        # XX: a conversation deleted (by any process) while this turn ran stays deleted.
        await self._set(conversation_id, self.retention_seconds, only_if_exists=True)

    async def forget(self, conversation_id: str) -> bool:
        # Not a MULTI: Redis refuses to queue anything in one when it is over maxmemory, and erasing must
        # work then most of all. A member left behind by a crash between the two leaves the count at its
        # expiry.
        pipe = self._red.get().pipeline(transaction=False)
        pipe.delete(conversation_key(conversation_id))
        pipe.zrem(ACTIVE_KEY, conversation_id)
        return bool((await pipe.execute())[0])

    async def expired(self) -> List[str]:
        return []


class RedisSeen:
    """The messaging channels' seen-set shared by every process, so a platform's retry of a delivery is
    recognised whichever process it reaches: `SET key 1 NX PX ttl`."""

    def __init__(self, store: "RedisStore", ttl_seconds: float) -> None:
        self._store = store
        self.ttl_ms = _ms(ttl_seconds)

    async def first_time(self, key: str) -> bool:
        async with self._store.guard():
            return bool(await self._store.client.get().set(seen_key(key), "1", nx=True, px=self.ttl_ms))


class RedisValues:
    """Texts by conversation id (`kestrel:menu:<id>`), expiring with the conversation."""

    def __init__(self, store: "RedisStore", ttl_seconds: float) -> None:
        self._store = store
        self.ttl_ms = _ms(ttl_seconds)

    async def get(self, conversation_id: str) -> Optional[str]:
        async with self._store.guard():
            value = await self._store.client.get().get(menu_key(conversation_id))
        return None if value is None else str(value)

    async def set(self, conversation_id: str, value: str) -> None:
        async with self._store.guard():
            await self._store.client.get().set(menu_key(conversation_id), value, px=self.ttl_ms)


class RedisStore(ConversationStore):
    shared = True

    def __init__(self, settings: Settings, secret: Optional[bytes] = None) -> None:
        assert settings.redis_url, "RedisStore needs REDIS_URL"
        self.settings = settings
        self.client = LoopClient(settings.redis_url)
        self.registry = RedisConversationRegistry(
            self.client, settings.retention_seconds, settings.turn_budget_seconds
        )
        self.replies = RedisReplies(self.client, settings.retention_seconds)
        self._window = RedisWindowStorage(self.client)
        self.caps = ConversationCaps(
            overall=settings.max_conversations, per_client=settings.max_conversations_per_client,
            window_seconds=settings.retention_seconds, count_live=self.registry.count,
            storage=self._window, secret=secret,
        )
        # Unknown, so not ready, until the first ping is answered.
        self._ok = False
        self._last_count = 0

    # ---- health --------------------------------------------------------------------------------------

    @property
    def ok(self) -> bool:
        return self._ok

    def _set_ok(self, ok: bool, error: Optional[BaseException] = None) -> None:
        if ok != self._ok:
            if ok:
                logger.info("conversation store reachable")
            else:
                fields = {"error_type": type(error).__name__} if error is not None else {}
                logger.error("conversation store unreachable", extra=log_fields(**fields))
        self._ok = ok

    async def check(self) -> bool:
        try:
            ok = bool(await self.client.get().ping())
        except Exception:  # noqa: BLE001 - any failure to answer is "unreachable"
            ok = False
        if ok:
            # The active-conversations gauge is read from here, so /metrics never waits for Redis.
            try:
                self._last_count = await self.registry.count()
            except StoreErrors:
                pass
        self._set_ok(ok)
        return ok

    def live_count(self) -> int:
        return self._last_count

    async def _background_work(self) -> None:
        # Redis key expiry does the sweeping; watch the connection instead.
        while True:
            ok = await self.check()
            await asyncio.sleep(CHECK_SECONDS if ok else RECHECK_DOWN_SECONDS)

    def failed(self, error: BaseException) -> Exception:
        """The 503 for a Redis error; an unreachable Redis is also marked down."""
        if isinstance(error, UnreachableErrors):
            self._set_ok(False, error)
            return StoreUnavailable()
        logger.error("conversation store refused", extra=log_fields(error_type=type(error).__name__))
        return StoreRefused()

    @asynccontextmanager
    async def guard(self) -> AsyncIterator[None]:
        if not self._ok:
            raise StoreUnavailable()
        try:
            yield
        except StoreErrors as e:
            raise self.failed(e) from None

    # ---- conversations -------------------------------------------------------------------------------

    async def is_live(self, conversation_id: str) -> bool:
        return await self.registry.is_live(conversation_id)

    async def known(self, conversation_id: str) -> bool:
        return await self.registry.known(conversation_id)

    async def begin_turn(self, conversation_id: str) -> None:
        await self.registry.begin_turn(conversation_id)

    async def end_turn(self, conversation_id: str) -> None:
        await self.registry.end_turn(conversation_id)

    async def forget(self, conversation_id: str) -> bool:
        return bool(await self.registry.forget(conversation_id))

    async def erase(self, conversation_id: str) -> None:
        await self.replies.forget(conversation_id)
        await self.client.get().delete(tracker_key(conversation_id))

    async def sweep(self) -> int:
        return 0  # Redis key expiry does it

    # ---- the channels' state -------------------------------------------------------------------------

    def seen(self, ttl_seconds: float) -> RedisSeen:
        return RedisSeen(self, ttl_seconds)

    def menus(self, ttl_seconds: float) -> RedisValues:
        return RedisValues(self, ttl_seconds)

    def rate_window(self) -> RedisWindowStorage:
        return self._window

    # ---- Rasa ----------------------------------------------------------------------------------------

    def rasa_stores(self, event_broker: Any) -> Tuple[Any, Any]:
        from api.rasa.stores import redis_stores

        self.trackers, lock_store = redis_stores(self.settings, event_broker)
        return self.trackers, lock_store
