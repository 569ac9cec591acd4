"""`limits`' moving window in Redis through redis-py's asyncio client (the service's one Redis client).

limits 2.4's own async Redis storage needs a second Redis library (coredis); this is the same storage on
the client the rest of the service uses, running the library's own Lua scripts, so the windows, keys and
counts are exactly those of limits' synchronous RedisStorage. One difference: the window's start is its
oldest entry, so the strategy's reset time is when the next slot frees (limits 2.4 gives the newest, a
reset up to a whole window late), as in this process's memory (memory_window.py).
"""
from __future__ import annotations

import time
from typing import Any, Optional, Tuple

from limits.aio.storage import MovingWindowSupport, Storage
from limits.storage.redis import RedisInteractor

from api.store.client import LoopClient


class RedisWindowStorage(Storage, MovingWindowSupport):
    STORAGE_SCHEME = None  # made here only, never from a URI

    def __init__(self, client: LoopClient) -> None:
        super().__init__()
        self._red = client

    async def acquire_entry(self, key: str, limit: int, expiry: int, amount: int = 1) -> bool:
        script = self._red.script(RedisInteractor.SCRIPT_ACQUIRE_MOVING_WINDOW)
        return bool(await script(keys=[key], args=[time.time(), limit, expiry, amount]))

    # limits 2.4 declares whole seconds, but its strategy only adds the expiry to the start: a fraction
    # keeps Retry-After from being a second early or late.
    async def get_moving_window(  # type: ignore[override]
        self, key: str, limit: int, expiry: int
    ) -> Tuple[float, int]:
        """(start of the window: its oldest entry; entries in it)."""
        timestamp = time.time()
        # Newest first, as the acquire script pushes them; it keeps no more than `limit`.
        entries = [float(entry) for entry in await self._red.get().lrange(key, 0, limit)]
        window = [entry for entry in entries if entry >= timestamp - expiry]
        return (min(window), len(window)) if window else (timestamp, 0)

    async def incr(self, key: str, expiry: int, elastic_expiry: bool = False, amount: int = 1) -> int:
        script = self._red.script(RedisInteractor.SCRIPT_INCR_EXPIRE)
        return int(await script(keys=[key], args=[expiry, amount]))

    async def get(self, key: str) -> int:
        return int(await self._red.get().get(key) or 0)

    async def get_expiry(self, key: str) -> int:
        return int(max(await self._red.get().ttl(key), 0) + time.time())

    async def check(self) -> bool:
        try:
            return bool(await self._red.get().ping())
        except Exception:  # noqa: BLE001 - any failure to answer is "unhealthy"
            return False

    async def reset(self) -> Optional[int]:
        return int(await self._red.script(RedisInteractor.SCRIPT_CLEAR_KEYS)(keys=["LIMITER*"]))

    async def clear(self, key: str) -> Any:
        return await self._red.get().delete(key)
