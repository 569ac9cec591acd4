"""Shared state for running several processes on one set of conversations (REDIS_URL).

Everything lives in one Redis under the `kestrel:` key prefix:

| key | what | expiry |
|---|---|---|
| `kestrel:tracker:<id>` | the conversation (Rasa's tracker JSON), see api/rasa/stores.py | RETENTION_MINUTES after the last save |
| `kestrel:conv:<id>` | the conversation exists (`RedisConversationRegistry` below) | RETENTION_MINUTES after the last turn |
| `kestrel:lock:<id>` | the turn lock: one turn at a time per conversation, see api/rasa/stores.py | 10 s unless renewed |
| `kestrel:active` | sorted set id -> expiry, only for the active-conversations metric | members pruned when read |
| `kestrel:replies:<id>` | hash: HMAC of an idempotency key -> the reply to that message (api/idempotency.py) | RETENTION_MINUTES after the last write |
| `kestrel:seen:<hmac>` | a messaging channel's delivery already taken (`RedisSeen` below) | the channel's seen period |

Redis key expiry does the retention sweeping, so no sweeper runs in Redis mode. Redis being unreachable is
never hidden: every call gives up within `SOCKET_TIMEOUT_SECONDS` with redis-py's ConnectionError or
TimeoutError, and the assistant answers 503 (see assistant.py), as it does for any other Redis error.

This module needs only redis-py; the Rasa store classes are in api/rasa/stores.py, imported when the model
loads, so the service answers /health before Rasa is even imported.
"""
from __future__ import annotations

import contextvars
import math
import time
from dataclasses import dataclass
from contextlib import nullcontext
from typing import Any, Callable, ContextManager, Dict, List, Optional

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

KEY_PREFIX = "kestrel"
# Every Redis call gives up after this long: a dead or unreachable Redis is a quick 503, never a hang.
SOCKET_TIMEOUT_SECONDS = 2.0
# A turn lock lives this long unless renewed; it is renewed every third of it while the turn runs, so a
# process killed mid-turn holds its conversation for at most this long.
LOCK_LIFETIME_SECONDS = 10.0
LOCK_POLL_SECONDS = 0.02

# Every Redis error is the store failing, answered 503, never 500: besides an unreachable Redis, Redis
# refusing a write (maxmemory reached with noeviction: "OOM command not allowed", or EXECABORT for a
# MULTI holding such a write; a failed snapshot: MISCONF; a replica during a failover: READONLY). A
# script error or a wrong type would be a bug, but to the person it is the same: try again later.
StoreErrors = (redis.exceptions.RedisError,)
# Of those, the ones that mean Redis cannot be reached (a refused or reset connection, a timeout, a
# Redis still loading its data): the store is then treated as down, 503 at once for everything and
# /ready failing, until the background ping is answered. A Redis that answers but refuses writes is not
# down: existing conversations may still be read and erased, and the pods stay ready.
UnreachableErrors = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError)


class TurnLockTimeout(Exception):
    """Another process kept this conversation's turn lock for longer than we may wait."""


class TurnLockLost(Exception):
    """The turn lock expired before the turn was saved; the save was refused so nothing is overwritten."""


def client_options(timeout: float = SOCKET_TIMEOUT_SECONDS) -> Dict[str, Any]:
    """Bounded waits, and one immediate retry on a fresh connection when a pooled one turns out to be dead
    (Redis restarted since it was last used), so the first request after Redis returns does not fail.
    Timeouts are not retried: a hung Redis costs one timeout, not two."""
    return dict(
        socket_timeout=timeout,
        socket_connect_timeout=timeout,
        retry=Retry(NoBackoff(), 1, supported_errors=(redis.exceptions.ConnectionError,)),
        retry_on_error=[redis.exceptions.ConnectionError],
        health_check_interval=15,
    )


def redis_client(url: str, timeout: float = SOCKET_TIMEOUT_SECONDS) -> Any:
    """A synchronous client (its connection pool is thread-safe) returning text."""
    return redis.Redis.from_url(url, decode_responses=True, **client_options(timeout))


def tracker_key(conversation_id: str) -> str:
    return f"{KEY_PREFIX}:tracker:{conversation_id}"


def lock_key(conversation_id: str) -> str:
    return f"{KEY_PREFIX}:lock:{conversation_id}"


def conversation_key(conversation_id: str) -> str:
    return f"{KEY_PREFIX}:conv:{conversation_id}"


ACTIVE_KEY = f"{KEY_PREFIX}:active"


@dataclass(frozen=True)
class Fence:
    """The turn lock the current task holds: the tracker store writes only while it is still ours."""

    conversation_id: str
    lock_key: str
    token: bytes


# Task-local: the lock's context manager runs in the task that then runs Rasa's processor, so the tracker
# store's save (same task) sees the lock of its own turn and no other.
current_fence: contextvars.ContextVar[Optional[Fence]] = contextvars.ContextVar("kestrel_turn_fence", default=None)


class RedisConversationRegistry:
    """The methods of conversations.ConversationRegistry, shared by every process.

    Each conversation is one key whose TTL is the retention period, renewed by every turn. While a turn
    runs, the TTL also covers the longest a turn can take, so a conversation is never swept mid-answer
    (and a process killed mid-turn leaves nothing that outlives retention by more than that). Expired keys
    vanish on their own, so `expired()` is always empty.
    """

    def __init__(self, client: Any, retention_seconds: float, turn_budget_seconds: float) -> None:
        self._red = client
        self.retention_seconds = retention_seconds
        self.turn_budget_seconds = turn_budget_seconds

    def __len__(self) -> int:
        return self.count()

    def count(self) -> int:
        """Conversations alive across the whole deployment."""
        now_ms = int(time.time() * 1000)
        pipe = self._red.pipeline(transaction=False)
        pipe.zremrangebyscore(ACTIVE_KEY, "-inf", now_ms)
        pipe.zcard(ACTIVE_KEY)
        return int(pipe.execute()[1])

    def known(self, conversation_id: str) -> bool:
        return bool(self._red.exists(conversation_key(conversation_id)))

    def is_live(self, conversation_id: str) -> bool:
        # Redis itself removes the key once idle past retention: known and live are the same thing here.
        return self.known(conversation_id)

    def _set(self, conversation_id: str, seconds: float, only_if_exists: bool) -> None:
        ms = max(1, int(math.ceil(seconds * 1000)))
        pipe = self._red.pipeline(transaction=True)
        pipe.set(conversation_key(conversation_id), "1", px=ms, xx=only_if_exists)
        pipe.zadd(ACTIVE_KEY, {conversation_id: int(time.time() * 1000) + ms}, xx=only_if_exists)
        pipe.execute()

    def touch(self, conversation_id: str) -> None:
        self._set(conversation_id, self.retention_seconds, only_if_exists=False)

    def begin_turn(self, conversation_id: str) -> None:
        self._set(conversation_id, self.retention_seconds + self.turn_budget_seconds, only_if_exists=False)

    def end_turn(self, conversation_id: str) -> None:
        # XX: a conversation deleted (by any process) while this turn ran stays deleted.
        self._set(conversation_id, self.retention_seconds, only_if_exists=True)

    def forget(self, conversation_id: str) -> bool:
        # Not a MULTI: Redis refuses to queue anything in one when it is over maxmemory, and erasing must
        # work then most of all. A member left behind by a crash between the two leaves the count at its
        # expiry.
        pipe = self._red.pipeline(transaction=False)
        pipe.delete(conversation_key(conversation_id))
        pipe.zrem(ACTIVE_KEY, conversation_id)
        return bool(pipe.execute()[0])

    def expired(self) -> List[str]:
        return []


class RedisSeen:
    """The messaging channels' seen-set (api/channels/seen.py `SeenStore`) shared by every process, so a
    platform's retry of a delivery is recognised whichever process it reaches: `SET key 1 NX PX ttl`.
    `guard` wraps each call (the assistant's: refuse while Redis is down, 503 on a connection error)."""

    def __init__(self, client: Any, ttl_seconds: float, guard: Optional[Callable[[], ContextManager[Any]]] = None) -> None:
        self._red = client
        self.ttl_ms = max(1, int(math.ceil(ttl_seconds * 1000)))
        self._guard = guard or nullcontext

    def first_time(self, key: str) -> bool:
        with self._guard():
            return bool(self._red.set(f"{KEY_PREFIX}:seen:{key}", "1", nx=True, px=self.ttl_ms))
