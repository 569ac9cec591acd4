"""The trained Rasa assistant, loaded in-process: the one entry point every channel calls.

Web API, REST webhook, Socket.IO and (later) Telegram/WhatsApp/SMS and the scripted dialogue runner all
go through `Assistant.send`, so retention, metrics, privacy and the busy-model guard apply to all of them.
All agent work runs on `AgentWorker`'s thread (see agent_worker.py for why).
"""
from __future__ import annotations

import asyncio
import enum
import logging
import os
from typing import Any, Dict, List, Optional

from api.agent_worker import AgentWorker, ModelBusy
from api.conversations import ConversationRegistry
from api.logging_setup import conv_hash, log_fields, sensitive
from api.metrics import Metrics, Stopwatch
from api.settings import Settings
from api.text_input import strip_controls

logger = logging.getLogger(__name__)

__all__ = ["Assistant", "ConversationNotFound", "ModelBusy", "NotReady"]


class NotReady(Exception):
    """No model is loaded (still loading, or loading failed)."""


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
        self.registry = ConversationRegistry(settings.retention_seconds)
        self.worker = AgentWorker(max_pending=settings.max_pending_turns)
        self.state = State.STOPPED
        self.load_error: Optional[str] = None
        self.model_name: Optional[str] = None
        self._agent: Any = None
        self._tracker_store: Any = None
        self._load_task: Optional[asyncio.Task] = None
        self._sweeper: Optional[asyncio.Task] = None
        self.metrics.track_active_conversations(lambda: len(self.registry))
        self.metrics.track_pending_turns(lambda: self.worker.pending)

    # ---- lifecycle -------------------------------------------------------------------------------

    async def start(self) -> None:
        """Start loading the model in the background and return at once, so /health answers meanwhile."""
        if self.state is not State.STOPPED:
            return
        self.state = State.LOADING
        self.worker.start()
        self._load_task = asyncio.ensure_future(self._load())
        self.start_sweeper()

    def start_sweeper(self) -> None:
        if self._sweeper is None or self._sweeper.done():
            self._sweeper = asyncio.ensure_future(self._sweep_forever())

    async def wait_until_ready(self, timeout: Optional[float] = None) -> bool:
        if self._load_task is not None:
            await asyncio.wait_for(asyncio.shield(self._load_task), timeout)
        return self.is_ready

    async def stop(self) -> None:
        for task in (self._sweeper, self._load_task):
            if task is not None and not task.done():
                task.cancel()
        self._sweeper = None
        self.worker.stop()
        self.state = State.STOPPED

    @property
    def is_ready(self) -> bool:
        return self.state is State.READY and self._agent is not None and self._agent.is_ready()

    def store_reachable(self) -> bool:
        # The in-memory store is always reachable; a Redis store (issue 7) would ping here.
        return self._tracker_store is not None

    async def _load(self) -> None:
        timer = Stopwatch()
        # Loading Rasa's model stack (TensorFlow and friends) resets the root logger to WARNING, which
        # would silence the service's own info lines from then on; put the configured level back.
        root_level = logging.getLogger().level
        try:
            self._agent, self._tracker_store = await self.worker.run(self._load_on_worker, timeout=None)
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

    async def _load_on_worker(self) -> Any:
        # TF reads its thread settings only here, and Rasa logs every prediction at debug level unless
        # told otherwise (rasa-notes.md); both must happen before the model is built.
        from rasa.utils.common import configure_logging_and_warnings
        from rasa.utils.tensorflow.environment import setup_tf_environment

        setup_tf_environment()
        # The actions read the deployer profile from the environment; make the setting the one source.
        os.environ["KESTREL_PROFILE"] = self.settings.kestrel_profile
        # Serving sends no telemetry today, but nothing about a conversation should ever leave the box.
        os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
        configure_logging_and_warnings(logging.WARNING)
        logging.getLogger("rasa").setLevel(max(logging.WARNING, logging.getLevelName(self.settings.log_level)))

        from rasa.core.agent import Agent
        from rasa.core.lock_store import InMemoryLockStore
        from rasa.core.tracker_store import InMemoryTrackerStore
        from rasa.shared.core.domain import Domain

        from api.inprocess_actions import action_endpoint
        from api.turn_events import TurnEventBroker

        model = self.settings.resolved_model_path()
        if model is None:
            raise FileNotFoundError("no trained model found: run `make train` or set MODEL_PATH")
        # Seam for issue 7: a RedisTrackerStore/RedisLockStore go here. Rasa wraps any store in
        # FailSafeTrackerStore, which silently keeps conversations in memory when Redis fails; a
        # Redis deployment should replace that with a readiness failure instead.
        tracker_store = InMemoryTrackerStore(Domain.empty(), event_broker=TurnEventBroker())
        agent = Agent.load(
            str(model),
            tracker_store=tracker_store,
            lock_store=InMemoryLockStore(),
            action_endpoint=action_endpoint(self.settings.action_endpoint_url),
        )
        if not agent.is_ready():
            raise RuntimeError("agent loaded without a model")
        return agent, tracker_store

    # ---- conversations ---------------------------------------------------------------------------

    def exists(self, conversation_id: str) -> bool:
        """Live (known, not idle past retention). An expired one found here is erased on the spot."""
        if self.registry.is_live(conversation_id):
            return True
        self._expire(conversation_id)
        return False

    def _expire(self, conversation_id: str) -> None:
        if self.registry.forget(conversation_id):
            self._erase(conversation_id)

    async def send(
        self,
        conversation_id: str,
        text: Optional[str] = None,
        payload: Optional[str] = None,
        channel: str = "api",
        metadata: Optional[Dict[str, Any]] = None,
        create: bool = False,
    ) -> List[Dict[str, Any]]:
        """Handle one user message (free text, or a button payload such as `/greet`) and return the
        assistant's replies in Rasa's output shape: `[{recipient_id, text?, buttons?, image?, ...}]`.

        `create=False` (the web API) refuses unknown or expired ids with ConversationNotFound;
        `create=True` (REST, Socket.IO, messaging channels, where the client names the conversation)
        starts a fresh conversation instead — an expired one starts over, with its history erased.
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

        if not self.exists(conversation_id):  # erases it if it was known but idle too long
            if not create:
                raise ConversationNotFound(conversation_id)

        timer = Stopwatch()
        outcome = "error"
        self.registry.begin_turn(conversation_id)
        try:
            with sensitive(message, conversation_id):
                events: List[Dict[str, Any]] = []
                replies = await self.worker.run(
                    lambda: self._handle_on_worker(conversation_id, message, channel, metadata, events),
                    timeout=self.settings.turn_timeout_seconds,
                )
            self.metrics.observe_turn_events(events)
            outcome = "ok"
            return replies
        except ModelBusy:
            outcome = "busy"
            raise
        finally:
            self.registry.end_turn(conversation_id)
            if not self.registry.known(conversation_id):
                # Deleted or swept while this turn ran: the turn's save may have recreated the tracker.
                self._erase(conversation_id)
            self.metrics.turns.labels(channel=channel, outcome=outcome).inc()
            self.metrics.turn_latency.labels(channel=channel).observe(timer.seconds)
            logger.info(
                "turn",
                extra=log_fields(
                    conv=conv_hash(conversation_id), channel=channel, event=outcome,
                    duration_ms=round(timer.seconds * 1000, 1),
                ),
            )

    async def _handle_on_worker(
        self,
        conversation_id: str,
        message: str,
        channel: str,
        metadata: Optional[Dict[str, Any]],
        events_sink: List[Dict[str, Any]],
    ) -> List[Dict[str, Any]]:
        from rasa.core.channels.channel import CollectingOutputChannel, UserMessage

        from api.turn_events import collect_into, stop_collecting

        token = collect_into(events_sink)
        try:
            replies = await self._agent.handle_message(
                UserMessage(
                    message, CollectingOutputChannel(), conversation_id,
                    input_channel=channel, metadata=metadata or None,
                )
            )
        finally:
            stop_collecting(token)
        return list(replies or [])

    async def delete(self, conversation_id: str) -> bool:
        """Erase a conversation now (erasure on request). Returns False if it did not exist."""
        existed = self.registry.forget(conversation_id)  # from here on new messages to it get 404
        self._erase(conversation_id)
        return existed

    def _erase(self, conversation_id: str) -> None:
        # Done from the server's thread, not queued behind predictions: a person pressing "leave" must
        # not wait for the model. A single dict.pop is atomic, and a turn still running for this id is
        # caught by the check at the end of `send`. A Redis store (issue 7) would DEL the key here.
        if self._tracker_store is not None:
            self._tracker_store.store.pop(conversation_id, None)

    async def sweep_expired(self) -> int:
        """Erase every conversation idle longer than the retention period. Returns how many."""
        expired = self.registry.expired()
        for conversation_id in expired:
            self.registry.forget(conversation_id)
            self._erase(conversation_id)
        if expired:
            logger.info("expired conversations erased", extra=log_fields(count=len(expired)))
        return len(expired)

    async def _sweep_forever(self) -> None:
        while True:
            # Recomputed each pass so a changed retention takes effect; a quarter of it keeps a
            # conversation at most 25% past its expiry (and `send` refuses expired ones exactly anyway).
            await asyncio.sleep(min(60.0, max(0.05, self.registry.retention_seconds / 4)))
            try:
                await self.sweep_expired()
            except Exception as e:  # noqa: BLE001 - the sweeper must outlive one bad pass
                logger.error("retention sweep failed", extra=log_fields(error_type=type(e).__name__))

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
