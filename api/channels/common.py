"""What the three messaging channels share: keyed ids, the seen-set against retries and replays, button
payload mapping, running turns after the webhook has been acknowledged, and sending to platform APIs.

Each platform module only verifies its webhook, parses its format into `Inbound` messages and renders
the assistant's replies (`Channel.deliver`); everything else happens here, once.

Privacy: a platform's user id (a Telegram chat id, a phone number) lives only in memory while its turn is
handled. The conversation is keyed by an HMAC of channel and user id (`ConversationIds`), the seen-set
by an HMAC of the delivery id (a WhatsApp message id encodes the sender's number), and log lines carry
only the keyed hash of the conversation id that every other channel logs.
"""
from __future__ import annotations

import abc
import asyncio
import base64
import hashlib
import hmac
import json
import logging
import math
import time
from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Optional, Protocol, Sequence, Set

import httpx
from cachetools import TTLCache
from fastapi.responses import JSONResponse

from api.agent_worker import ModelBusy
from api.assistant import Assistant, NotReady
from api.idempotency import IdempotencyKeyReused
from api.channels.menus import MemoryMenuStore, Menus, MenuStore
from api.channels.text import chosen_number
from api.logging_setup import conv_hash, log_fields, sensitive
from api.ratelimit import Limits, RateLimited
from api.settings import Settings

logger = logging.getLogger("api.channels")

# A delivery id is remembered this long. Platforms retry for hours (Meta for up to 7 days), so messages
# older than STALE_AFTER_SECONDS (by the platform's own timestamp) are dropped outright: together the two
# make a captured request worthless to replay, whenever it is replayed.
SEEN_SECONDS = 48 * 3600
STALE_AFTER_SECONDS = 24 * 3600
SEEN_MAX_ENTRIES = 200_000
# Turns accepted but not finished, over all channels. Beyond this the webhook answers 503 so the
# platform retries later, instead of the process queueing without bound.
MAX_PENDING_DELIVERIES = 1000
PLATFORM_TIMEOUT_SECONDS = 10.0
SEND_ATTEMPTS = 3

# What a person reads when their message cannot be answered normally. Plain words, no markup.
NOTICES = {
    "not_text": "Sorry, I can only read text messages. Please type what's happening in your own words.",
    "too_long": "That message is too long for me. Could you say it in fewer words?",
    "expired_button": "Sorry, that button has expired. Please type your answer instead.",
    "rate_limited": "You're sending messages faster than I can read them. Please wait a moment, then try again.",
    "busy": "Sorry, I'm very busy right now. Please send your message again in a minute.",
    "not_ready": "Sorry, I'm just starting up. Please send your message again in a minute.",
}
CHOOSE_PROMPT = "Choose one:"
NOTICE_KEY = "kestrel_notice"  # marks a reply that is a notice, not the assistant's turn


# ---- ids -----------------------------------------------------------------------------------------------


class ConversationIds:
    """Keyed hashes of platform ids. Without the key they cannot be reversed, even for phone numbers
    (which are few enough to enumerate); with a stable key the same person continues the same
    conversation after a restart and on any replica."""

    def __init__(self, secret: bytes) -> None:
        self._secret = secret

    def _mac(self, purpose: str, channel: str, value: str) -> bytes:
        message = "\x00".join((purpose, channel, value)).encode("utf-8", "surrogatepass")
        return hmac.new(self._secret, message, hashlib.sha256).digest()

    def conversation(self, channel: str, user_id: str) -> str:
        digest = base64.urlsafe_b64encode(self._mac("conversation", channel, user_id)).decode().rstrip("=")
        return f"{channel}-{digest}"

    def delivery(self, channel: str, delivery_id: str) -> str:
        return self._mac("delivery", channel, delivery_id).hex()[:32]


# ---- bounded stores with expiry (the seam for Redis) -------------------------------------------------


class SeenStore(Protocol):
    def first_time(self, key: str) -> bool:
        """Record `key`; True if it was not already recorded (atomically: Redis `SET key 1 NX EX ttl`)."""


class InMemorySeen:
    """This process's seen-set: each key remembered for `ttl` seconds, at most `max_entries` of them (the
    least recently seen go first)."""

    def __init__(self, ttl: float = SEEN_SECONDS, max_entries: int = SEEN_MAX_ENTRIES,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._entries: "TTLCache[str, bool]" = TTLCache(max_entries, ttl, timer=clock)

    def first_time(self, key: str) -> bool:
        if key in self._entries:
            return False
        self._entries[key] = True
        return True

    def __len__(self) -> int:
        self._entries.expire()
        return len(self._entries)


# ---- talking to platform APIs ------------------------------------------------------------------------


class DeliveryFailed(Exception):
    def __init__(self, status: Optional[int], reason: str) -> None:
        super().__init__(reason)
        self.status = status


async def post(http: httpx.AsyncClient, url: str, **kwargs: Any) -> httpx.Response:
    """POST with a few retries on network errors, 429 and 5xx. A retried timeout can duplicate a message;
    for a crisis reply a duplicate is far better than nothing."""
    last: Optional[BaseException] = None
    status: Optional[int] = None
    for attempt in range(SEND_ATTEMPTS):
        if attempt:
            await asyncio.sleep(0.5 * attempt)
        try:
            response = await http.post(url, **kwargs)
        except httpx.HTTPError as e:
            last = e
            continue
        status = response.status_code
        if status < 400:
            return response
        if status != 429 and status < 500:
            break
        retry_after = response.headers.get("retry-after", "")
        if retry_after.isdigit():
            await asyncio.sleep(min(float(retry_after), 5.0))
    raise DeliveryFailed(status, type(last).__name__ if last else f"http_{status}")


# ---- messages in, turns, replies out -----------------------------------------------------------------


@dataclass(frozen=True)
class Inbound:
    """One message from a person, as every channel hands it over.

    `user` is the platform's user id (a phone number!): used to derive the conversation id and to address
    the reply, never stored or logged. `address` holds whatever else the reply needs (chat id, the
    number the message was sent to, a callback id), equally transient.
    """

    user: str
    text: Optional[str] = None
    button: Optional[str] = None  # a button reference (callback data, reply id) to map back to a payload
    address: Any = None


Reply = Dict[str, Any]  # Rasa's shape: {"text": ..., "buttons": [{"title", "payload"}]}


def notice(kind: str) -> List[Reply]:
    return [{"text": NOTICES[kind], NOTICE_KEY: True}]


def is_notice(replies: List[Reply]) -> bool:
    return any(reply.get(NOTICE_KEY) for reply in replies)


class Channel(abc.ABC):
    name: str

    def __init__(self, runtime: "ChannelRuntime") -> None:
        self.runtime = runtime

    async def before_turn(self, http: httpx.AsyncClient, inbound: Inbound) -> None:
        """Platform housekeeping due at once (Telegram's answerCallbackQuery)."""

    @abc.abstractmethod
    async def deliver(self, http: httpx.AsyncClient, inbound: Inbound, conversation_id: str,
                      replies: List[Reply]) -> None:
        """Send the replies, in order, in the platform's shape."""


def rejected(channel: str, status: int, reason: str, detail: Optional[str] = None) -> JSONResponse:
    """A webhook request that failed authentication (or could not have come from the platform). Logged
    without anything from the request."""
    logger.warning("channel request rejected", extra=log_fields(channel=channel, status=status, reason=reason))
    if detail is None:
        detail = "Missing signature." if status == 401 else "Invalid signature."
    return JSONResponse({"detail": detail}, status_code=status)


def _no_constant(name: str) -> Any:
    raise ValueError(f"non-standard JSON constant {name}")


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):  # 1e999 is Infinity by another name
        raise ValueError("number out of range")
    return value


def platform_json(raw: bytes) -> Any:
    """A webhook body as JSON, refusing what the platforms never send: NaN/Infinity (which later fail to
    serialise) and nesting past the parser's recursion limit. Any refusal is a ValueError, so a signed but
    unusable body is a 400, never a 500 that the platform would keep redelivering."""
    try:
        return json.loads(raw, parse_constant=_no_constant, parse_float=_finite)
    except RecursionError:
        raise ValueError("JSON nested too deeply") from None


def constant_time_equal(supplied: str, expected: str) -> bool:
    return hmac.compare_digest(supplied.encode("utf-8", "surrogatepass"), expected.encode("utf-8"))


class ChannelRuntime:
    """Shared by the enabled channels of one app."""

    def __init__(self, settings: Settings, assistant: Assistant, limits: Limits, secret: bytes,
                 seen: Optional[SeenStore] = None, menus: Optional[MenuStore] = None,
                 clock: Callable[[], float] = time.time) -> None:
        self.settings = settings
        self.assistant = assistant
        self.limits = limits
        self.ids = ConversationIds(secret)
        self.seen: SeenStore = seen or InMemorySeen()
        # With REDIS_URL shared by every process (api/channels/menus.py), so an answer to numbered options
        # is understood whichever process it reaches; else this process's own.
        self.menus = Menus(menus or MemoryMenuStore(settings.retention_seconds))
        self._clock = clock
        self._tasks: Set["asyncio.Task[None]"] = set()
        self._locks: Dict[str, asyncio.Lock] = {}
        self._waiting: Dict[str, int] = {}

    @property
    def ready(self) -> bool:
        """Model loaded and conversation store reachable: otherwise webhooks are not acknowledged."""
        return self.assistant.is_ready and self.assistant.store_reachable()

    @property
    def pending(self) -> int:
        return len(self._tasks)

    def accept(self, channel: Channel, delivery_id: str, inbound: Inbound, sent_at: Optional[float] = None,
               also_seen: Sequence[str] = ()) -> str:
        """Take one verified message: "queued" (it will be handled after the webhook is answered),
        "duplicate" (seen before: acknowledge, do nothing), "stale" (older than any retry we honour) or
        "full" (answer 503 so the platform retries later; the delivery is not marked seen).

        `also_seen`: more ids of the same delivery; if any of them was seen before, it is a duplicate."""
        if sent_at is not None and self._clock() - sent_at > STALE_AFTER_SECONDS:
            logger.info("channel message", extra=log_fields(channel=channel.name, event="stale"))
            return "stale"
        if len(self._tasks) >= MAX_PENDING_DELIVERIES:
            logger.warning("channel message", extra=log_fields(channel=channel.name, event="full",
                                                               pending=len(self._tasks)))
            return "full"
        # Every id is recorded, even after one has been seen, so none of them can be used again later.
        delivery = self.ids.delivery(channel.name, delivery_id)
        fresh = [self.seen.first_time(key) for key in (delivery, *(self.ids.delivery(channel.name, k) for k in also_seen))]
        if not all(fresh):
            logger.info("channel message", extra=log_fields(channel=channel.name, event="duplicate"))
            return "duplicate"
        conversation_id = self.ids.conversation(channel.name, inbound.user)
        task = asyncio.ensure_future(self._in_order(conversation_id, channel, inbound, delivery))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return "queued"

    async def drain(self, timeout: float) -> None:
        """Let accepted turns finish (at shutdown); cancel what is left after `timeout`."""
        tasks = list(self._tasks)
        if not tasks:
            return
        _, late = await asyncio.wait(tasks, timeout=timeout)
        for task in late:
            task.cancel()

    async def _in_order(self, conversation_id: str, channel: Channel, inbound: Inbound, delivery: str) -> None:
        # One turn at a time per conversation, in arrival order (asyncio.Lock is FIFO), so replies to
        # two quick messages cannot interleave.
        lock = self._locks.setdefault(conversation_id, asyncio.Lock())
        self._waiting[conversation_id] = self._waiting.get(conversation_id, 0) + 1
        try:
            async with lock:
                await self._handle(conversation_id, channel, inbound, delivery)
        finally:
            self._waiting[conversation_id] -= 1
            if not self._waiting[conversation_id]:
                del self._waiting[conversation_id], self._locks[conversation_id]

    async def _handle(self, conversation_id: str, channel: Channel, inbound: Inbound, delivery: str) -> None:
        with sensitive(inbound.user, inbound.text, conversation_id):
            try:
                async with httpx.AsyncClient(timeout=PLATFORM_TIMEOUT_SECONDS) as http:
                    await channel.before_turn(http, inbound)
                    replies = await self._turn(conversation_id, channel.name, inbound, delivery)
                    await channel.deliver(http, inbound, conversation_id, replies)
            except DeliveryFailed as e:
                logger.warning(
                    "channel delivery failed",
                    extra=log_fields(channel=channel.name, conv=conv_hash(conversation_id), status=e.status,
                                     error_type=str(e)),
                )
            except Exception as e:  # noqa: BLE001 - a background task has no one else to report to
                logger.error(
                    "channel turn failed",
                    extra=log_fields(channel=channel.name, conv=conv_hash(conversation_id),
                                     error_type=type(e).__name__),
                )

    async def _turn(self, conversation_id: str, channel: str, inbound: Inbound, delivery: str) -> List[Reply]:
        """The replies to one delivery. Its platform id (as its keyed hash: a WhatsApp id holds the sender's
        number) is the turn's idempotency key, so the assistant applies a delivery once even if it gets
        past the seen-set twice, and a repeat gets the first reply (api/idempotency.py)."""
        try:
            self.limits.check_conversation(conversation_id)
        except RateLimited:
            return notice("rate_limited")
        text = inbound.text
        try:
            if inbound.button is not None:
                payload = await self.menus.resolve(conversation_id, inbound.button)
                if payload is None:
                    return notice("expired_button")
            else:
                payload = await self.menus.chosen(conversation_id, chosen_number(text or ""))
        except NotReady:  # the shared menus cannot be read (Redis down): the turn cannot be answered right
            return notice("busy")
        if payload is None:
            if text is None or not text.strip():
                return notice("not_text")
            if len(text) > self.settings.max_text_chars:
                return notice("too_long")
        try:
            return await self.assistant.send(
                conversation_id, text=None if payload else text, payload=payload, channel=channel, create=True,
                idempotency_key=delivery,
            )
        except NotReady:
            return notice("not_ready")
        except ModelBusy:
            return notice("busy")
        except IdempotencyKeyReused:
            # The delivery was applied with another meaning (a number answered from a menu that its own
            # reply has since replaced): it was answered then, so nothing is sent now.
            logger.info("channel message", extra=log_fields(channel=channel, event="duplicate"))
            return []
        except ValueError:  # nothing left once control characters are stripped
            return notice("not_text")
