"""Answers to the questions people ask at any point; the plan then picks up where it was."""
from __future__ import annotations

from typing import Any, Dict, List

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.conversation import latest_entities, latest_intent, situation_in_ranking, situation_of
from actions.render import say
from actions.situation import respond_to_situation
from actions.steps import platform_values, resume, variant

Domain = Dict[str, Any]


def answer(dispatcher: CollectingDispatcher, tracker: Tracker) -> List[EventType]:
    intent = latest_intent(tracker) or "out_of_scope"
    situation = situation_of(tracker)
    events: List[EventType] = []
    if intent == "ask_how_report":
        mentioned = latest_entities(tracker, "platform")
        platform = mentioned[0] if mentioned else tracker.get_slot("platform")
        if mentioned:
            events.append(SlotSet("platform", platform))
        name = "utter_answer_ask_how_report_platform" if platform else "utter_answer_ask_how_report"
        values = platform_values(platform)
        say(dispatcher, name, platform_name=values["platform_name"], platform_steps=values["platform_steps"])
    else:
        say(dispatcher, variant(f"utter_answer_{intent}", situation))
    return events


class ActionAnswerQuestion(Action):
    def name(self) -> str:
        return "action_answer_question"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Domain
    ) -> List[EventType]:
        events = answer(dispatcher, tracker)
        situation = situation_of(tracker)
        if not situation.known:
            # "he says he'll post my pics if i dont pay" reads as a question and as a story: when the
            # classifier also saw a situation, the first reply must still carry the urgent advice.
            also = situation_in_ranking(tracker)
            if also:
                return events + respond_to_situation(dispatcher, tracker, also)
            if latest_intent(tracker) != "thanks":
                say(dispatcher, "utter_ask_situation")
            return events
        return events + resume(dispatcher, situation, tracker.get_slot("plan_step"))
