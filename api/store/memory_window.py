"""`limits`' moving window in this process's memory, for the rate limits and caps when nothing is shared.

The same strategy (`limits.aio.strategies.MovingWindowRateLimiter`) decides as with Redis
(redis_window.py); only where the entries are kept differs. limits' own in-memory storage is not used:
it keeps every key it has ever seen, and after each hit it schedules a pass over every entry of every key
on the event loop, so each request costs time in proportion to the keys held (about 1 ms per 1,000 keys,
100 ms at 100,000). Here a key is dropped as soon as its newest entry leaves
the window, from the front of an order kept by last entry, so a hit costs the same however many keys
there are, and at most `max_keys` are held at once.

The window's start is its oldest entry, so the strategy's reset time is when the next slot frees (limits
2.4 gives the newest entry, a reset up to a whole window late).
"""
from __future__ import annotations

import time
from array import array
from bisect import bisect_left
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Callable, Optional, Tuple

from limits.aio.storage import MovingWindowSupport, Storage

# Under 40 MB at one entry a key, about 85 MB if every key has 60 in its window.
MAX_KEYS = 100_000


@dataclass(slots=True)
class _Entries:
    expiry: float
    # Oldest first, 8 bytes each (a key holds at most its limit of them).
    times: "array[float]" = field(default_factory=lambda: array("d"))


class MemoryWindowStorage(Storage, MovingWindowSupport):
    """Moving windows only: limits' fixed-window counters (`incr`, `get`, `get_expiry`) are not kept."""

    STORAGE_SCHEME = None  # made here only, never from a URI

    def __init__(self, max_keys: int = MAX_KEYS, clock: Callable[[], float] = time.time) -> None:
        super().__init__()
        self.max_keys = max_keys
        self._clock = clock
        # By last entry, so the keys that leave their window first are at the front.
        self._keys: "OrderedDict[str, _Entries]" = OrderedDict()

    def __len__(self) -> int:
        return len(self._keys)

    def _drop_idle(self, now: float) -> None:
        while self._keys:
            entries = next(iter(self._keys.values()))
            if entries.times[-1] + entries.expiry >= now:
                return
            self._keys.popitem(last=False)

    def _in_window(self, key: str, now: float) -> Optional[_Entries]:
        entries = self._keys.get(key)
        if entries is None:
            return None
        # An entry exactly `expiry` old still counts, as in limits' own storages.
        del entries.times[:bisect_left(entries.times, now - entries.expiry)]
        if not entries.times:
            del self._keys[key]
            return None
        return entries

    async def acquire_entry(self, key: str, limit: int, expiry: int, amount: int = 1) -> bool:
        now = self._clock()
        self._drop_idle(now)
        entries = self._in_window(key, now)
        if (len(entries.times) if entries else 0) + amount > limit:
            return False
        if entries is None:
            entries = self._keys[key] = _Entries(float(expiry))
        entries.expiry = float(expiry)
        entries.times.extend([now] * amount)
        self._keys.move_to_end(key)
        while len(self._keys) > self.max_keys:
            self._keys.popitem(last=False)  # the key closest to idle forgets its count
        return True

    # limits 2.4 declares whole seconds, but its strategy only adds the expiry to the start: a fraction
    # keeps Retry-After from being a second early or late.
    async def get_moving_window(  # type: ignore[override]
        self, key: str, limit: int, expiry: int
    ) -> Tuple[float, int]:
        """(start of the window: its oldest entry; entries in it)."""
        now = self._clock()
        entries = self._in_window(key, now)
        if entries is None:
            return now, 0
        return entries.times[0], len(entries.times)

    async def clear(self, key: str) -> int:
        return 1 if self._keys.pop(key, None) is not None else 0

    async def reset(self) -> Optional[int]:
        held = len(self._keys)
        self._keys.clear()
        return held

    async def check(self) -> bool:
        return True

    async def incr(self, key: str, expiry: int, elastic_expiry: bool = False, amount: int = 1) -> int:
        raise NotImplementedError("moving windows only")

    async def get(self, key: str) -> int:
        raise NotImplementedError("moving windows only")

    async def get_expiry(self, key: str) -> int:
        raise NotImplementedError("moving windows only")
