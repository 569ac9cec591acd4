"""The one custom action: read the message in context (actions/reading.py), then reply (actions/replies.py).

Every rule in data/rules/ predicts this action, so what a message means never depends on which rule
fired: a "none of your business" after the age question and the same words at any other time are told
apart here, in one place, from the conversation's slots.
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Tuple

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.cues import normalise
from actions.facts import facts
from actions.plan import Situation
from actions.reading import Parse, State, interpret
from actions.replies import Context, reply

Domain = Dict[str, Any]


def situation_of(tracker: Tracker) -> Situation:
    return Situation(
        kind=tracker.get_slot("situation"),
        age_group=tracker.get_slot("age_group"),
        is_helper=bool(tracker.get_slot("is_helper")),
        has_paid=bool(tracker.get_slot("has_paid")),
        role=tracker.get_slot("helper_role"),
        pictured_under18=bool(tracker.get_slot("pictured_under18")),
        pictured_adult_too=bool(tracker.get_slot("pictured_adult_too")),
        is_shared=bool(tracker.get_slot("is_shared")),
        country=tracker.get_slot("country"),
        fears_outing=bool(tracker.get_slot("fears_outing")),
        harm_done=bool(tracker.get_slot("harm_done")),
    )


def state_of(tracker: Tracker) -> State:
    return State(
        situation_of(tracker), tracker.get_slot("plan_step"), tracker.get_slot("reply_kind"),
        int(tracker.get_slot("age_asked") or 0),
    )


def situation_events(before: Situation, after: Situation) -> List[EventType]:
    """Slot events for what changed, so the tracker keeps only what was learnt."""
    slots = {
        "situation": (before.kind, after.kind),
        "age_group": (before.age_group, after.age_group),
        "is_helper": (before.is_helper, after.is_helper),
        "has_paid": (before.has_paid, after.has_paid),
        "helper_role": (before.role, after.role),
        "pictured_under18": (before.pictured_under18, after.pictured_under18),
        "pictured_adult_too": (before.pictured_adult_too, after.pictured_adult_too),
        "is_shared": (before.is_shared, after.is_shared),
        "country": (before.country, after.country),
        "fears_outing": (before.fears_outing, after.fears_outing),
        "harm_done": (before.harm_done, after.harm_done),
    }
    return [SlotSet(name, new) for name, (old, new) in slots.items() if old != new]


def apps_named(known: Optional[str], mentioned: Tuple[str, ...]) -> Optional[str]:
    """Every app named so far, in the order first named, as the slot keeps them: "instagram|snapchat"."""
    apps = [a for a in (known or "").split("|") if a]
    for mention in mentioned:
        key = facts().aliases.get(mention.strip().lower(), mention.strip().lower())
        if key not in [facts().aliases.get(a, a) for a in apps]:
            apps.append(mention.strip().lower())
    return "|".join(apps) or None


class ActionRespond(Action):
    def name(self) -> str:
        return "action_respond"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Domain
    ) -> List[EventType]:
        state = state_of(tracker)
        reading = interpret(Parse.from_message(tracker.latest_message), state)
        known_apps = tracker.get_slot("platform")
        apps = apps_named(known_apps, reading.platforms)
        context = Context(
            platform=apps, channel=tracker.get_latest_input_channel(),
            text=normalise(tracker.latest_message.get("text") or ""),
        )
        kind, events = reply(dispatcher, reading, state, context)
        learnt = situation_events(state.situation, reading.situation)
        if apps != known_apps:
            learnt.append(SlotSet("platform", apps))
        return learnt + events + [SlotSet("reply_kind", kind)]
