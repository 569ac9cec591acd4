"""The first reply to a described situation: urgent advice, then the age question or the plan."""
from __future__ import annotations

import re

from typing import Any, Dict, List

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.age import age_group_from_text
from actions.conversation import latest_entities, latest_intent, situation_in_ranking, situation_of
from actions.plan import EMAIL_SCAM, HELPER, PAID, SITUATION_BY_INTENT, Situation, is_in_plan
from actions.render import say
from actions.steps import ask_age, resume, start_plan


# "he already sent them 100 pounds", "she paid £50 on cashapp": a payment told in the past tense.
PAID_TEXT = re.compile(
    r"\b(sent|paid|gave|transferred|bought)\b.{0,40}?(£|\$|€|\b\d+ ?(quid|pounds|dollars|k)\b|gift ?cards?|money|cash)",
    re.IGNORECASE,
)


def learn_situation(tracker: Tracker, intent: str) -> tuple[Situation, List[EventType]]:
    """Fold what this message says into what we knew: helpers stay helpers, payments stay paid."""
    known = situation_of(tracker)
    kind = SITUATION_BY_INTENT[intent]
    if kind == HELPER and known.known and not known.is_helper:
        # Someone who started as the victim doesn't become a helper because one message read that way.
        kind = known.kind or "money"
    events: List[EventType] = []
    is_helper = known.is_helper or kind == HELPER
    # A helper's message is also about the young person's situation: "my son has paid them".
    also = situation_in_ranking(tracker) if kind == HELPER else None
    told_payment = bool(PAID_TEXT.search(tracker.latest_message.get("text") or ""))
    has_paid = known.has_paid or kind == PAID or also == "already_paid" or told_payment
    # A helper who then says "they paid" keeps the helper plan; the scam never overrides a real threat.
    new_kind = known.kind if (known.kind and kind in (HELPER, EMAIL_SCAM)) else kind
    if kind == HELPER and not known.kind:
        new_kind = HELPER
    age_group = known.age_group
    stated = [age_group_from_text(value) for value in latest_entities(tracker, "age")]
    stated = [group for group in stated if group]
    if stated:
        age_group = stated[0]
        events.append(SlotSet("age_group", age_group))
    events += [SlotSet("situation", new_kind), SlotSet("is_helper", is_helper), SlotSet("has_paid", has_paid)]
    return Situation(new_kind, age_group, is_helper, has_paid), events


MID_PLAN_NEWS = {PAID: "utter_paid_too", "shared": "utter_shared_too"}


def respond_to_situation(dispatcher: CollectingDispatcher, tracker: Tracker, intent: str) -> List[EventType]:
    """Urgent advice for a newly described situation, then the age question or the plan."""
    step = tracker.get_slot("plan_step")
    situation, events = learn_situation(tracker, intent)
    kind = SITUATION_BY_INTENT[intent]
    if is_in_plan(step):
        # They've had the urgent advice: acknowledge what's new in a line, then back to the plan.
        say(dispatcher, MID_PLAN_NEWS.get(kind, f"utter_urgent_{situation.kind or kind}"))
        return events + resume(dispatcher, situation, step)
    say(dispatcher, f"utter_urgent_{situation.kind or kind}")
    if situation.kind == EMAIL_SCAM or situation.age_group:
        return events + start_plan(dispatcher, situation, tracker)
    return events + ask_age(dispatcher, situation)


class ActionSituation(Action):
    def name(self) -> str:
        return "action_situation"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[EventType]:
        intent = latest_intent(tracker) or "blackmail_money"
        return respond_to_situation(dispatcher, tracker, intent if intent in SITUATION_BY_INTENT else "blackmail_money")
