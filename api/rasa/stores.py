"""Rasa's tracker and lock stores for Redis (REDIS_URL), as this service needs them. Key layout and the
reasons are in stores.py; this module imports Rasa, so it is only imported when the model loads.

* `KestrelRedisTrackerStore`: Rasa's RedisTrackerStore (same JSON, same merge of earlier sessions) on a
  client with socket timeouts, expiring after RETENTION_MINUTES. Saves are *fenced*: a save made inside a
  turn lock lands only if that lock is still ours, checked and written in one Lua script, so a process that
  lost its lock (paused past the lock's lifetime) can never overwrite a newer turn.
* `RedisTurnLockStore`: one turn at a time per conversation across processes. Rasa 3.6's RedisLockStore
  races between processes (rasa#9213: its ticket list is read, changed and written back without
  atomicity). This is redis-py's Lock instead: `SET NX PX` with a random owner token, release and renewal
  by Lua scripts that check the token, a short lifetime renewed while the turn runs (a killed process
  frees its conversation within LOCK_LIFETIME_SECONDS) and a bounded wait (TURN_TIMEOUT_SECONDS).
* `KestrelInMemoryTrackerStore`: Rasa's InMemoryTrackerStore (one process, no REDIS_URL).
* Both keep a conversation's stored history to `max_events` events (api/rasa/tracker_history.py), so a turn
  costs the same at the 400th message as at the 20th.
* `raise_store_error`: Rasa's Agent always wraps the tracker store in FailSafeTrackerStore, which on any
  error logs and carries on with an in-memory store (or, on reads, a *new empty conversation*). Installed
  as its error callback, this re-raises instead, so the assistant answers 503.
"""
from __future__ import annotations

import asyncio
import contextvars
import json
import logging
import math
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, AsyncIterator, Dict, Iterable, List, Optional, Tuple

import redis
from rasa.core.lock_store import InMemoryLockStore, LockStore
from rasa.core.tracker_store import FailSafeTrackerStore, InMemoryTrackerStore, RedisTrackerStore, TrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker

from api.logging_setup import log_fields
from api.rasa.tracker_history import shorten
from api.settings import Settings
from api.store.client import LoopClient, redis_client
from api.store.errors import StoreErrors, TurnLockLost, TurnLockTimeout
from api.store.keys import lock_key, tracker_key

logger = logging.getLogger(__name__)

# A turn lock lives this long unless renewed; it is renewed every third of it while the turn runs, so a
# process killed mid-turn holds its conversation for at most this long.
LOCK_LIFETIME_SECONDS = 10.0
LOCK_POLL_SECONDS = 0.02


@dataclass(frozen=True)
class Fence:
    """The turn lock the current task holds: the tracker store writes only while it is still ours."""

    conversation_id: str
    lock_key: str
    token: bytes


# Task-local: the lock's context manager runs in the task that then runs Rasa's processor, so the tracker
# store's save (same task) sees the lock of its own turn and no other.
current_fence: contextvars.ContextVar[Optional[Fence]] = contextvars.ContextVar("kestrel_turn_fence", default=None)


def memory_stores(settings: Settings, event_broker: Any) -> Tuple["KestrelInMemoryTrackerStore", LockStore]:
    """One process: Rasa's in-memory stores, the history kept bounded."""
    tracker_store = KestrelInMemoryTrackerStore(
        Domain.empty(), max_events=settings.max_events_per_conversation, event_broker=event_broker
    )
    return tracker_store, InMemoryLockStore()


def redis_stores(settings: Settings, event_broker: Any) -> Tuple["KestrelRedisTrackerStore", LockStore]:
    """Redis: the tracker store on a synchronous client (Rasa calls it on the agent's thread), the turn
    lock on an asyncio one on the agent's loop."""
    assert settings.redis_url
    tracker_store = KestrelRedisTrackerStore(
        Domain.empty(), redis_client(settings.redis_url), settings.retention_seconds,
        max_events=settings.max_events_per_conversation, event_broker=event_broker,
    )
    # Waiting for another process's turn ends a little before the turn's own deadline
    # (api/rasa/agent_worker.py), so a message that gets 503 is never handled later; still longer than a
    # dead process's lock lives (LOCK_LIFETIME_SECONDS), so a crash costs a wait, not an error.
    lock_store = RedisTurnLockStore(settings.redis_url, wait_seconds=0.75 * settings.turn_timeout_seconds)
    return tracker_store, lock_store


class RedisTurnLockStore(LockStore):
    """Rasa's LockStore interface; only `lock()` is used (`Agent.handle_message` wraps each turn in it).

    The asyncio client is made on the loop that takes the first lock: the agent's own thread
    (api/rasa/agent_worker.py), where every turn runs. Waiting for a lock held by another process therefore
    does not stop this process from answering other conversations meanwhile.
    """

    def __init__(
        self,
        url: str,
        wait_seconds: float,
        lifetime_seconds: float = LOCK_LIFETIME_SECONDS,
        poll_seconds: float = LOCK_POLL_SECONDS,
    ) -> None:
        self.url = url
        self.wait_seconds = wait_seconds
        self.lifetime_seconds = lifetime_seconds
        self.poll_seconds = poll_seconds
        # Bytes, not text: the lock's owner token is compared as written.
        self._client = LoopClient(url, text=False)

    def _redis(self) -> Any:
        return self._client.get()

    @asynccontextmanager
    async def lock(
        self, conversation_id: str, lock_lifetime: Any = None, wait_time_in_seconds: Any = None
    ) -> AsyncIterator[Any]:
        # Rasa's own lifetime and polling arguments are ignored on purpose: ours are set at construction.
        lock = self._redis().lock(
            lock_key(conversation_id),
            timeout=self.lifetime_seconds,
            sleep=self.poll_seconds,
            blocking_timeout=self.wait_seconds,
            thread_local=False,
        )
        if not await lock.acquire():
            raise TurnLockTimeout(f"the conversation's turn lock was not free within {self.wait_seconds:g} s")
        fence = current_fence.set(Fence(conversation_id, lock_key(conversation_id), lock.local.token))
        keeper = asyncio.ensure_future(self._keep_alive(lock))
        try:
            yield lock
        finally:
            keeper.cancel()
            current_fence.reset(fence)
            try:
                await lock.release()
            except redis.exceptions.LockNotOwnedError:
                # Only if renewals failed for a whole lifetime; the fenced save then refused to write.
                logger.error("turn lock expired before the turn ended")
            except StoreErrors as e:
                # Redis went away mid-turn: the lock expires by itself within its lifetime.
                logger.warning("turn lock not released", extra=log_fields(error_type=type(e).__name__))

    async def _keep_alive(self, lock: Any) -> None:
        while True:
            await asyncio.sleep(self.lifetime_seconds / 3)
            try:
                await lock.reacquire()
            except redis.exceptions.LockNotOwnedError:
                logger.error("turn lock lost while the turn was running")
                return
            except StoreErrors as e:
                logger.warning("turn lock renewal failed", extra=log_fields(error_type=type(e).__name__))

    # Rasa's ticket-lock methods: nothing in the serving path calls them.
    def get_lock(self, conversation_id: str) -> Any:
        raise NotImplementedError("RedisTurnLockStore only supports lock()")

    def delete_lock(self, conversation_id: str) -> None:
        raise NotImplementedError("RedisTurnLockStore only supports lock()")

    def save_lock(self, lock: Any) -> None:
        raise NotImplementedError("RedisTurnLockStore only supports lock()")


# KEYS[1] tracker, KEYS[2] turn lock; ARGV[1] lock token, ARGV[2] serialised tracker, ARGV[3] expiry (ms).
FENCED_SET = """
if redis.call('get', KEYS[2]) ~= ARGV[1] then
    return 0
end
if tonumber(ARGV[3]) > 0 then
    redis.call('set', KEYS[1], ARGV[2], 'PX', ARGV[3])
else
    redis.call('set', KEYS[1], ARGV[2])
end
return 1
"""


class KestrelInMemoryTrackerStore(InMemoryTrackerStore):
    def __init__(self, domain: Domain, max_events: int, event_broker: Any = None) -> None:
        super().__init__(domain, event_broker)
        self.max_events = max_events

    async def save(self, tracker: DialogueStateTracker) -> None:
        # As InMemoryTrackerStore.save, shortened after the new events were streamed (they are found by
        # their position after what is stored).
        await self.stream_events(tracker)
        shorten(tracker, self.max_events)
        self.store[tracker.sender_id] = self.serialise_tracker(tracker)

    def saved_json(self, conversation_id: str) -> Optional[str]:
        """The conversation as last saved, unparsed (api/idempotency.py looks for a key in it)."""
        saved = self.store.get(conversation_id)
        return None if saved is None else str(saved)


class KestrelRedisTrackerStore(RedisTrackerStore):
    def __init__(
        self,
        domain: Domain,
        client: Any,
        record_exp_seconds: Optional[float],
        max_events: int,
        event_broker: Any = None,
    ) -> None:
        # RedisTrackerStore.__init__ would build its own client, without timeouts: set its fields instead.
        self.red = client
        self.record_exp = record_exp_seconds
        self.key_prefix = tracker_key("")
        self.max_events = max_events
        TrackerStore.__init__(self, domain, event_broker)
        self._fenced_set = client.register_script(FENCED_SET)

    async def save(self, tracker: DialogueStateTracker, timeout: Optional[float] = None) -> None:
        # As RedisTrackerStore.save, with the final write fenced by the turn lock.
        await self.stream_events(tracker)
        key = self.key_prefix + tracker.sender_id
        stored = self.red.get(key)
        as_dicts = [event.as_dict() for event in tracker.events]
        events: Optional[List[Dict[str, Any]]] = as_dicts
        if stored is not None and not _continues(stored, as_dicts):
            # The tracker lacks stored events (earlier sessions: Rasa hands a turn only the latest one).
            prior = self.deserialise_tracker(tracker.sender_id, stored)
            if prior is not None:
                tracker = self._merge_trackers(prior, tracker)
                events = None
        if shorten(tracker, self.max_events):
            events = None
        serialised = self.serialise_tracker(tracker) if events is None else _dialogue_json(tracker.sender_id, events)
        expiry = timeout or self.record_exp
        expiry_ms = int(math.ceil(expiry * 1000)) if expiry else 0
        fence = current_fence.get()
        if fence is None or fence.conversation_id != tracker.sender_id:
            # Not inside this conversation's turn lock (nothing in the service saves that way).
            self.red.set(key, serialised, px=expiry_ms or None)
            return
        if not self._fenced_set(keys=[key, fence.lock_key], args=[fence.token, serialised, expiry_ms]):
            raise TurnLockLost("the turn lock expired before the conversation was saved; nothing was written")

    async def keys(self) -> Iterable[str]:
        return [key[len(self.key_prefix):] for key in self.red.scan_iter(self.key_prefix + "*", count=500)]

    def saved_json(self, conversation_id: str) -> Optional[str]:
        """The conversation as last saved, unparsed (api/idempotency.py looks for a key in it). A blocking
        read on the agent's thread, as Rasa's own tracker store makes."""
        saved = self.red.get(self.key_prefix + conversation_id)
        return None if saved is None else str(saved)


def _continues(stored: str, events: List[Dict[str, Any]]) -> bool:
    """The stored conversation is exactly the start of `events`: the usual case, a turn adding to what it
    read. Rasa's merge would find the same by deserialising the stored events, replaying the new tracker up
    to their time and comparing event objects, three passes over the whole conversation on every save. Any
    difference (even one a JSON round trip makes) falls back to Rasa's merge, so this only saves time."""
    stored_events = json.loads(stored).get("events") or []
    return len(stored_events) <= len(events) and stored_events == events[: len(stored_events)]


def _dialogue_json(sender_id: str, events: List[Dict[str, Any]]) -> str:
    # What RedisTrackerStore.serialise_tracker writes (Dialogue.as_dict), from events already turned into dicts.
    return json.dumps({"events": events, "name": sender_id})


def raise_store_error(error: Exception) -> None:
    """FailSafeTrackerStore's error callback: re-raise instead of falling back to memory."""
    raise error


def fail_loudly(agent: Any, tracker_store: Any) -> None:
    """Make the FailSafeTrackerStore that `Agent.load` wrapped around `tracker_store` re-raise errors.

    Relies on Rasa 3.6 internals (pinned in requirements.txt); checked here so an upgrade that changes them
    stops the service at start-up instead of quietly bringing back the in-memory fallback.
    """
    wrapper = agent.tracker_store
    processor = agent.processor
    if (
        not isinstance(wrapper, FailSafeTrackerStore)
        or getattr(wrapper, "_tracker_store", None) is not tracker_store
        or not hasattr(wrapper, "_on_tracker_store_error")
        or (processor is not None and processor.tracker_store is not wrapper)
    ):
        raise RuntimeError("Rasa's tracker store wiring is not the one this service was written for (rasa 3.6)")
    wrapper._on_tracker_store_error = raise_store_error
