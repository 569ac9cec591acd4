"""Rate limits per key (client address, conversation id), in this process or shared through Redis.

Either way the limit is `limits`' moving window: at most `per_minute` requests in any 60 seconds per key,
and a request over it is told to retry once the oldest of those 60 seconds' requests leaves the window
(Retry-After, in whole seconds, never early). In memory the window is kept by this process
(api/store/memory_window.py), so each process grants its own allowance.

With a shared conversation store (Redis, `SharedRateLimiter`) the window is kept in the store's window
storage (api/store/redis_window.py), so every worker and replica draws on one allowance instead of each
granting its own. Keys are HMACs (with CHANNEL_ID_SECRET), so no client address or conversation id is
written to Redis. A limit is checked before each request is handled, so a Redis call here is bounded
tightly (LIMIT_TIMEOUT_SECONDS) and, once Redis fails, this process counts on its own for a while
(LOCAL_FALLBACK_SECONDS) instead of asking again: a hung Redis costs a request one short wait, and the
request then meets the conversation store's own 503.
"""
from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import math
import secrets
import time
from typing import Any, Callable, Optional, Union

from limits import RateLimitItemPerMinute
from limits.aio.strategies import MovingWindowRateLimiter

from api.logging_setup import log_fields
from api.store.memory_window import MemoryWindowStorage

logger = logging.getLogger(__name__)

# Redis answers a rate-limit call in well under a millisecond on a healthy network.
LIMIT_TIMEOUT_SECONDS = 0.25
LOCAL_FALLBACK_SECONDS = 5.0


class WindowRateLimiter:
    """`per_minute` hits in any 60 seconds per key, counted in a `limits` moving-window storage whose
    entries are stamped by `clock`."""

    def __init__(self, per_minute: int, storage: Any, namespace: str,
                 clock: Callable[[], float] = time.time) -> None:
        self._item = RateLimitItemPerMinute(per_minute)
        # Held here: the limiter keeps only a weak reference to its storage.
        self._storage = storage
        self._window = MovingWindowRateLimiter(storage)
        self._namespace = namespace
        self._clock = clock

    async def _retry_after(self, key: str) -> int:
        reset_at, _ = await self._window.get_window_stats(self._item, self._namespace, key)
        return max(1, math.ceil(reset_at - self._clock()))

    async def hit(self, key: str) -> Optional[int]:
        """Count one hit for `key`. None if allowed, else the whole seconds to wait (for Retry-After)."""
        if await self._window.hit(self._item, self._namespace, key):
            return None
        return await self._retry_after(key)

    async def wait(self, key: str) -> Optional[int]:
        """Like `hit` without counting: None if a hit would be allowed now, else the seconds to wait."""
        if await self._window.test(self._item, self._namespace, key):
            return None
        return await self._retry_after(key)


class LocalRateLimiter(WindowRateLimiter):
    """Counted in this process's memory; idle keys are dropped as they leave the window."""

    def __init__(self, per_minute: int, clock: Callable[[], float] = time.time) -> None:
        super().__init__(per_minute, MemoryWindowStorage(clock=clock), "kestrel-rate", clock)

    def __len__(self) -> int:
        return len(self._storage)


class SharedRateLimiter:
    """`LocalRateLimiter`'s interface, counted in shared window storage for every process (see the
    module's docstring)."""

    def __init__(self, per_minute: int, storage: Any, namespace: str, secret: Optional[bytes] = None,
                 clock: Callable[[], float] = time.time) -> None:
        # Entries in Redis are stamped with the wall clock, whatever clock the local count uses.
        self._window = WindowRateLimiter(per_minute, storage, f"kestrel-rate-{namespace}")
        self._key = secret or secrets.token_bytes(32)
        self._local = LocalRateLimiter(per_minute, clock)
        self._clock = clock
        self._local_until = 0.0

    def _hashed(self, key: str) -> str:
        return hmac.new(self._key, key.encode("utf-8", "surrogatepass"), hashlib.sha256).hexdigest()[:32]

    def _shared(self) -> bool:
        return self._clock() >= self._local_until

    def _failed(self, error: BaseException) -> None:
        self._local_until = self._clock() + LOCAL_FALLBACK_SECONDS
        logger.warning("rate limits counted in this process for now",
                       extra=log_fields(error_type=type(error).__name__, seconds=LOCAL_FALLBACK_SECONDS))

    async def hit(self, key: str) -> Optional[int]:
        if self._shared():
            try:
                return await asyncio.wait_for(self._window.hit(self._hashed(key)), LIMIT_TIMEOUT_SECONDS)
            except Exception as e:  # noqa: BLE001 - any Redis failure: count here instead
                self._failed(e)
        return await self._local.hit(key)

    async def wait(self, key: str) -> Optional[int]:
        if self._shared():
            try:
                return await asyncio.wait_for(self._window.wait(self._hashed(key)), LIMIT_TIMEOUT_SECONDS)
            except Exception as e:  # noqa: BLE001
                self._failed(e)
        return await self._local.wait(key)


class RateLimited(Exception):
    def __init__(self, retry_after: int, scope: str) -> None:
        super().__init__(f"Too many messages. Please wait {retry_after} seconds and try again.")
        self.retry_after = retry_after
        self.scope = scope


class Limits:
    """The limits the service applies: per client IP, per conversation, wrong admin tokens per client, and
    Socket.IO connections and events per client (api/channels/socketio/limits.py uses those)."""

    def __init__(self, per_client: int, per_conversation: int, clock: Callable[[], float] = time.time,
                 admin_failures_per_minute: int = 10, socketio_connections_per_minute: int = 30,
                 socketio_open_per_client: int = 20, socketio_events_per_minute: int = 120,
                 window: Any = None, secret: Optional[bytes] = None) -> None:
        """`window`: the conversation store's shared window storage (`ConversationStore.rate_window()`), or
        None for this process's own windows."""
        self.shared = window is not None
        self.client: Union[SharedRateLimiter, LocalRateLimiter]
        self.conversation: Union[SharedRateLimiter, LocalRateLimiter]
        self.admin_failures: Union[SharedRateLimiter, LocalRateLimiter]
        if window is not None:
            # Per request, per conversation and wrong admin tokens are shared by every process. Socket.IO's
            # connection limits stay per process: a connection belongs to the process that holds it.
            self.client = SharedRateLimiter(per_client, window, "client", secret, clock)
            self.conversation = SharedRateLimiter(per_conversation, window, "conversation", secret, clock)
            self.admin_failures = SharedRateLimiter(admin_failures_per_minute, window, "admin", secret, clock)
        else:
            self.client = LocalRateLimiter(per_client, clock)
            self.conversation = LocalRateLimiter(per_conversation, clock)
            self.admin_failures = LocalRateLimiter(admin_failures_per_minute, clock)
        self.socketio_connections_per_minute = socketio_connections_per_minute
        self.socketio_open_per_client = socketio_open_per_client
        self.socketio_events_per_minute = socketio_events_per_minute

    async def check_client(self, client_ip: str) -> None:
        wait = await self.client.hit(client_ip)
        if wait is not None:
            raise RateLimited(wait, "client")

    async def check_conversation(self, conversation_id: str) -> None:
        wait = await self.conversation.hit(conversation_id)
        if wait is not None:
            raise RateLimited(wait, "conversation")
