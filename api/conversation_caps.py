"""How many conversations may be live at once, so that no one can fill the conversation store.

With Redis under `noeviction` (the shipped setting), a full Redis refuses every write: every conversation,
old and new, would fail. So new conversations are refused (503 with Retry-After) well before that, while
conversations already under way carry on:

* **overall**: at most MAX_CONVERSATIONS live at once, across every process (the registry's count);
* **per client**: at most MAX_CONVERSATIONS_PER_CLIENT started by one client address within
  RETENTION_MINUTES, through the ways in where the address is the person's own (the web API, REST,
  Socket.IO; a messaging platform's webhook comes from the platform's servers, for everyone). Counted by
  `limits`' moving window, in the conversation store's window storage when it is shared (Redis), so every
  process sees the same count, else in this process's memory (api/store/memory_window.py).

Client addresses are never stored: the window's key is an HMAC of the address with CHANNEL_ID_SECRET
(the same for every process), or, when that is unset, a key made fresh in each process (each then counts
only what it saw).
"""
from __future__ import annotations

import hashlib
import hmac
import inspect
import math
import secrets
import time
from dataclasses import dataclass
from typing import Any, Awaitable, Callable, Optional, Union

from limits import RateLimitItemPerSecond
from limits.aio.strategies import MovingWindowRateLimiter

from api.store.memory_window import MemoryWindowStorage

# While the deployment is full, ask to come back after this long: conversations end all the time.
FULL_RETRY_SECONDS = 60
_NAMESPACE = "kestrel-new-conversations"


@dataclass(frozen=True)
class Refusal:
    retry_after: int
    per_client: bool


class ConversationCaps:
    def __init__(
        self,
        overall: int,
        per_client: int,
        window_seconds: float,
        count_live: Callable[[], Union[int, Awaitable[int]]],
        storage: Any = None,
        secret: Optional[bytes] = None,
    ) -> None:
        self.overall = overall
        self.count_live = count_live
        self._item = RateLimitItemPerSecond(per_client, max(1, math.ceil(window_seconds)))
        # Held here: the limiter keeps only a weak reference to its storage.
        self._storage = storage if storage is not None else MemoryWindowStorage()
        self._window = MovingWindowRateLimiter(self._storage)
        self._key = secret or secrets.token_bytes(32)

    def _client_key(self, client: str) -> str:
        return hmac.new(self._key, client.encode("utf-8", "surrogatepass"), hashlib.sha256).hexdigest()[:32]

    async def admit(self, client: Optional[str]) -> Optional[Refusal]:
        """Count one new conversation for `client` (None: no per-client cap), or say why not. Raises redis
        errors as they come (the assistant turns them into 503)."""
        live = self.count_live()
        if inspect.isawaitable(live):
            live = await live
        if live >= self.overall:
            return Refusal(FULL_RETRY_SECONDS, per_client=False)
        if client is None:
            return None
        key = self._client_key(client)
        if await self._window.hit(self._item, _NAMESPACE, key):
            return None
        reset_at, _ = await self._window.get_window_stats(self._item, _NAMESPACE, key)
        return Refusal(max(1, math.ceil(reset_at - time.time())), per_client=True)
