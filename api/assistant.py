"""The trained Rasa assistant, loaded in-process: the one entry point every channel calls.

Web API, REST webhook, Socket.IO, the messaging channels and the scripted dialogue runner all go through
`Assistant.send`, so retention, caps, idempotency, metrics, privacy and the busy-model guard apply to all of
them. All agent work runs on `AgentWorker`'s thread (api/rasa/agent_worker.py says why).

Conversation state is in the conversation store (api/store/), in this process's memory or in Redis, chosen
once at start-up; this module does not know which. A store that cannot be reached is never papered over:
turns, creation and deletion answer 503 (`StoreUnavailable`) and /ready fails until it is back.

New conversations are capped, overall and per client (api/conversation_caps.py), so no one can fill the
store: a refused one gets 503 (`TooManyConversations`), and conversations under way carry on.
"""
from __future__ import annotations

import asyncio
import enum
import logging
from typing import Any, Callable, Dict, List, Optional

from api.idempotency import Claim, Hasher, ReplyStore, checked_key, read_claim
from api.logging_setup import conv_hash, log_fields, sensitive
from api.metrics import Metrics, Stopwatch
from api.rasa.agent import handle_message, load_agent
from api.rasa.agent_worker import AgentWorker, ModelBusy
from api.settings import Settings
from api.store import ConversationStore, open_store
from api.store.base import SeenStore
from api.store.errors import (
    NotReady,
    StoreErrors,
    StoreUnavailable,
    TooManyConversations,
    TurnLockLost,
    TurnLockTimeout,
)
from api.text_input import strip_controls

logger = logging.getLogger(__name__)

__all__ = [
    "Assistant", "ConversationNotFound", "ModelBusy", "NotReady", "StoreUnavailable", "TooManyConversations",
]

# Where the client's address is the person's own; a messaging platform's webhook carries everyone's.
PER_CLIENT_CHANNELS = frozenset({"api", "rest", "socketio"})


class ConversationNotFound(Exception):
    """The conversation does not exist: never created, deleted, or expired."""


class State(str, enum.Enum):
    STOPPED = "stopped"
    LOADING = "loading"
    READY = "ready"
    FAILED = "failed"


class Assistant:
    def __init__(self, settings: Settings, metrics: Optional[Metrics] = None) -> None:
        self.settings = settings
        self.metrics = metrics or Metrics()
        secret = settings.channel_id_secret.get_secret_value().encode() if settings.channel_id_secret else None
        self.store: ConversationStore = open_store(settings, secret)
        self.worker = AgentWorker(max_pending=settings.max_pending_turns)
        self.state = State.STOPPED
        self.load_error: Optional[str] = None
        self.model_name: Optional[str] = None
        self._agent: Any = None
        self._load_task: Optional[asyncio.Task] = None
        self._hasher = Hasher(secret)
        self.metrics.track_active_conversations(self.store.live_count)
        self.metrics.track_pending_turns(lambda: self.worker.pending)

    # ---- lifecycle -------------------------------------------------------------------------------

    async def start(self) -> None:
        """Start loading the model in the background and return at once, so /health answers meanwhile."""
        if self.state is not State.STOPPED:
            return
        self.state = State.LOADING
        self.worker.start()
        self._load_task = asyncio.ensure_future(self._load())
        self.store.start()

    def start_sweeper(self) -> None:
        """The store's background work alone (the retention sweep in memory), without loading a model."""
        self.store.start()

    async def wait_until_ready(self, timeout: Optional[float] = None) -> bool:
        if self._load_task is not None:
            await asyncio.wait_for(asyncio.shield(self._load_task), timeout)
        return self.is_ready

    async def stop(self) -> None:
        if self._load_task is not None and not self._load_task.done():
            self._load_task.cancel()
        await self.store.stop()
        self.worker.stop()
        self.state = State.STOPPED

    @property
    def is_ready(self) -> bool:
        return self.state is State.READY and self._agent is not None and self._agent.is_ready()

    def store_reachable(self) -> bool:
        """The store as of its last check (at most a second ago), once the model has its stores."""
        return self.store.trackers is not None and self.store.ok

    async def check_store(self) -> bool:
        """Check the store now and record the result."""
        return await self.store.check()

    @property
    def shared_store(self) -> bool:
        """Conversations are shared with other processes (Redis)."""
        return self.store.shared

    @property
    def registry(self) -> Any:
        return self.store.registry

    @property
    def replies(self) -> ReplyStore:
        return self.store.replies

    @property
    def _tracker_store(self) -> Any:
        return self.store.trackers

    @_tracker_store.setter
    def _tracker_store(self, trackers: Any) -> None:
        self.store.trackers = trackers

    def seen_store(self, ttl_seconds: float) -> SeenStore:
        """The messaging channels' delivery seen-set (shared by every process with Redis)."""
        return self.store.seen(ttl_seconds)

    async def _load(self) -> None:
        timer = Stopwatch()
        # Loading Rasa's model stack (TensorFlow and friends) resets the root logger to WARNING, which
        # would silence the service's own info lines from then on; put the configured level back.
        root_level = logging.getLogger().level
        try:
            self._agent = await self.worker.run(lambda: load_agent(self.settings, self.store), timeout=None)
            logging.getLogger().setLevel(root_level)
            self.model_name = self._agent.model_name
            self.state = State.READY
            self.metrics.model_ready.set(1)
            logger.info("model loaded", extra=log_fields(model=self.model_name, seconds=round(timer.seconds, 1)))
        except asyncio.CancelledError:
            raise
        except BaseException as e:  # noqa: BLE001 - rasa_sdk's register_package raises SystemExit
            logging.getLogger().setLevel(root_level)
            self.state = State.FAILED
            self.load_error = f"{type(e).__name__}: {e}"
            logger.error("model failed to load", extra=log_fields(error_type=type(e).__name__))

    # ---- conversations ---------------------------------------------------------------------------

    async def conversation_exists(self, conversation_id: str) -> bool:
        """Live (known, not idle past retention). An expired one found here is erased on the spot.
        Raises StoreUnavailable if the store cannot be reached."""
        async with self.store.guard():
            if await self.store.is_live(conversation_id):
                return True
            # The registry entry may already have expired on its own (Redis): erase regardless, so an
            # expired conversation never comes back with its history.
            await self.store.forget(conversation_id)
            await self.store.erase(conversation_id)
            return False

    async def send(
        self,
        conversation_id: str,
        text: Optional[str] = None,
        payload: Optional[str] = None,
        channel: str = "api",
        metadata: Optional[Dict[str, Any]] = None,
        create: bool = False,
        output: Optional[Callable[[], Any]] = None,
        client: Optional[str] = None,
        idempotency_key: Optional[str] = None,
    ) -> List[Dict[str, Any]]:
        """Handle one user message (free text, or a button payload such as `/greet`) and return the
        assistant's replies in Rasa's output shape: `[{recipient_id, text?, buttons?, image?, ...}]`.

        `create=False` (the web API) refuses unknown or expired ids with ConversationNotFound;
        `create=True` (REST, Socket.IO, messaging channels, where the client names the conversation)
        starts a fresh conversation instead — an expired one starts over, with its history erased.
        `client` is the address the message came from, for MAX_CONVERSATIONS_PER_CLIENT when it starts a
        conversation through the web API, REST or Socket.IO (`TooManyConversations`: 503).

        `output` makes the collecting output channel (a CollectingOutputChannel subclass, called on the
        model's thread) for a channel that needs Rasa's messages in another shape (Socket.IO).

        `idempotency_key` (api/idempotency.py): a repeat of a key already answered in this conversation
        returns that answer and applies nothing; the same key with another message is IdempotencyKeyReused.
        """
        if payload is not None:
            message = payload
        elif text is not None:
            # Channels validate length and emptiness with their own error shapes; this is the backstop
            # that keeps control characters and lone surrogates away from Rasa whatever the channel.
            message = strip_controls(text)
            if not message.strip():
                raise ValueError("the message is empty")
        else:
            raise ValueError("send needs text or payload")
        if not self.is_ready:
            raise NotReady(self._not_ready_reason())

        if not await self.conversation_exists(conversation_id):  # erases it if it was idle too long
            if not create:
                raise ConversationNotFound(conversation_id)
            await self._admit(client if channel in PER_CLIENT_CHANNELS else None)

        if idempotency_key is None:
            return await self._turn(conversation_id, message, channel, metadata, output)
        # The message as the client sent it (text or a button), so a retry matches whatever Rasa made of it.
        key_hash = self._hasher.key(checked_key(idempotency_key))
        message_hash = self._hasher.message(("payload:" if payload is not None else "text:") + message)
        claim: Claim = await self._claim(conversation_id, key_hash, message_hash)
        if claim.replies is not None:
            self.metrics.turns.labels(channel=channel, outcome="repeat").inc()
            logger.info("turn", extra=log_fields(conv=conv_hash(conversation_id), channel=channel, event="repeat"))
            return claim.replies
        # Whether an earlier delivery of this key was applied is decided inside the turn, from the saved
        # conversation (idempotency.py), so nothing is undone on an error here: a retry finds out.
        replies = await self._turn(conversation_id, message, channel, metadata, output, key_hash)
        await self._complete_claim(conversation_id, key_hash, message_hash, replies)
        return replies

    async def _claim(self, conversation_id: str, key_hash: str, message_hash: str) -> Claim:
        async with self.store.guard():
            return read_claim(await self.replies.claim(conversation_id, key_hash, message_hash), message_hash)

    async def _complete_claim(
        self, conversation_id: str, key_hash: str, message_hash: str, replies: List[Dict[str, Any]]
    ) -> None:
        try:
            async with self.store.guard():
                await self.replies.complete(conversation_id, key_hash, message_hash, replies)
        except StoreUnavailable:
            # The turn is saved: its answer still goes out. A repeat rebuilds it from the conversation.
            pass

    async def _turn(
        self,
        conversation_id: str,
        message: str,
        channel: str,
        metadata: Optional[Dict[str, Any]],
        output: Optional[Callable[[], Any]],
        key_hash: Optional[str] = None,
    ) -> List[Dict[str, Any]]:
        timer = Stopwatch()
        outcome = "error"
        async with self.store.guard():
            await self.store.begin_turn(conversation_id)
        try:
            with sensitive(message, conversation_id):
                events: List[Dict[str, Any]] = []
                replies, applied = await self.worker.run(
                    lambda: handle_message(
                        self._agent, conversation_id, message, channel, metadata, events, output, key_hash
                    ),
                    timeout=self.settings.turn_timeout_seconds,
                )
            self.metrics.observe_turn_events(events)
            outcome = "ok" if applied else "repeat"
            return replies
        except ModelBusy:
            outcome = "busy"
            raise
        except TurnLockTimeout:
            outcome = "busy"
            raise ModelBusy(
                "The assistant is still answering an earlier message in this conversation. "
                "Please try again in a moment."
            ) from None
        except TurnLockLost:
            outcome = "busy"
            raise ModelBusy("The assistant could not finish answering in time. Please try again.") from None
        except StoreErrors as e:  # from Rasa's tracker store, on the agent's thread
            outcome = "store_unavailable"
            raise self.store.failed(e) from None
        finally:
            await self._end_turn(conversation_id)
            self.metrics.turns.labels(channel=channel, outcome=outcome).inc()
            self.metrics.turn_latency.labels(channel=channel).observe(timer.seconds)
            logger.info(
                "turn",
                extra=log_fields(
                    conv=conv_hash(conversation_id), channel=channel, event=outcome,
                    duration_ms=round(timer.seconds * 1000, 1),
                ),
            )

    async def _admit(self, client: Optional[str]) -> None:
        async with self.store.guard():
            refusal = await self.store.caps.admit(client)
        if refusal is not None:
            raise TooManyConversations(refusal.retry_after, refusal.per_client)

    async def _end_turn(self, conversation_id: str) -> None:
        try:
            async with self.store.guard():  # (known down: no call that would only time out)
                await self.store.end_turn(conversation_id)
                if not await self.store.known(conversation_id):
                    # Deleted or swept while this turn ran: the turn's save may have recreated the tracker.
                    await self.store.erase(conversation_id)
        except StoreUnavailable:
            # The store failed after the turn was saved: the answer still goes out (answering 503 for a
            # handled message would invite a duplicate), and begin_turn's expiry bounds the entry's life.
            pass

    async def delete(self, conversation_id: str) -> bool:
        """Erase a conversation now (erasure on request). Returns False if it did not exist. Done from the
        server's loop, not queued behind predictions: a person pressing "leave" must not wait for the model."""
        async with self.store.guard():
            existed = await self.store.forget(conversation_id)  # from here on new messages to it get 404
            await self.store.erase(conversation_id)
        return existed

    async def sweep_expired(self) -> int:
        """Erase every conversation idle longer than the retention period (the store's own expiry does
        this with Redis). Returns how many."""
        return await self.store.sweep()

    # ---- NLU only ----------------------------------------------------------------------------------

    async def parse(self, text: str) -> Dict[str, Any]:
        """Rasa's parse result for `text` (intent, entities, intent_ranking); touches no conversation."""
        if not self.is_ready:
            raise NotReady(self._not_ready_reason())
        with sensitive(text):
            return await self.worker.run(
                lambda: self._agent.parse_message(text), timeout=self.settings.turn_timeout_seconds
            )

    def _not_ready_reason(self) -> str:
        if self.state is State.FAILED:
            return "The assistant's model could not be loaded."
        return "The assistant is still starting up. Please try again in a minute."
