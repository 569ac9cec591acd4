"""Crisis and immediate danger: answered on the turn they are said, whatever else is going on."""
from __future__ import annotations

from typing import Any, Dict, List

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.conversation import question_in_ranking, situation_in_ranking, situation_of
from actions.plan import SITUATION_BY_INTENT
from actions.render import say

Domain = Dict[str, Any]

def answer_the_rest(dispatcher: CollectingDispatcher, tracker: Tracker) -> List[EventType]:
    """What else the crisis or danger message said: a blackmail story not heard before gets the two
    most important lines; a question ("would it be easier to just pay?") gets its answer."""
    also = situation_in_ranking(tracker)
    if also and not situation_of(tracker).known:
        # They are also being blackmailed: the two things that matter most, kept short.
        say(dispatcher, "utter_crisis_urgent")
        return [SlotSet("situation", SITUATION_BY_INTENT[also])]
    question = question_in_ranking(tracker)
    if question:
        say(dispatcher, f"utter_answer_{question}")
    return []


class ActionCrisis(Action):
    def name(self) -> str:
        return "action_crisis"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Domain
    ) -> List[EventType]:
        say(dispatcher, "utter_crisis")
        events = answer_the_rest(dispatcher, tracker)
        say(dispatcher, "utter_crisis_continue")
        return events


class ActionDanger(Action):
    def name(self) -> str:
        return "action_danger"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Domain
    ) -> List[EventType]:
        say(dispatcher, "utter_danger")
        events = answer_the_rest(dispatcher, tracker)
        say(dispatcher, "utter_danger_continue")
        return events
