"""Build real rasa_sdk Trackers and run actions the way the action server does."""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Tuple

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.content_rules import problems

SLOTS = [
    "situation", "is_helper", "has_paid", "age_group", "age", "platform", "payment_method", "amount", "plan_step",
    "helper_role", "pictured_under18", "is_shared", "reply_kind", "age_asked",
]


def tracker(
    intent: str = "greet",
    text: str = "",
    slots: Optional[Dict[str, Any]] = None,
    entities: Optional[List[Dict[str, Any]]] = None,
    ranking: Optional[List[Dict[str, Any]]] = None,
    previous_action: Optional[str] = None,
    channel: Optional[str] = None,
) -> Tracker:
    """A tracker whose latest user message is `intent` (sent through `channel`), after the bot ran
    `previous_action`."""
    latest = {
        "intent": {"name": intent, "confidence": 1.0},
        "intent_ranking": ranking or [{"name": intent, "confidence": 1.0}],
        "entities": entities or [],
        "text": text,
    }
    events: List[Dict[str, Any]] = [{"event": "action", "name": "action_listen"}]
    if previous_action:
        events = [
            {"event": "user", "text": "earlier", "parse_data": {"intent": {"name": "x"}}},
            {"event": "action", "name": previous_action},
            {"event": "action", "name": "action_listen"},
        ]
    events.append({"event": "user", "text": text, "parse_data": latest, "input_channel": channel})
    values = {name: None for name in SLOTS}
    values.update(slots or {})
    return Tracker("test-user", values, latest, events, False, None, {}, "action_listen")


async def run(action: Action, t: Tracker) -> Tuple[List[Dict[str, Any]], Dict[str, Any]]:
    """Run the action; return the messages and the slots it set. Every reply must pass the content rules."""
    dispatcher = CollectingDispatcher()
    events = await action.run(dispatcher, t, {})
    assert not problems(m.get("text") or "" for m in dispatcher.messages)
    slots = {e["name"]: e["value"] for e in events if e.get("event") == "slot"}
    return dispatcher.messages, slots


def texts(messages: List[Dict[str, Any]]) -> str:
    return "\n".join(m.get("text") or "" for m in messages)


def payloads(messages: List[Dict[str, Any]]) -> List[str]:
    return [b["payload"] for m in messages for b in (m.get("buttons") or [])]


async def step_through(action: Action, slots: Dict[str, Any], times: int) -> List[str]:
    """Press "next" `times` times, feeding each action's slots into the next tracker; the steps seen."""
    seen = []
    current = dict(slots)
    for _ in range(times):
        _, set_slots = await run(action, tracker("next_step", "next", slots=current))
        current.update(set_slots)
        seen.append(current["plan_step"])
    return seen


async def converse(action: Action, turns: List[Tuple[str, str]], slots: Optional[Dict[str, Any]] = None) -> List[str]:
    """Several (intent, text) turns, each tracker carrying the slots the last turn set; every reply's text."""
    current: Dict[str, Any] = dict(slots or {})
    said = []
    for intent, text in turns:
        messages, set_slots = await run(action, tracker(intent, text, slots=current))
        current.update(set_slots)
        said.append(texts(messages))
    return said
