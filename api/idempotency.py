"""Exactly-once turns: a message sent again with the same idempotency key gets the first delivery's reply
and moves nothing.

Clients retry when a reply does not arrive (the widget resends after an error; the 503 text asks people to
try again), but the first delivery may have been handled. So each delivery may carry a key (the web API's
`Idempotency-Key` header, REST's `metadata.idempotency_key`). The first delivery of a key *claims* it,
runs the turn and stores its reply against (conversation, key); a later one with the same key returns
that reply without touching the conversation. One still being answered is waited for. The same key with
a different message is refused (422), as the IETF Idempotency-Key draft suggests.

Neither the key nor the message is stored: records are keyed by an HMAC of the key, and remember an HMAC
of the message, with CHANNEL_ID_SECRET (the same in every process) or, without it, a per-process key
(then there is only one process). Records last as long as the conversation: RETENTION_MINUTES after
their last write, and they go when it is erased.

* memory: one cachetools.TTLCache entry per conversation, a dict from key hash to record.
* Redis: one hash per conversation, `kestrel:replies:<id>`, field = key hash, expiring with retention.
  Claiming is one Lua script, so two processes given the same key at once cannot both win.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import math
import re
import secrets
import time
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Union

from cachetools import TTLCache

from api.store.client import LoopClient
from api.store.keys import replies_key

# The IETF draft's key is a structured-field string: printable ASCII. 128 is room for any UUID or token.
MAX_KEY_CHARS = 128
# At least one character that is not a space (HTTP drops the spaces around a header value).
KEY_PATTERN = r"^[\x20-\x7e]*[\x21-\x7e][\x20-\x7e]*$"
_KEY = re.compile(KEY_PATTERN)
BAD_KEY = (
    f"Idempotency-Key must be 1-{MAX_KEY_CHARS} printable ASCII characters, such as a random UUID, "
    "new for each message and the same when that message is sent again"
)
KEY_REUSED = (
    "This Idempotency-Key was already used for a different message in this conversation. "
    "Use a new key for each new message."
)

Replies = List[Dict[str, Any]]


class BadIdempotencyKey(ValueError):
    """The key is not 1-128 printable ASCII characters (400)."""

    def __init__(self) -> None:
        super().__init__(BAD_KEY)


class IdempotencyKeyReused(Exception):
    """The key was first used with a different message (422)."""

    def __init__(self) -> None:
        super().__init__(KEY_REUSED)


def checked_key(key: Any) -> str:
    if not isinstance(key, str) or len(key) > MAX_KEY_CHARS or not _KEY.fullmatch(key):
        raise BadIdempotencyKey()
    return key


@dataclass(frozen=True)
class Claim:
    """What claiming a key found: `won` (run the turn), a stored `replies`, or the first delivery still
    `pending`."""

    won: bool = False
    replies: Optional[Replies] = None
    pending: bool = False


class Hasher:
    def __init__(self, secret: Optional[bytes]) -> None:
        self._secret = secret or secrets.token_bytes(32)

    def _hash(self, kind: bytes, value: str) -> str:
        digest = hmac.new(self._secret, kind + b"\0" + value.encode("utf-8", "surrogatepass"), hashlib.sha256)
        return digest.hexdigest()[:32]

    def key(self, key: str) -> str:
        return self._hash(b"idempotency-key", key)

    def message(self, message: str) -> str:
        return self._hash(b"idempotency-message", message)


# Records: "p<message hash><deadline ms>" while the first delivery runs, "d<message hash><replies JSON>"
# once it is answered. The deadline lets a later delivery take over a claim whose process died.
_HASH_CHARS = 32


class MemoryReplies:
    def __init__(self, retention_seconds: float, claim_seconds: float, max_conversations: int) -> None:
        self.claim_seconds = claim_seconds
        self._cache: "TTLCache[str, Dict[str, str]]" = TTLCache(max_conversations, retention_seconds)

    async def claim(self, conversation_id: str, key_hash: str, message_hash: str) -> Union[Claim, str]:
        records = self._cache.get(conversation_id, {})
        now_ms = int(time.time() * 1000)
        found = records.get(key_hash)
        if found is not None and not _stale(found, message_hash, now_ms):
            return found
        records[key_hash] = f"p{message_hash}{now_ms + int(self.claim_seconds * 1000)}"
        self._cache[conversation_id] = records  # (re)starts the retention period
        return Claim(won=True)

    async def complete(self, conversation_id: str, key_hash: str, message_hash: str, replies: Replies) -> None:
        records = self._cache.get(conversation_id, {})
        records[key_hash] = "d" + message_hash + json.dumps(replies)
        self._cache[conversation_id] = records

    async def release(self, conversation_id: str, key_hash: str, message_hash: str) -> None:
        records = self._cache.get(conversation_id)
        if records is not None and records.get(key_hash, "").startswith("p" + message_hash):
            del records[key_hash]

    async def forget(self, conversation_id: str) -> None:
        self._cache.pop(conversation_id, None)


def _stale(record: str, message_hash: str, now_ms: int) -> bool:
    """A pending claim for the same message whose deadline has passed: its process died mid-turn."""
    return (
        record[0] == "p" and record[1:1 + _HASH_CHARS] == message_hash
        and int(record[1 + _HASH_CHARS:]) < now_ms
    )


# KEYS[1] the conversation's hash; ARGV: key hash, message hash, claim ms, retention ms. Returns the record
# found, or nil when this call claimed the key. Redis's clock decides staleness, so processes with skewed
# clocks agree.
_CLAIM = """
local found = redis.call('HGET', KEYS[1], ARGV[1])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
if found then
  local stale = string.sub(found, 1, 1) == 'p' and string.sub(found, 2, 33) == ARGV[2]
    and tonumber(string.sub(found, 34)) < now
  if not stale then return found end
end
redis.call('HSET', KEYS[1], ARGV[1], 'p' .. ARGV[2] .. tostring(now + tonumber(ARGV[3])))
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return false
"""
# Only our own pending claim is released (a stored reply is never removed by a failing retry).
_RELEASE = """
local found = redis.call('HGET', KEYS[1], ARGV[1])
if found and string.sub(found, 1, 33) == 'p' .. ARGV[2] then redis.call('HDEL', KEYS[1], ARGV[1]) end
return 0
"""


class RedisReplies:
    def __init__(self, client: LoopClient, retention_seconds: float, claim_seconds: float) -> None:
        self._red = client
        self.claim_ms = max(1, int(math.ceil(claim_seconds * 1000)))
        self.retention_ms = max(1, int(math.ceil(retention_seconds * 1000)))

    async def claim(self, conversation_id: str, key_hash: str, message_hash: str) -> Union[Claim, str]:
        found = await self._red.script(_CLAIM)(
            keys=[replies_key(conversation_id)], args=[key_hash, message_hash, self.claim_ms, self.retention_ms]
        )
        return Claim(won=True) if found is None else str(found)

    async def complete(self, conversation_id: str, key_hash: str, message_hash: str, replies: Replies) -> None:
        pipe = self._red.get().pipeline(transaction=True)
        pipe.hset(replies_key(conversation_id), key_hash, "d" + message_hash + json.dumps(replies))
        pipe.pexpire(replies_key(conversation_id), self.retention_ms)
        await pipe.execute()

    async def release(self, conversation_id: str, key_hash: str, message_hash: str) -> None:
        await self._red.script(_RELEASE)(keys=[replies_key(conversation_id)], args=[key_hash, message_hash])

    async def forget(self, conversation_id: str) -> None:
        await self._red.get().delete(replies_key(conversation_id))


ReplyStore = Union[MemoryReplies, RedisReplies]


def read_claim(found: Union[Claim, str], message_hash: str) -> Claim:
    """A claim result, with another delivery's record turned into what this one should do."""
    if isinstance(found, Claim):
        return found
    if found[1:1 + _HASH_CHARS] != message_hash:
        raise IdempotencyKeyReused()
    if found[0] == "d":
        return Claim(replies=json.loads(found[1 + _HASH_CHARS:]))
    return Claim(pending=True)
