"""Crisis and immediate danger: answered on the turn they are said, whatever else is going on."""
from __future__ import annotations

from typing import Any, Dict, List

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.conversation import situation_in_ranking, situation_of
from actions.plan import SITUATION_BY_INTENT
from actions.render import say

Domain = Dict[str, Any]

class ActionCrisis(Action):
    def name(self) -> str:
        return "action_crisis"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Domain
    ) -> List[EventType]:
        say(dispatcher, "utter_crisis")
        events: List[EventType] = []
        also = situation_in_ranking(tracker)
        if also and not situation_of(tracker).known:
            kind = SITUATION_BY_INTENT[also]
            events.append(SlotSet("situation", kind))
            # They are also being blackmailed: the two things that matter most, kept short.
            say(dispatcher, "utter_crisis_urgent")
        say(dispatcher, "utter_crisis_continue")
        return events


class ActionDanger(Action):
    def name(self) -> str:
        return "action_danger"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Domain
    ) -> List[EventType]:
        say(dispatcher, "utter_danger")
        say(dispatcher, "utter_danger_continue")
        return []
