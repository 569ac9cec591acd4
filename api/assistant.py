"""The trained Rasa assistant, loaded in-process: the one entry point every channel calls.

Web API, REST webhook, Socket.IO and (later) Telegram/WhatsApp/SMS and the scripted dialogue runner all
go through `Assistant.send`, so retention, metrics, privacy and the busy-model guard apply to all of them.
All agent work runs on `AgentWorker`'s thread (see api/rasa/agent_worker.py for why).

Conversations live in this process's memory, or with REDIS_URL in Redis, shared by every process and
replica (stores.py, api/rasa/stores.py). With Redis, an unreachable Redis is never papered over: turns,
creation and deletion answer 503 (`StoreUnavailable`), /ready fails, and a background ping notices when
Redis is back. Any other Redis error (a full Redis refusing writes) is a 503 for that request only. Every
Redis call a request makes runs on a thread, never on the server's event loop, so a hung Redis costs
those requests a timeout and nothing else: /health and every request that needs no Redis still answer.

New conversations are capped, overall and per client (conversation_caps.py), so no one can fill the store:
a refused one gets 503 (`TooManyConversations`), and conversations under way carry on.
"""
from __future__ import annotations

import asyncio
import enum
import logging
import os
from contextlib import contextmanager
from typing import Any, Callable, ContextManager, Dict, Iterator, List, Optional, TypeVar, Union

from api.rasa.agent_worker import AgentWorker, ModelBusy
from api.conversation_caps import ConversationCaps
from api.conversations import ConversationRegistry
from api.idempotency import Claim, Hasher, MemoryReplies, RedisReplies, ReplyStore, checked_key, read_claim
from api.stores import (
    RedisConversationRegistry,
    RedisSeen,
    StoreErrors,
    TurnLockLost,
    TurnLockTimeout,
    UnreachableErrors,
    redis_client,
    tracker_key,
)
from api.logging_setup import conv_hash, log_fields, sensitive
from api.metrics import Metrics, Stopwatch
from api.settings import Settings
from api.text_input import strip_controls

logger = logging.getLogger(__name__)

__all__ = [
    "Assistant", "ConversationNotFound", "ModelBusy", "NotReady", "StoreUnavailable", "TooManyConversations",
]

T = TypeVar("T")

# How often the Redis connection is checked in the background (faster while it is down, to recover soon).
STORE_CHECK_SECONDS = 1.0
STORE_RECHECK_DOWN_SECONDS = 0.5
# How often a repeated delivery looks again for the first delivery's reply while that is being answered.
CLAIM_POLL_SECONDS = 0.05


class NotReady(Exception):
    """No model is loaded (still loading, or loading failed)."""


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
        self._redis: Any = redis_client(settings.redis_url) if settings.redis_url else None
        self.registry: Union[ConversationRegistry, RedisConversationRegistry]
        if self._redis is not None:
            self.registry = RedisConversationRegistry(
                self._redis, settings.retention_seconds, settings.turn_budget_seconds
            )
        else:
            self.registry = ConversationRegistry(settings.retention_seconds)
        # Known good until a check says otherwise in memory; unknown (so not ready) until the first ping
        # with Redis.
        self._store_ok = self._redis is None
        self._store_watch: Optional[asyncio.Task] = None
        self._last_count = 0
        self.worker = AgentWorker(max_pending=settings.max_pending_turns)
        self.state = State.STOPPED
        self.load_error: Optional[str] = None
        self.model_name: Optional[str] = None
        self._agent: Any = None
        self._tracker_store: Any = None
        self._load_task: Optional[asyncio.Task] = None
        self._sweeper: Optional[asyncio.Task] = None
        secret = settings.channel_id_secret.get_secret_value().encode() if settings.channel_id_secret else None
        # A claim outlives the longest turn, so a delivery finding one pending waits for a turn that is
        # really running; a process that died mid-turn frees the key after that.
        self.replies: ReplyStore = (
            RedisReplies(self._redis, settings.retention_seconds, settings.turn_budget_seconds)
            if self._redis is not None else
            MemoryReplies(settings.retention_seconds, settings.turn_budget_seconds, settings.max_conversations)
        )
        self._hasher = Hasher(secret)
        self.caps = ConversationCaps(
            overall=settings.max_conversations,
            per_client=settings.max_conversations_per_client,
            window_seconds=settings.retention_seconds,
            count_live=lambda: len(self.registry),
            redis_client=self._redis,
            secret=secret,
        )
        self.metrics.track_active_conversations(self._count_conversations)
        self.metrics.track_pending_turns(lambda: self.worker.pending)

    # ---- lifecycle -------------------------------------------------------------------------------

    async def start(self) -> None:
        """Start loading the model in the background and return at once, so /health answers meanwhile."""
        if self.state is not State.STOPPED:
            return
        self.state = State.LOADING
        self.worker.start()
        self._load_task = asyncio.ensure_future(self._load())
        if self._redis is not None:
            # Redis key expiry does the sweeping; watch the connection instead.
            self._store_watch = asyncio.ensure_future(self._watch_store())
        else:
            self.start_sweeper()

    @property
    def shared_store(self) -> bool:
        """Conversations are in Redis, shared with other processes."""
        return self._redis is not None

    def start_sweeper(self) -> None:
        if self._sweeper is None or self._sweeper.done():
            self._sweeper = asyncio.ensure_future(self._sweep_forever())

    async def wait_until_ready(self, timeout: Optional[float] = None) -> bool:
        if self._load_task is not None:
            await asyncio.wait_for(asyncio.shield(self._load_task), timeout)
        return self.is_ready

    async def stop(self) -> None:
        for task in (self._sweeper, self._load_task, self._store_watch):
            if task is not None and not task.done():
                task.cancel()
        self._sweeper = None
        self._store_watch = None
        self.worker.stop()
        self.state = State.STOPPED

    @property
    def is_ready(self) -> bool:
        return self.state is State.READY and self._agent is not None and self._agent.is_ready()

    def store_reachable(self) -> bool:
        """The in-memory store is always reachable; Redis as of the last check (at most a second ago)."""
        return self._tracker_store is not None and self._store_ok

    # ---- the store's health ----------------------------------------------------------------------------

    def _ping(self) -> bool:
        try:
            return bool(self._redis.ping())
        except Exception:  # noqa: BLE001 - any failure to answer is "unreachable"
            return False

    def _set_store_ok(self, ok: bool, error: Optional[BaseException] = None) -> None:
        if ok != self._store_ok:
            if ok:
                logger.info("conversation store reachable")
            else:
                fields = {"error_type": type(error).__name__} if error is not None else {}
                logger.error("conversation store unreachable", extra=log_fields(**fields))
        self._store_ok = ok

    def _check_on_thread(self) -> bool:
        ok = self._ping()
        if ok:
            # The active-conversations gauge is read from here, so /metrics never waits for Redis.
            try:
                self._last_count = len(self.registry)
            except StoreErrors:
                pass
        return ok

    async def check_store(self) -> bool:
        """Ping Redis now (off the server's loop) and record the result."""
        if self._redis is None:
            return True
        self._set_store_ok(await asyncio.to_thread(self._check_on_thread))
        return self._store_ok

    async def _off_loop(self, call: Callable[..., T], *args: Any) -> T:
        """Run a store call on a thread when it may talk to Redis, so the server's event loop never waits
        for Redis (a hung Redis holds a thread for SOCKET_TIMEOUT_SECONDS, not every request). In memory
        it runs here: it is a dict lookup."""
        if self._redis is None:
            return call(*args)
        return await asyncio.to_thread(call, *args)

    async def _watch_store(self) -> None:
        while True:
            ok = await self.check_store()
            await asyncio.sleep(STORE_CHECK_SECONDS if ok else STORE_RECHECK_DOWN_SECONDS)

    def _store_failed(self, error: BaseException) -> StoreUnavailable:
        """The 503 for a Redis error; an unreachable Redis is also marked down."""
        if isinstance(error, UnreachableErrors):
            self._set_store_ok(False, error)
            return StoreUnavailable()
        logger.error("conversation store refused", extra=log_fields(error_type=type(error).__name__))
        return StoreRefused()

    @contextmanager
    def _store(self) -> Iterator[None]:
        """Around every store call from a request: refuse at once while Redis is known to be down, and
        turn any Redis error into StoreUnavailable (503)."""
        if not self._store_ok:
            raise StoreUnavailable()
        try:
            yield
        except StoreErrors as e:
            raise self._store_failed(e) from None

    def seen_store(self, ttl_seconds: float) -> Optional[RedisSeen]:
        """The messaging channels' delivery seen-set shared through Redis; None without Redis (the channels
        then keep their in-memory one)."""
        if self._redis is None:
            return None
        return RedisSeen(self._redis, ttl_seconds, guard=self._store)

    @property
    def redis(self) -> Any:
        """The Redis client (None in memory), for other state every process shares (menus, rate limits)."""
        return self._redis

    def store_guard(self) -> ContextManager[None]:
        """Around a call to shared state in Redis: refused at once while Redis is known down, any Redis error
        a StoreUnavailable (503)."""
        return self._store()

    def _count_conversations(self) -> int:
        # For the metrics gauge. With Redis, as of the last background check (at most a second ago), so
        # /metrics never waits for Redis on the server's loop.
        if self._redis is None:
            self._last_count = len(self.registry)
        return self._last_count

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
        # First, before Rasa is imported: speed-ups that keep Rasa's behaviour (api/rasa/speedups.py).
        from api.rasa import speedups as rasa_speedups

        rasa_speedups.install()
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
        from rasa.core.lock_store import InMemoryLockStore, LockStore
        from rasa.core.tracker_store import TrackerStore
        from rasa.shared.core.domain import Domain

        from api.rasa.inprocess_actions import action_endpoint
        from api.rasa.sessions import align_sessions_with_retention
        from api.rasa.stores import (
            KestrelInMemoryTrackerStore,
            KestrelRedisTrackerStore,
            RedisTurnLockStore,
            fail_loudly,
        )
        from api.rasa.turn_events import TurnEventBroker

        model = self.settings.resolved_model_path()
        if model is None:
            raise FileNotFoundError("no trained model found: run `make train` or set MODEL_PATH")
        tracker_store: TrackerStore
        lock_store: LockStore
        if self.settings.redis_url:
            tracker_store = KestrelRedisTrackerStore(
                Domain.empty(), self._redis, self.settings.retention_seconds,
                max_events=self.settings.max_events_per_conversation, event_broker=TurnEventBroker(),
            )
            # Waiting for another process's turn ends a little before the turn's own deadline
            # (api/rasa/agent_worker.py), so a message that gets 503 is never handled later; still longer than a
            # dead process's lock lives (LOCK_LIFETIME_SECONDS), so a crash costs a wait, not an error.
            lock_store = RedisTurnLockStore(
                self.settings.redis_url, wait_seconds=0.75 * self.settings.turn_timeout_seconds
            )
        else:
            tracker_store = KestrelInMemoryTrackerStore(
                Domain.empty(), max_events=self.settings.max_events_per_conversation,
                event_broker=TurnEventBroker(),
            )
            lock_store = InMemoryLockStore()
        agent = Agent.load(
            str(model),
            tracker_store=tracker_store,
            lock_store=lock_store,
            action_endpoint=action_endpoint(self.settings.action_endpoint_url),
        )
        if not agent.is_ready():
            raise RuntimeError("agent loaded without a model")
        # domain.yml's session expiry is for plain `rasa run`; here retention decides when a conversation ends.
        align_sessions_with_retention(agent.domain, self.settings)
        # Rasa wraps the store in FailSafeTrackerStore, which on a Redis error would carry on with this
        # process's memory (or a blank conversation): make it raise, so the person gets a 503 instead.
        fail_loudly(agent, tracker_store)
        rasa_speedups.freeze_loaded_heap()
        return agent, tracker_store

    # ---- conversations ---------------------------------------------------------------------------

    def exists(self, conversation_id: str) -> bool:
        """Live (known, not idle past retention). An expired one found here is erased on the spot.
        Raises StoreUnavailable if Redis cannot be reached."""
        with self._store():
            if self.registry.is_live(conversation_id):
                return True
            self._expire(conversation_id)
            return False

    async def conversation_exists(self, conversation_id: str) -> bool:
        """`exists` for request handlers: any Redis call it makes runs off the server's event loop."""
        return await self._off_loop(self.exists, conversation_id)

    def _expire(self, conversation_id: str) -> None:
        # With Redis the registry key may already have expired on its own: erase the tracker regardless
        # (a DEL of a missing key costs nothing), so an expired conversation never comes back with history.
        if self.registry.forget(conversation_id) or self.shared_store:
            self._erase(conversation_id)

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
            await self._off_loop(self._admit, client if channel in PER_CLIENT_CHANNELS else None)

        if idempotency_key is None:
            return await self._turn(conversation_id, message, channel, metadata, output)
        # The message as the client sent it (text or a button), so a retry matches whatever Rasa made of it.
        key_hash = self._hasher.key(checked_key(idempotency_key))
        message_hash = self._hasher.message(("payload:" if payload is not None else "text:") + message)
        earlier = await self._wait_for_claim(conversation_id, key_hash, message_hash, channel)
        if earlier is not None:
            return earlier
        try:
            replies = await self._turn(conversation_id, message, channel, metadata, output)
        except BaseException:
            # An error is answered as "not done, try again", so the retry must be free to run the turn. (A
            # save that lands just as the turn times out is not caught by this.)
            await self._off_loop(self._release_claim, conversation_id, key_hash, message_hash)
            raise
        await self._off_loop(self._complete_claim, conversation_id, key_hash, message_hash, replies)
        return replies

    async def _wait_for_claim(
        self, conversation_id: str, key_hash: str, message_hash: str, channel: str
    ) -> Optional[List[Dict[str, Any]]]:
        """None once this delivery holds the key; the first delivery's replies if it was answered (waiting
        while it is still being answered, at most the turn's timeout)."""
        deadline = asyncio.get_running_loop().time() + self.settings.turn_timeout_seconds
        while True:
            claim: Claim = await self._off_loop(self._claim, conversation_id, key_hash, message_hash)
            if claim.won:
                return None
            if claim.replies is not None:
                self.metrics.turns.labels(channel=channel, outcome="repeat").inc()
                logger.info("turn", extra=log_fields(conv=conv_hash(conversation_id), channel=channel, event="repeat"))
                return claim.replies
            if asyncio.get_running_loop().time() >= deadline:
                raise ModelBusy(
                    "The assistant is still answering this message. Please try again in a moment."
                )
            await asyncio.sleep(CLAIM_POLL_SECONDS)

    def _claim(self, conversation_id: str, key_hash: str, message_hash: str) -> Claim:
        with self._store():
            return read_claim(self.replies.claim(conversation_id, key_hash, message_hash), message_hash)

    def _complete_claim(
        self, conversation_id: str, key_hash: str, message_hash: str, replies: List[Dict[str, Any]]
    ) -> None:
        try:
            self.replies.complete(conversation_id, key_hash, message_hash, replies)
        except StoreErrors as e:
            # The turn is saved: its answer still goes out. The claim stays pending until its deadline, so
            # a retry meanwhile waits rather than applying the message again.
            self._store_failed(e)

    def _release_claim(self, conversation_id: str, key_hash: str, message_hash: str) -> None:
        try:
            if self._store_ok:
                self.replies.release(conversation_id, key_hash, message_hash)
        except StoreErrors as e:
            self._store_failed(e)

    async def _turn(
        self,
        conversation_id: str,
        message: str,
        channel: str,
        metadata: Optional[Dict[str, Any]],
        output: Optional[Callable[[], Any]],
    ) -> List[Dict[str, Any]]:
        timer = Stopwatch()
        outcome = "error"
        await self._off_loop(self._begin_turn, conversation_id)
        try:
            with sensitive(message, conversation_id):
                events: List[Dict[str, Any]] = []
                replies = await self.worker.run(
                    lambda: self._handle_on_worker(conversation_id, message, channel, metadata, events, output),
                    timeout=self.settings.turn_timeout_seconds,
                )
            self.metrics.observe_turn_events(events)
            outcome = "ok"
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
        except StoreErrors as e:
            outcome = "store_unavailable"
            raise self._store_failed(e) from None
        finally:
            await self._off_loop(self._end_turn, conversation_id)
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
        output: Optional[Callable[[], Any]] = None,
    ) -> List[Dict[str, Any]]:
        from rasa.core.channels.channel import CollectingOutputChannel, UserMessage

        from api.rasa.turn_events import collect_into, stop_collecting

        token = collect_into(events_sink)
        try:
            replies = await self._agent.handle_message(
                UserMessage(
                    message, output() if output else CollectingOutputChannel(), conversation_id,
                    input_channel=channel, metadata=metadata or None,
                )
            )
        finally:
            stop_collecting(token)
        return list(replies or [])

    def _admit(self, client: Optional[str]) -> None:
        with self._store():
            refusal = self.caps.admit(client)
        if refusal is not None:
            raise TooManyConversations(refusal.retry_after, refusal.per_client)

    def _begin_turn(self, conversation_id: str) -> None:
        with self._store():
            self.registry.begin_turn(conversation_id)

    def _end_turn(self, conversation_id: str) -> None:
        try:
            if self._store_ok:  # (known down: no call that would only time out)
                self.registry.end_turn(conversation_id)
                if not self.registry.known(conversation_id):
                    # Deleted or swept while this turn ran: the turn's save may have recreated the tracker.
                    self._erase(conversation_id)
        except StoreErrors as e:
            # Redis failed after the turn was saved: the answer still goes out (answering 503 for a
            # handled message would invite a duplicate), and begin_turn's TTL bounds the key's life.
            self._store_failed(e)

    async def delete(self, conversation_id: str) -> bool:
        """Erase a conversation now (erasure on request). Returns False if it did not exist."""
        return await self._off_loop(self._delete_now, conversation_id)

    def _delete_now(self, conversation_id: str) -> bool:
        with self._store():
            existed = self.registry.forget(conversation_id)  # from here on new messages to it get 404
            self._erase(conversation_id)
        return existed

    def _erase(self, conversation_id: str) -> None:
        # Done from the server's thread, not queued behind predictions: a person pressing "leave" must
        # not wait for the model. A single dict.pop (or Redis DEL) is atomic, and a turn still running for
        # this id is caught by the check at the end of `send` (in whichever process runs it).
        self.replies.forget(conversation_id)
        if self._redis is not None:
            self._redis.delete(tracker_key(conversation_id))
        elif self._tracker_store is not None:
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
