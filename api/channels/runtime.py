"""Running the messaging channels' turns: each verified delivery is checked against the seen-set and its
age, acknowledged at once, and then handled in the background, one turn at a time per conversation, with
button references and numbered answers mapped back to payloads (api/channels/menus.py). Log lines carry
only the keyed hash of the conversation id that every other channel logs.
"""
from __future__ import annotations

import asyncio
import logging
import time
from typing import Callable, Dict, List, Optional, Sequence, Set

import httpx

from api.assistant import Assistant, NotReady
from api.channels.base import Channel, Inbound, Reply, notice
from api.channels.ids import ConversationIds
from api.channels.menus import Menus
from api.channels.platform import PLATFORM_TIMEOUT_SECONDS, DeliveryFailed
from api.channels.text import chosen_number
from api.idempotency import IdempotencyKeyReused
from api.logging_setup import conv_hash, log_fields, sensitive
from api.rasa.agent_worker import ModelBusy
from api.ratelimit import Limits, RateLimited
from api.settings import Settings
from api.store.base import SeenStore, ValueStore

logger = logging.getLogger("api.channels")

# A delivery id is remembered this long. Platforms retry for hours (Meta for up to 7 days), so messages
# older than STALE_AFTER_SECONDS (by the platform's own timestamp) are dropped outright: together the two
# make a captured request worthless to replay, whenever it is replayed.
SEEN_SECONDS = 48 * 3600
STALE_AFTER_SECONDS = 24 * 3600
# Turns accepted but not finished, over all channels. Beyond this the webhook answers 503 so the
# platform retries later, instead of the process queueing without bound.
MAX_PENDING_DELIVERIES = 1000


class ChannelRuntime:
    """Shared by the enabled channels of one app."""

    def __init__(self, settings: Settings, assistant: Assistant, limits: Limits, secret: bytes,
                 seen: SeenStore, menus: ValueStore, clock: Callable[[], float] = time.time) -> None:
        self.settings = settings
        self.assistant = assistant
        self.limits = limits
        self.ids = ConversationIds(secret)
        # Both the conversation store's: with Redis shared by every process, so a retry is recognised and
        # an answer to numbered options understood whichever process it reaches.
        self.seen = seen
        self.menus = Menus(menus)
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

    async def accept(self, channel: Channel, delivery_id: str, inbound: Inbound, sent_at: Optional[float] = None,
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
        fresh = [await self.seen.first_time(key)
                 for key in (delivery, *(self.ids.delivery(channel.name, k) for k in also_seen))]
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
            await self.limits.check_conversation(conversation_id)
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
