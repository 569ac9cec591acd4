"""What the conversation store raises, whichever backend holds it.

Every Redis error is the store failing, answered 503, never 500: besides an unreachable Redis, Redis
refusing a write (maxmemory reached with noeviction: "OOM command not allowed", or EXECABORT for a MULTI
holding such a write; a failed snapshot: MISCONF; a replica during a failover: READONLY). A script error or
a wrong type would be a bug, but to the person it is the same: try again later.
"""
from __future__ import annotations

import redis


class NotReady(Exception):
    """The assistant cannot answer yet: no model loaded (still loading, or loading failed)."""


class StoreUnavailable(NotReady):
    """The conversation store (Redis) cannot be reached. Never answered from memory instead."""

    retry_after = 5

    def __init__(self) -> None:
        super().__init__(
            "The assistant cannot reach its conversation store right now. Your conversation is safe; "
            "please try again in a moment."
        )


class StoreRefused(StoreUnavailable):
    """Redis answered but refused (full, or failing to save its snapshot): this request fails, the store is
    not treated as down."""

    def __init__(self) -> None:
        NotReady.__init__(
            self, "The assistant cannot save conversations right now. Please try again in a moment."
        )


class TooManyConversations(StoreUnavailable):
    """A new conversation would pass MAX_CONVERSATIONS or MAX_CONVERSATIONS_PER_CLIENT. Conversations under
    way are not affected."""

    def __init__(self, retry_after: int, per_client: bool) -> None:
        NotReady.__init__(
            self,
            "Too many conversations have been started from this connection. Please carry on in the one you "
            "have, or try again later." if per_client else
            "The assistant is talking with as many people as it can right now. Please try again in a minute.",
        )
        self.retry_after = retry_after
        self.per_client = per_client


class TurnLockTimeout(Exception):
    """Another process kept this conversation's turn lock for longer than we may wait."""


class TurnLockLost(Exception):
    """The turn lock expired before the turn was saved; the save was refused so nothing is overwritten."""


# redis-py's asyncio client raises the same exception classes as its synchronous one.
StoreErrors = (redis.exceptions.RedisError,)
# Of those, the ones that mean Redis cannot be reached (a refused or reset connection, a timeout, a Redis
# still loading its data): the store is then treated as down, 503 at once for everything and /ready
# failing, until the background ping is answered. A Redis that answers but refuses writes is not down:
# existing conversations may still be read and erased, and the pods stay ready.
UnreachableErrors = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError)
