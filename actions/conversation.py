"""Reading the conversation so far: what we know about the person and what the bot last did."""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Set

from rasa_sdk import Tracker

from actions.plan import SITUATION_BY_INTENT, Situation

# Actions that interrupt the plan; after one of them "yes"/"ok" means "carry on", not "next".
INTERRUPTING_ACTIONS = {
    "action_crisis",
    "action_danger",
    "action_answer_question",
    "action_human_routes",
    "action_fallback",
    "action_greet",
    "action_deny",
}
_BOOKKEEPING_ACTIONS = {"action_listen", "action_extract_slots", "action_session_start"}


def situation_of(tracker: Tracker) -> Situation:
    return Situation(
        kind=tracker.get_slot("situation"),
        age_group=tracker.get_slot("age_group"),
        is_helper=bool(tracker.get_slot("is_helper")),
        has_paid=bool(tracker.get_slot("has_paid")),
    )


def previous_bot_action(tracker: Tracker) -> Optional[str]:
    """The last action the bot ran before the current user message."""
    seen_user = False
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            if seen_user:
                # Reached an older user turn without finding a bot action in between.
                return None
            seen_user = True
        elif seen_user and event.get("event") == "action":
            name = event.get("name")
            if name not in _BOOKKEEPING_ACTIONS:
                return name
    return None


def latest_entities(tracker: Tracker, entity: str) -> List[str]:
    entities: List[Dict[str, Any]] = tracker.latest_message.get("entities", []) or []
    return [str(e.get("value")) for e in entities if e.get("entity") == entity and e.get("value")]


def latest_intent(tracker: Tracker) -> Optional[str]:
    return (tracker.latest_message.get("intent") or {}).get("name")


# A situation the classifier ranked behind a forced intent ("he'll post it and I want to die", "my son
# has paid them") counts when it is this confident; below that it is guesswork that would misroute.
SITUATION_ALSO_SEEN = 0.15


def _runner_up(tracker: Tracker, wanted: Set[str]) -> Optional[str]:
    """The best-ranked intent in `wanted` behind the one acted on, if confident enough to count."""
    for ranked in (tracker.latest_message.get("intent_ranking") or [])[1:]:
        name = ranked.get("name")
        if name in wanted and (ranked.get("confidence") or 0) >= SITUATION_ALSO_SEEN:
            return str(name)
    return None


def situation_in_ranking(tracker: Tracker) -> Optional[str]:
    """A situation (not "helper") the classifier ranked alongside the intent that was acted on."""
    return _runner_up(tracker, set(SITUATION_BY_INTENT) - {"helper"})


QUESTIONS = {"ask_should_pay", "ask_in_trouble", "ask_delete", "ask_will_they_post", "ask_my_fault"}


def question_in_ranking(tracker: Tracker) -> Optional[str]:
    """A question the classifier ranked alongside the intent that was acted on."""
    return _runner_up(tracker, QUESTIONS)
