"""Exactly-once turns: a message sent again with the same idempotency key gets the first delivery's reply
and moves nothing.

Clients retry when a reply does not arrive (the widget resends after an error; the 503 text asks people to
try again), but the first delivery may have been handled. So each delivery may carry a key (the web API's
`Idempotency-Key` header, REST's and Socket.IO's `metadata.idempotency_key`, a messaging platform's own
message id). The same key with a different message is refused (422), as the IETF Idempotency-Key draft
suggests.

Apply-or-nothing. A turn is applied exactly when Rasa's one write of the conversation lands (a single
SET in Redis, fenced by the turn lock, or one dict assignment in memory), and that write carries the key:
its HMAC goes into the user message's metadata (`TRACKER_FIELD`). So the saved conversation itself says
whether a key was applied, whatever happened to the process or to Redis around the write, and there is no
second write that could land without the first. Every keyed turn looks there first, inside the
conversation's turn lock (so no other turn of it is running or can still save): if the key is there,
nothing is applied and the reply is rebuilt from the bot messages that followed it (`answer_in`);
otherwise the turn runs. An error before the write leaves nothing saved; an error after it (a timeout
reading Redis's answer, a process killed before replying) is found out by the next delivery of the key.

The reply store below is the fast path: once a turn is answered its reply is kept against
(conversation, key), so a repeat is answered without queueing for the model, and a key's message is
remembered from the first delivery on, for the 422. It never decides whether a turn runs; a reply that
could not be stored (Redis failed just after the save) only means the next repeat rebuilds it.

Neither the key nor the message is stored: records are keyed by an HMAC of the key, and remember an HMAC
of the message, with CHANNEL_ID_SECRET (the same in every process) or, without it, a per-process key
(then there is only one process). Records last as long as the conversation: RETENTION_MINUTES after
their last write, and they go when it is erased.

* memory: one cachetools.TTLCache entry per conversation, a dict from key hash to record.
* Redis: one hash per conversation, `kestrel:replies:<id>`, field = key hash, expiring with retention.
  A key's first message is recorded by one Lua script, so two processes given it at once agree on it.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import math
import re
import secrets
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Tuple, Union

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


def split_idempotency_key(metadata: Optional[Dict[str, Any]]) -> Tuple[Optional[Dict[str, Any]], Optional[str]]:
    """`metadata.idempotency_key` (the Rasa protocols, REST and Socket.IO, have no headers of their own in
    Rasa's clients), checked, and the metadata without it: the key is for matching retries, not for
    keeping in the conversation."""
    if not metadata or "idempotency_key" not in metadata:
        return metadata, None
    rest = {k: v for k, v in metadata.items() if k != "idempotency_key"}
    return rest or None, checked_key(metadata["idempotency_key"])


@dataclass(frozen=True)
class Claim:
    """What claiming a key found: the stored `replies` of an answered delivery, or None: run it as a keyed
    turn (the saved conversation decides whether it was applied already)."""

    replies: Optional[Replies] = None


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


# Records: "p<message hash>" from the first delivery on, "d<message hash><replies JSON>" once answered.
_HASH_CHARS = 32


class MemoryReplies:
    def __init__(self, retention_seconds: float, max_conversations: int) -> None:
        self._cache: "TTLCache[str, Dict[str, str]]" = TTLCache(max_conversations, retention_seconds)

    async def claim(self, conversation_id: str, key_hash: str, message_hash: str) -> Optional[str]:
        records = self._cache.get(conversation_id, {})
        found = records.get(key_hash)
        if found is not None:
            return found
        records[key_hash] = "p" + message_hash
        self._cache[conversation_id] = records  # (re)starts the retention period
        return None

    async def complete(self, conversation_id: str, key_hash: str, message_hash: str, replies: Replies) -> None:
        records = self._cache.get(conversation_id, {})
        records[key_hash] = "d" + message_hash + json.dumps(replies)
        self._cache[conversation_id] = records

    async def forget(self, conversation_id: str) -> None:
        self._cache.pop(conversation_id, None)


# KEYS[1] the conversation's hash; ARGV: key hash, message hash, retention ms. Returns the record found, or
# nil when this call recorded the key's message.
_CLAIM = """
local found = redis.call('HGET', KEYS[1], ARGV[1])
if found then return found end
redis.call('HSET', KEYS[1], ARGV[1], 'p' .. ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return false
"""


class RedisReplies:
    def __init__(self, client: LoopClient, retention_seconds: float) -> None:
        self._red = client
        self.retention_ms = max(1, int(math.ceil(retention_seconds * 1000)))

    async def claim(self, conversation_id: str, key_hash: str, message_hash: str) -> Optional[str]:
        found = await self._red.script(_CLAIM)(
            keys=[replies_key(conversation_id)], args=[key_hash, message_hash, self.retention_ms]
        )
        return None if found is None else str(found)

    async def complete(self, conversation_id: str, key_hash: str, message_hash: str, replies: Replies) -> None:
        pipe = self._red.get().pipeline(transaction=True)
        pipe.hset(replies_key(conversation_id), key_hash, "d" + message_hash + json.dumps(replies))
        pipe.pexpire(replies_key(conversation_id), self.retention_ms)
        await pipe.execute()

    async def forget(self, conversation_id: str) -> None:
        await self._red.get().delete(replies_key(conversation_id))


ReplyStore = Union[MemoryReplies, RedisReplies]


def read_claim(found: Optional[str], message_hash: str) -> Claim:
    """A claim result, with another delivery's record turned into what this one should do."""
    if found is None:
        return Claim()
    if found[1:1 + _HASH_CHARS] != message_hash:
        raise IdempotencyKeyReused()
    if found[0] == "d":
        return Claim(replies=json.loads(found[1 + _HASH_CHARS:]))
    return Claim()


# ---- the saved conversation as the record of what was applied ---------------------------------------

# In the user message's metadata: the HMAC of the key it was sent with (never the key itself).
TRACKER_FIELD = "kestrel_key_hash"


def keyed_metadata(metadata: Optional[Dict[str, Any]], key_hash: str) -> Dict[str, Any]:
    """The metadata a keyed message is saved with. A client's own value for the field is dropped, so
    only the service writes it."""
    return {**{k: v for k, v in (metadata or {}).items() if k != TRACKER_FIELD}, TRACKER_FIELD: key_hash}


def answer_in(serialised: Optional[str], key_hash: str) -> Optional[List[Dict[str, Any]]]:
    """The bot events that answered the message sent with `key_hash`, from a saved conversation (Rasa's
    tracker JSON), or None if no message with that key was ever saved in it.

    A conversation is shortened to its last MAX_EVENTS_PER_CONVERSATION events; a key older than that
    is no longer found here (its reply may still be in the reply store). Retries come within seconds."""
    if serialised is None or key_hash not in serialised:  # the common case, without parsing anything
        return None
    events = json.loads(serialised).get("events") or []
    for index in range(len(events) - 1, -1, -1):
        event = events[index]
        if event.get("event") == "user" and (event.get("metadata") or {}).get(TRACKER_FIELD) == key_hash:
            answer: List[Dict[str, Any]] = []
            for later in events[index + 1:]:
                if later.get("event") == "user":
                    break
                if later.get("event") == "bot":
                    answer.append(later)
            return answer
    return None


async def replay(bot_events: List[Dict[str, Any]], output_channel: Any, recipient_id: str) -> Replies:
    """The replies those bot events made, in the shape `output_channel` collects: each goes through
    `send_response` exactly as Rasa's processor sent it when the turn ran (MessageProcessor.
    _send_bot_messages), so a rebuilt reply is the reply the first delivery got."""
    from rasa.shared.core.events import BotUttered, Event

    for data in bot_events:
        event = Event.from_parameters(data)
        if isinstance(event, BotUttered):
            await output_channel.send_response(recipient_id, event.message())
    return list(output_channel.messages)
