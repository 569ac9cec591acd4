"""Token-bucket rate limits, in memory, per key (client IP or conversation id).

A bucket holds up to `per_minute` tokens and refills continuously at `per_minute / 60` a second, so a
burst of `per_minute` is allowed and then one request every 60/per_minute seconds. In-memory is right
for one process; several replicas (issue 7) would each enforce their own share.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Callable, Dict, Optional

# Above this many tracked keys, full (idle) buckets are dropped so memory stays bounded.
_PRUNE_ABOVE = 10_000


@dataclass
class _Bucket:
    tokens: float
    updated: float


class RateLimiter:
    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.capacity = float(per_minute)
        self.rate = per_minute / 60.0
        self._clock = clock
        self._buckets: Dict[str, _Bucket] = {}

    def hit(self, key: str) -> Optional[int]:
        """Take one token for `key`. None if allowed, else the whole seconds to wait (for Retry-After)."""
        now = self._clock()
        bucket = self._buckets.get(key)
        if bucket is None:
            if len(self._buckets) >= _PRUNE_ABOVE:
                self._prune(now)
            bucket = self._buckets[key] = _Bucket(self.capacity, now)
        else:
            bucket.tokens = min(self.capacity, bucket.tokens + (now - bucket.updated) * self.rate)
            bucket.updated = now
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            return None
        return max(1, math.ceil((1.0 - bucket.tokens) / self.rate))

    def wait(self, key: str) -> Optional[int]:
        """Like `hit` without taking a token: None if a hit would be allowed now, else the seconds to wait."""
        bucket = self._buckets.get(key)
        if bucket is None:
            return None
        tokens = min(self.capacity, bucket.tokens + (self._clock() - bucket.updated) * self.rate)
        return None if tokens >= 1.0 else max(1, math.ceil((1.0 - tokens) / self.rate))

    def forget(self, key: str) -> None:
        self._buckets.pop(key, None)

    def _prune(self, now: float) -> None:
        full = [k for k, b in self._buckets.items() if b.tokens + (now - b.updated) * self.rate >= self.capacity]
        for key in full:
            del self._buckets[key]

    def __len__(self) -> int:
        return len(self._buckets)


class RateLimited(Exception):
    def __init__(self, retry_after: int, scope: str) -> None:
        super().__init__(f"Too many messages. Please wait {retry_after} seconds and try again.")
        self.retry_after = retry_after
        self.scope = scope


class Limits:
    """The limits the service applies: per client IP, per conversation, wrong admin tokens per client, and
    Socket.IO connections and events per client (api/socketio_limits.py uses those)."""

    def __init__(self, per_client: int, per_conversation: int, clock: Callable[[], float] = time.monotonic,
                 admin_failures_per_minute: int = 10, socketio_connections_per_minute: int = 30,
                 socketio_open_per_client: int = 20, socketio_events_per_minute: int = 120) -> None:
        self.client = RateLimiter(per_client, clock)
        self.conversation = RateLimiter(per_conversation, clock)
        self.admin_failures = RateLimiter(admin_failures_per_minute, clock)
        self.socketio_connections_per_minute = socketio_connections_per_minute
        self.socketio_open_per_client = socketio_open_per_client
        self.socketio_events_per_minute = socketio_events_per_minute

    def check_client(self, client_ip: str) -> None:
        wait = self.client.hit(client_ip)
        if wait is not None:
            raise RateLimited(wait, "client")

    def check_conversation(self, conversation_id: str) -> None:
        wait = self.conversation.hit(conversation_id)
        if wait is not None:
            raise RateLimited(wait, "conversation")
