"""Moving through the plan: age answers, "next", "yes, carry on" and "show that again"."""
from __future__ import annotations

from typing import Any, Dict, List

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.age import UNKNOWN, age_group_from_text
from actions.conversation import (
    INTERRUPTING_ACTIONS,
    latest_entities,
    latest_intent,
    previous_bot_action,
    situation_of,
)
from actions.plan import AGE_QUESTION, EMAIL_SCAM, SUMMARY, Situation, next_step
from actions.render import say
from actions.steps import ask_age, show_step, show_summary, start_plan

Domain = Dict[str, Any]


def stated_age_group(tracker: Tracker) -> str:
    """The age group this message gives: a button's entity, an age entity, the bare text, or unknown."""
    if latest_intent(tracker) == "prefer_not_say":
        return UNKNOWN
    from_button = latest_entities(tracker, "age_group")
    if from_button:
        return from_button[0]
    for value in latest_entities(tracker, "age") + [tracker.latest_message.get("text") or ""]:
        group = age_group_from_text(value)
        if group:
            return group
    return UNKNOWN


def begin_or_ask(
    dispatcher: CollectingDispatcher, situation: Situation, tracker: Tracker
) -> List[EventType]:
    if not situation.known:
        say(dispatcher, "utter_ask_situation")
        return []
    if situation.age_group is None and situation.kind != EMAIL_SCAM:
        return ask_age(dispatcher, situation)
    return start_plan(dispatcher, situation, tracker)


class ActionSetAge(Action):
    def name(self) -> str:
        return "action_set_age"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Domain
    ) -> List[EventType]:
        group = stated_age_group(tracker)
        known = situation_of(tracker)
        situation = Situation(known.kind, group, known.is_helper, known.has_paid)
        events: List[EventType] = [SlotSet("age_group", group)]
        step = tracker.get_slot("plan_step")
        if step in (None, AGE_QUESTION):
            say(dispatcher, "utter_age_skipped" if group == UNKNOWN else "utter_age_thanks")
            return events + begin_or_ask(dispatcher, situation, tracker)
        say(dispatcher, "utter_age_thanks")
        return events + show_step(dispatcher, step, situation, tracker)


def advance(
    dispatcher: CollectingDispatcher, tracker: Tracker
) -> List[EventType]:
    situation = situation_of(tracker)
    step = tracker.get_slot("plan_step")
    if step is None:
        return begin_or_ask(dispatcher, situation, tracker)
    if step == AGE_QUESTION:
        # Moving on without answering is fine: the plan shows options for every age.
        unknown = Situation(situation.kind, UNKNOWN, situation.is_helper, situation.has_paid)
        say(dispatcher, "utter_age_skipped")
        return [SlotSet("age_group", UNKNOWN)] + start_plan(dispatcher, unknown, tracker)
    if step == SUMMARY:
        say(dispatcher, "utter_plan_finished")
        return []
    return show_step(dispatcher, next_step(situation, step), situation, tracker)


def show_current(
    dispatcher: CollectingDispatcher, tracker: Tracker
) -> List[EventType]:
    situation = situation_of(tracker)
    step = tracker.get_slot("plan_step")
    if step == AGE_QUESTION:
        return ask_age(dispatcher, situation)
    if step == SUMMARY:
        show_summary(dispatcher, situation)
        return []
    if step is None:
        return begin_or_ask(dispatcher, situation, tracker)
    return show_step(dispatcher, step, situation, tracker)


class ActionPlanNext(Action):
    """ "done" / "next": the following step."""

    def name(self) -> str:
        return "action_plan_next"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Domain
    ) -> List[EventType]:
        return advance(dispatcher, tracker)


class ActionPlanContinue(Action):
    """ "yes" / "ok": after an interruption it brings the current step back; otherwise it moves on."""

    def name(self) -> str:
        return "action_plan_continue"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Domain
    ) -> List[EventType]:
        if previous_bot_action(tracker) in INTERRUPTING_ACTIONS:
            return show_current(dispatcher, tracker)
        return advance(dispatcher, tracker)


class ActionRepeatStep(Action):
    def name(self) -> str:
        return "action_repeat_step"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Domain
    ) -> List[EventType]:
        return show_current(dispatcher, tracker)
