"""Showing the plan: one step, the resume line, the age question and the summary."""
from __future__ import annotations

from typing import Dict, List, Optional

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.age import ADULT, UNDER_18, UNKNOWN
from actions.contacts import service_lines
from actions.facts import facts
from actions.plan import AGE_QUESTION, SUMMARY, Situation, position, steps_for
from actions.render import first_existing, render, say, text_of


SUPPORT_SERVICES = {
    UNDER_18: ["childline", "samaritans", "shout", "papyrus"],
    ADULT: ["samaritans", "shout", "papyrus", "revenge_porn_helpline", "victim_support"],
    UNKNOWN: ["childline", "samaritans", "shout", "papyrus", "victim_support"],
    "helper": ["childline", "nspcc", "samaritans"],
}


def age_key(situation: Situation) -> str:
    return situation.age_group if situation.age_group in (UNDER_18, ADULT) else UNKNOWN


def variant(prefix: str, situation: Situation) -> str:
    """Most specific response for this audience: helper+age, helper, age, then plain."""
    age = age_key(situation)
    candidates: List[str] = []
    if situation.is_helper:
        candidates += [f"{prefix}_helper_{age}", f"{prefix}_helper"]
    candidates += [f"{prefix}_{age}", prefix]
    return first_existing(candidates)


def platform_values(mention: Optional[str]) -> Dict[str, str]:
    """Report-and-block steps for the app the person named, or general steps when we have none."""
    other = facts().platforms["other"]
    if not mention:
        return {"platform_name": other.name, "platform_steps": other.steps}
    known = facts().platform_for(mention)
    name = known.name if known else mention.strip().title()
    steps = known.steps if known else other.steps
    return {
        "platform_name": name,
        "platform_steps": text_of("utter_platform_steps", platform_name=name, platform_steps=steps),
    }


def step_values(step: str, situation: Situation, tracker: Tracker) -> Dict[str, str]:
    if step == "block_report":
        return platform_values(tracker.get_slot("platform"))
    if step == "support":
        group = "helper" if situation.is_helper else age_key(situation)
        return {"support_lines": "\n".join(service_lines(SUPPORT_SERVICES[group]))}
    return {}


def step_text(step: str, situation: Situation, tracker: Tracker) -> str:
    number, total = position(situation, step)
    header = text_of(
        "utter_step_header", number=str(number), total=str(total),
        title=text_of(f"utter_title_{step}"),
    )
    body = text_of(variant(f"utter_step_{step}", situation), **step_values(step, situation, tracker))
    return f"{header}\n{body}"


def show_step(
    dispatcher: CollectingDispatcher, step: str, situation: Situation, tracker: Tracker
) -> List[EventType]:
    if step == SUMMARY:
        show_summary(dispatcher, situation)
    else:
        dispatcher.utter_message(
            text=step_text(step, situation, tracker),
            buttons=render("utter_step_buttons")["buttons"],
        )
    return [SlotSet("plan_step", step)]


def start_plan(
    dispatcher: CollectingDispatcher, situation: Situation, tracker: Tracker
) -> List[EventType]:
    say(dispatcher, "utter_plan_intro")
    return show_step(dispatcher, steps_for(situation)[0], situation, tracker)


def show_summary(dispatcher: CollectingDispatcher, situation: Situation) -> None:
    lines = [
        "✓ " + text_of(variant(f"utter_summary_{step}", situation))
        for step in steps_for(situation)
    ]
    say(dispatcher, "utter_plan_summary", summary_lines="\n".join(lines))


def ask_age(dispatcher: CollectingDispatcher, situation: Situation) -> List[EventType]:
    name = "utter_ask_age_helper" if situation.is_helper else "utter_ask_age"
    say(dispatcher, name, buttons=render("utter_age_buttons")["buttons"])
    return [SlotSet("plan_step", AGE_QUESTION)]


def resume(
    dispatcher: CollectingDispatcher, situation: Situation, step: Optional[str]
) -> List[EventType]:
    """After an interruption, say where the person is, without repeating the whole step."""
    if step == AGE_QUESTION:
        return ask_age(dispatcher, situation)
    if step and step != SUMMARY and step in steps_for(situation):
        number, total = position(situation, step)
        say(
            dispatcher, "utter_resume", number=str(number), total=str(total),
            title=text_of(f"utter_title_{step}"),
        )
    return []
