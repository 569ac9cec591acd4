"""Answering a question asked along the way, for this person: their age, their role, where they are."""
from __future__ import annotations

from typing import Optional

from rasa_sdk.executor import CollectingDispatcher

from actions import cues
from actions.age import ADULT, UNDER_18
from actions.plan import EMAIL_SCAM, Situation
from actions.render import say
from actions.steps import place_values, platform_values, variant


def answer(
    dispatcher: CollectingDispatcher, question: str, situation: Situation, platform: Optional[str] = None, text: str = ""
) -> None:
    """The answer to a question, in the words for this person; the way back to the plan is the caller's."""
    if question == "ask_how_report":
        # The police route for their age, whichever app it was; then that app's own help, or an offer of it.
        # Before any age is told, no route for one age only, as in the plan at a glance. Someone who declined
        # to say still hears CEOP named for under-18s (the "untold" wordings cover both, so they are not used).
        before_age = situation.age_group is None and not situation.country and not situation.pictured_under18 \
            and situation.kind != EMAIL_SCAM
        prefix = "utter_answer_ask_how_report" + ("_before_age" if before_age else "")
        say(dispatcher, variant(prefix, situation), None, **platform_values(platform), **place_values(situation))
        if situation.kind != EMAIL_SCAM:
            say(dispatcher, "utter_report_harmful_content" if platform else "utter_report_which_app")
    elif question == "ask_which_service" and situation.age_group is None and not situation.pictured_under18 \
            and (named := _service_age(text)):
        # "is Report Remove for me?" before any age is told: about that service and who it is for.
        say(dispatcher, variant(f"utter_answer_{question}", situation.but(age_group=named)))
    elif question == "ask_should_pay" and situation.has_paid:
        say(dispatcher, variant("utter_answer_ask_should_pay_helper_paid" if situation.is_helper else "utter_answer_ask_should_pay_paid", situation))
    else:
        say(dispatcher, variant(f"utter_answer_{question}", situation))


def _service_age(text: str) -> Optional[str]:
    """The age group of the one take-down service a question names, or None (none, or both, named)."""
    under18, adult = bool(cues.SERVICE_NAMED_UNDER18.search(text)), bool(cues.SERVICE_NAMED_ADULT.search(text))
    return None if under18 == adult else (UNDER_18 if under18 else ADULT)
