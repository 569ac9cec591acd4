"""Greeting, goodbye, "no", not understanding, and the people someone can talk to."""
from __future__ import annotations

import datetime as dt
from typing import Any, Dict, List

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.age import ADULT, UNDER_18
from actions.contacts import service_lines
from actions.conversation import previous_bot_action, situation_of
from actions.plan import AGE_QUESTION
from actions.render import say
from actions.steps import ask_age, resume

Domain = Dict[str, Any]

HUMAN_ROUTES = {
    UNDER_18: ["childline", "samaritans", "shout", "papyrus"],
    ADULT: ["revenge_porn_helpline", "samaritans", "shout", "papyrus", "victim_support"],
    "helper": ["nspcc", "childline", "samaritans", "stop_it_now"],
    "unknown": ["childline", "revenge_porn_helpline", "samaritans", "shout", "papyrus", "victim_support"],
}


def now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


class ActionHumanRoutes(Action):
    def name(self) -> str:
        return "action_human_routes"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Domain
    ) -> List[EventType]:
        situation = situation_of(tracker)
        group = "helper" if situation.is_helper else (situation.age_group or "unknown")
        lines = service_lines(HUMAN_ROUTES.get(group, HUMAN_ROUTES["unknown"]), now=now())
        say(dispatcher, "utter_answer_ask_human")
        dispatcher.utter_message(text="\n".join(lines))
        say(dispatcher, "utter_human_footer")
        return resume(dispatcher, situation, tracker.get_slot("plan_step"))


class ActionGreet(Action):
    def name(self) -> str:
        return "action_greet"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Domain
    ) -> List[EventType]:
        situation = situation_of(tracker)
        if not situation.known:
            say(dispatcher, "utter_greet")
            return []
        say(dispatcher, "utter_greet_again")
        return resume(dispatcher, situation, tracker.get_slot("plan_step"))


class ActionGoodbye(Action):
    def name(self) -> str:
        return "action_goodbye"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Domain
    ) -> List[EventType]:
        say(dispatcher, "utter_goodbye")
        return []


class ActionDeny(Action):
    def name(self) -> str:
        return "action_deny"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Domain
    ) -> List[EventType]:
        if tracker.get_slot("plan_step") == AGE_QUESTION:
            # "no" does not answer "under 18 or over?": offer the choices again.
            return ask_age(dispatcher, situation_of(tracker))
        say(dispatcher, "utter_deny")
        return []


class ActionFallback(Action):
    """Ask once to rephrase; the second time in a row, offer choices and helplines: never a dead end."""

    def name(self) -> str:
        return "action_fallback"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Domain
    ) -> List[EventType]:
        if previous_bot_action(tracker) == self.name():
            say(dispatcher, "utter_fallback_options")
            return []
        say(dispatcher, "utter_fallback_first")
        if tracker.get_slot("plan_step") == AGE_QUESTION:
            return ask_age(dispatcher, situation_of(tracker))
        return []
