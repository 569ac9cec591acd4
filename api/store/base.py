"""The one interface to conversation state, whichever backend holds it (api/store/memory.py: this process;
api/store/redis.py: Redis, shared by every process and replica). The backend is chosen once, at start-up
(`api.store.open_store`); nothing else in the service asks which one it has.

What it holds: which conversations exist and when each expires (the registry), the idempotency replies,
the caps on new conversations, the messaging channels' seen-set and menus, the rate-limit windows, and
its own health. Rasa's tracker and lock stores, which Rasa calls on the agent's thread, are built by the
backend (`rasa_stores`) from api/rasa/stores.py.

Every call a request makes is awaited on the server's event loop; the Redis backend uses redis-py's
asyncio client, so a slow Redis holds only the requests that wait for it. Inside `guard()`, a failing
store is StoreUnavailable (503): at once while it is known to be down, and on any Redis error (which,
when Redis cannot be reached, also marks it down until the background check is answered again).
"""
from __future__ import annotations

import abc
import asyncio
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any, AsyncIterator, Optional, Protocol, Tuple

if TYPE_CHECKING:  # both use this package's Redis client
    from api.conversation_caps import ConversationCaps
    from api.idempotency import ReplyStore


class SeenStore(Protocol):
    async def first_time(self, key: str) -> bool:
        """Record `key`; True if it was not already recorded (atomically with Redis: `SET key 1 NX PX ttl`)."""


class ValueStore(Protocol):
    """Short texts by conversation id, each expiring a fixed time after it was last set."""

    async def get(self, conversation_id: str) -> Optional[str]: ...

    async def set(self, conversation_id: str, value: str) -> None: ...


class ConversationStore(abc.ABC):
    shared: bool
    """True when other processes see the same conversations (Redis)."""

    registry: Any
    replies: "ReplyStore"
    caps: "ConversationCaps"
    trackers: Any = None
    """Rasa's tracker store, once the model is loaded (`rasa_stores`)."""

    # ---- health --------------------------------------------------------------------------------------

    @property
    @abc.abstractmethod
    def ok(self) -> bool:
        """Reachable as of the last check (at most a second ago)."""

    @abc.abstractmethod
    async def check(self) -> bool:
        """Check now, record and return the result."""

    @abc.abstractmethod
    def live_count(self) -> int:
        """Conversations alive, for the metrics gauge: never waits (with Redis, as of the last check)."""

    _background: Optional["asyncio.Task[None]"] = None

    def start(self) -> None:
        """Start the background work (`_background_work`), unless it is already running."""
        if self._background is None or self._background.done():
            self._background = asyncio.ensure_future(self._background_work())

    async def stop(self) -> None:
        if self._background is not None and not self._background.done():
            self._background.cancel()
        self._background = None

    @abc.abstractmethod
    async def _background_work(self) -> None:
        """Runs until stopped: the retention sweep in memory, the health check with Redis."""

    @asynccontextmanager
    async def guard(self) -> AsyncIterator[None]:
        """Around calls to the store from a request (see the module's docstring)."""
        yield

    @abc.abstractmethod
    def failed(self, error: BaseException) -> Exception:
        """The exception to raise for `error` from this store (recording the store as down if need be)."""

    # ---- conversations -------------------------------------------------------------------------------

    @property
    def retention_seconds(self) -> float:
        return float(self.registry.retention_seconds)

    @abc.abstractmethod
    async def is_live(self, conversation_id: str) -> bool:
        """Known and not idle past retention."""

    @abc.abstractmethod
    async def known(self, conversation_id: str) -> bool:
        """Registered and not yet forgotten, whether or not it has expired."""

    @abc.abstractmethod
    async def begin_turn(self, conversation_id: str) -> None:
        """A turn starts: the conversation is kept at least as long as the longest turn takes."""

    @abc.abstractmethod
    async def end_turn(self, conversation_id: str) -> None:
        """The turn ended: retention counts from now (a conversation forgotten meanwhile stays forgotten)."""

    @abc.abstractmethod
    async def forget(self, conversation_id: str) -> bool:
        """Unregister; False if it was not registered."""

    @abc.abstractmethod
    async def erase(self, conversation_id: str) -> None:
        """Delete what the conversation left: its tracker and its idempotency replies."""

    @abc.abstractmethod
    async def sweep(self) -> int:
        """Forget and erase every conversation idle past retention; how many (none where the store's own
        expiry does it)."""

    # ---- the channels' state -------------------------------------------------------------------------

    @abc.abstractmethod
    def seen(self, ttl_seconds: float) -> SeenStore:
        """A seen-set whose keys are remembered `ttl_seconds`."""

    @abc.abstractmethod
    def menus(self, ttl_seconds: float) -> ValueStore:
        """Where the messaging channels keep the buttons a conversation was last shown."""

    @abc.abstractmethod
    def rate_window(self) -> Any:
        """A `limits` async moving-window storage shared by every process, or None: each process then
        keeps its own windows in memory (api/ratelimit.py)."""

    # ---- Rasa ----------------------------------------------------------------------------------------

    @abc.abstractmethod
    def rasa_stores(self, event_broker: Any) -> Tuple[Any, Any]:
        """Rasa's tracker store and lock store on this state; called on the agent's thread, with Rasa
        imported."""
