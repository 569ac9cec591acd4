"""Which conversations exist, when each was last active, and which have outlived the retention period.

Kept apart from Rasa's tracker store on purpose: the tracker store can only list keys (expensively, for
Redis), while retention needs "idle since when" for every conversation and a cheap existence check on
each request. This class is the in-memory one (one process); with REDIS_URL,
`api.store.redis.RedisConversationRegistry` does the same job, with Redis key expiry doing
the sweeping.
"""
from __future__ import annotations

import secrets
import time
from typing import Callable, Dict, List

# 24 random bytes = 192 bits, well over the 128 the contract promises; url-safe so it fits in a path.
ID_BYTES = 24

# Every way in keeps its conversations under its own prefix, and each accepts only ids under it, so no
# id sent to one channel can name a conversation of another: a REST sender "user1" is stored as
# "rest-user1", which /api/v1 ("api-…") and Socket.IO ("sio-…") refuse, and knowing CHANNEL_ID_SECRET
# (which makes "telegram-…", "whatsapp-…", "twilio-…" computable) opens nothing through REST.
API = "api"
SOCKETIO = "sio"
REST = "rest"


def new_conversation_id(namespace: str) -> str:
    return f"{namespace}-{secrets.token_urlsafe(ID_BYTES)}"


def in_namespace(conversation_id: str, namespace: str) -> bool:
    return conversation_id.startswith(f"{namespace}-")


def rest_conversation_id(sender: str) -> str:
    return f"{REST}-{sender}"


class ConversationRegistry:
    def __init__(self, retention_seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.retention_seconds = retention_seconds
        self._clock = clock
        self._last_active: Dict[str, float] = {}
        self._in_flight: Dict[str, int] = {}

    def __len__(self) -> int:
        return len(self._last_active)

    def known(self, conversation_id: str) -> bool:
        """Registered and not yet forgotten, whether or not it has expired."""
        return conversation_id in self._last_active

    def is_live(self, conversation_id: str) -> bool:
        """Known and not idle past retention. An idle one counts as gone even before the sweeper runs."""
        last = self._last_active.get(conversation_id)
        if last is None:
            return False
        return self._in_flight.get(conversation_id, 0) > 0 or self._clock() - last < self.retention_seconds

    def touch(self, conversation_id: str) -> None:
        self._last_active[conversation_id] = self._clock()

    def begin_turn(self, conversation_id: str) -> None:
        """A turn in progress keeps its conversation from being swept mid-answer."""
        self._in_flight[conversation_id] = self._in_flight.get(conversation_id, 0) + 1
        self.touch(conversation_id)

    def end_turn(self, conversation_id: str) -> None:
        remaining = self._in_flight.get(conversation_id, 1) - 1
        if remaining > 0:
            self._in_flight[conversation_id] = remaining
        else:
            self._in_flight.pop(conversation_id, None)
        if conversation_id in self._last_active:
            self.touch(conversation_id)

    def forget(self, conversation_id: str) -> bool:
        self._in_flight.pop(conversation_id, None)
        return self._last_active.pop(conversation_id, None) is not None

    def expired(self) -> List[str]:
        now = self._clock()
        return [
            cid
            for cid, last in self._last_active.items()
            if now - last >= self.retention_seconds and not self._in_flight.get(cid)
        ]
