"""Loading the Rasa agent and handling one message with it, on the agent's thread (api/rasa/agent_worker.py)."""
from __future__ import annotations

import logging
import os
from typing import Any, Callable, Dict, List, Optional, Tuple

from api.settings import Settings
from api.store.base import ConversationStore


async def load_agent(settings: Settings, store: ConversationStore) -> Any:
    """The agent with the trained model, on `store`'s tracker and lock stores. Call on the agent's thread."""
    # First, before Rasa is imported: speed-ups that keep Rasa's behaviour (api/rasa/speedups.py).
    from api.rasa import speedups

    speedups.install()
    # TF reads its thread settings only here, and Rasa logs every prediction at debug level unless
    # told otherwise (rasa-notes.md); both must happen before the model is built.
    from rasa.utils.common import configure_logging_and_warnings
    from rasa.utils.tensorflow.environment import setup_tf_environment

    setup_tf_environment()
    # The actions read the deployer profile from the environment; make the setting the one source.
    os.environ["KESTREL_PROFILE"] = settings.kestrel_profile
    # Serving sends no telemetry today, but nothing about a conversation should ever leave the box.
    os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
    configure_logging_and_warnings(logging.WARNING)
    logging.getLogger("rasa").setLevel(max(logging.WARNING, logging.getLevelName(settings.log_level)))

    from rasa.core.agent import Agent

    from api.rasa.inprocess_actions import action_endpoint
    from api.rasa.sessions import align_sessions_with_retention
    from api.rasa.stores import fail_loudly
    from api.rasa.turn_events import TurnEventBroker

    model = settings.resolved_model_path()
    if model is None:
        raise FileNotFoundError("no trained model found: run `make train` or set MODEL_PATH")
    tracker_store, lock_store = store.rasa_stores(TurnEventBroker())
    agent = Agent.load(
        str(model),
        tracker_store=tracker_store,
        lock_store=lock_store,
        action_endpoint=action_endpoint(settings.action_endpoint_url),
    )
    if not agent.is_ready():
        raise RuntimeError("agent loaded without a model")
    # domain.yml's session expiry is for plain `rasa run`; here retention decides when a conversation ends.
    align_sessions_with_retention(agent.domain, settings)
    # Rasa wraps the store in FailSafeTrackerStore, which on a Redis error would carry on with this
    # process's memory (or a blank conversation): make it raise, so the person gets a 503 instead.
    fail_loudly(agent, tracker_store)
    speedups.freeze_loaded_heap()
    return agent


async def handle_message(
    agent: Any,
    conversation_id: str,
    message: str,
    channel: str,
    metadata: Optional[Dict[str, Any]],
    events_sink: List[Dict[str, Any]],
    output: Optional[Callable[[], Any]] = None,
    key_hash: Optional[str] = None,
) -> Tuple[List[Dict[str, Any]], bool]:
    """One turn: the replies, and whether the message was applied (False: a message with its idempotency
    key, `key_hash`, was found already saved, api/idempotency.py). The turn's events are collected into
    `events_sink` (for the metrics). On the agent's thread."""
    from rasa.core.channels.channel import CollectingOutputChannel, UserMessage

    from api.idempotency import answer_in, keyed_metadata, replay
    from api.rasa.turn_events import collect_into, stop_collecting

    output_channel = output() if output else CollectingOutputChannel()
    if key_hash is not None:
        metadata = keyed_metadata(metadata, key_hash)
    user_message = UserMessage(
        message, output_channel, conversation_id, input_channel=channel, metadata=metadata or None,
    )
    token = collect_into(events_sink)
    try:
        if key_hash is None:
            return list(await agent.handle_message(user_message) or []), True
        # Agent.handle_message, with the look for the key inside the conversation's turn lock: no other
        # turn of this conversation is running then, and a process that lost the lock can no longer
        # save (the fenced write), so what the store holds is final for this key.
        async with agent.lock_store.lock(conversation_id):
            earlier = answer_in(saved_conversation(agent, conversation_id), key_hash)
            if earlier is not None:
                return await replay(earlier, output_channel, conversation_id), False
            return list(await agent.processor.handle_message(user_message) or []), True
    finally:
        stop_collecting(token)


def saved_conversation(agent: Any, conversation_id: str) -> Optional[str]:
    """The conversation as last saved (Rasa's tracker JSON), read from the tracker store directly (the
    one `Agent.load` wrapped in FailSafeTrackerStore, api/rasa/stores.py)."""
    return agent.tracker_store._tracker_store.saved_json(conversation_id)
