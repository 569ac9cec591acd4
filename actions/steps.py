"""Showing the plan: the overview, one step in detail, the resume line and the age question."""
from __future__ import annotations

from typing import Dict, List, Optional

from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.age import ADULT, UNDER_18, UNKNOWN
from actions.catalogue import catalogue
from actions.contacts import service_lines
from actions.facts import facts
from actions.plan import AGE_QUESTION, OVERVIEW, SUMMARY, VICTIM, Situation, next_step, position, steps_for
from actions.render import first_existing, render, say, text_of



def age_key(situation: Situation) -> str:
    return situation.age_group if situation.age_group in (UNDER_18, ADULT) else UNKNOWN


def support_services(situation: Situation) -> List[str]:
    who = "victim" if situation.audience == VICTIM else "helper"
    # Who to talk to, by audience and age, comes from the catalogue (resources/catalogue.yml).
    services = catalogue().support_services(who, age_key(situation))
    if situation.kind == "partner":
        services += ["domestic_abuse_helpline", "mens_advice_line"]
    if situation.fears_outing:
        services.append("galop")
    if situation.pictured_under18 and not situation.pictured_adult_too:
        # The Revenge Porn Helpline is for pictures of adults; under-18 pictures go to the IWF.
        services = [s for s in services if s != "revenge_porn_helpline"]
    return services


def variant(prefix: str, situation: Situation) -> str:
    """Most specific response for this person: audience+age, audience, helper+age, helper, age, plain.
    An adult whose pictures were taken under 18 gets the under-18 picture routes ("pictured")."""
    age = age_key(situation)
    # Not told (not yet, or declined): where a line has an "untold" wording, it names no service for one
    # age only and says how to get the right one instead.
    ages = ["untold", age] if situation.age_group in (None, UNKNOWN) else [age]
    candidates: List[str] = []
    if situation.kind == "email_scam":
        candidates.append(f"{prefix}_scam")
    if situation.country:
        # Outside the UK the police routes are the ones where they live.
        candidates += ([f"{prefix}_abroad_helper"] if situation.is_helper else []) + [f"{prefix}_abroad"]
    if situation.pictured_under18 and age != UNDER_18:
        candidates += [f"{prefix}_mixed"] if situation.pictured_adult_too else []
        candidates += ([f"{prefix}_pictured_helper"] if situation.is_helper else []) + [f"{prefix}_pictured"]
    if situation.is_helper:
        audience = situation.audience
        candidates += [f"{prefix}_{audience}_{a}" for a in ages] + [f"{prefix}_{audience}"]
        candidates += [f"{prefix}_helper_{a}" for a in ages] + [f"{prefix}_helper"]
    candidates += [f"{prefix}_{a}" for a in ages] + [prefix]
    return first_existing(candidates)


def platform_values(mentions: Optional[str]) -> Dict[str, str]:
    """Report-and-block steps for each app the person named ("instagram|snapchat"), or general steps
    when they named none."""
    other = facts().platforms["other"]
    named = [m for m in (mentions or "").split("|") if m.strip()]
    if not named:
        return {"platform_name": other.name, "platform_steps": other.steps}
    names, lines = [], []
    for mention in named:
        known = facts().platform_for(mention)
        name = known.name if known else mention.strip().title()
        names.append(name)
        lines.append(text_of("utter_platform_steps", platform_name=name, platform_steps=known.steps if known else other.steps))
    return {"platform_name": " and ".join(names), "platform_steps": "\n".join(lines)}


def place_values(situation: Situation) -> Dict[str, str]:
    """Where to report outside the UK, for the lines that name it."""
    return {"local_police": text_of(f"utter_local_police_{situation.country}")} if situation.country else {}


def step_values(step: str, situation: Situation, platform: Optional[str]) -> Dict[str, str]:
    if step == "block_report":
        return platform_values(platform)
    if step == "support":
        return {"support_lines": "\n".join(service_lines(support_services(situation)))}
    if step == "police":
        return place_values(situation)
    return {}


def step_text(step: str, situation: Situation, platform: Optional[str]) -> str:
    number, total = position(situation, step)
    header = text_of(
        "utter_step_header", number=str(number), total=str(total),
        title=text_of(variant(f"utter_title_{step}", situation)),
    )
    body = text_of(variant(f"utter_step_{step}", situation), **step_values(step, situation, platform))
    return f"{header}\n{body}"


def show_step(
    dispatcher: CollectingDispatcher, step: str, situation: Situation, platform: Optional[str]
) -> List[EventType]:
    if step == SUMMARY:
        say(dispatcher, "utter_plan_finished")
        return [SlotSet("plan_step", SUMMARY)]
    buttons = render("utter_step_buttons")["buttons"]
    dispatcher.utter_message(text=step_text(step, situation, platform), buttons=buttons)
    return [SlotSet("plan_step", step)]


def overview_lines(situation: Situation) -> List[str]:
    place = place_values(situation)
    return [
        f"{number}. " + text_of(variant(f"utter_overview_{step}", situation), **place)
        for number, step in enumerate(steps_for(situation), start=1)
    ]


def show_overview(dispatcher: CollectingDispatcher, situation: Situation, step: Optional[str]) -> List[EventType]:
    """Every step on one screen, one line each with its key contact: someone who leaves now has seen
    them all. The step stays where it was, so "next" carries on from there."""
    intro = variant("utter_overview_intro", situation)
    say(dispatcher, intro, overview_lines="\n".join(overview_lines(situation)))
    current = step if step in steps_for(situation) else OVERVIEW
    upcoming = next_step(situation, current)
    if upcoming == SUMMARY:
        say(dispatcher, "utter_plan_finished")
        return [SlotSet("plan_step", current)]
    number, _ = position(situation, upcoming)
    say(
        dispatcher, "utter_overview_next", number=str(number),
        title=text_of(variant(f"utter_title_{upcoming}", situation)),
    )
    return [SlotSet("plan_step", current)]


def ask_age(dispatcher: CollectingDispatcher, situation: Situation, times_asked: int = 0) -> List[EventType]:
    """The age question; the second time, one short line (it is never asked a third time)."""
    prefix = "utter_ask_age_again" if times_asked else "utter_ask_age"
    say(dispatcher, variant(prefix, situation), buttons=render("utter_age_buttons")["buttons"])
    return [SlotSet("plan_step", AGE_QUESTION), SlotSet("age_asked", float(times_asked + 1))]


def resume(dispatcher: CollectingDispatcher, situation: Situation, step: Optional[str]) -> List[EventType]:
    """After an interruption: the way back into the plan, one line, never the whole step again. Nothing
    when no plan is under way (no step yet, the age question pending) or it is finished."""
    if step in (None, AGE_QUESTION, SUMMARY):
        return []
    upcoming = next_step(situation, step)
    if upcoming == SUMMARY:
        say(dispatcher, "utter_resume_end")
        return []
    number, total = position(situation, upcoming)
    say(
        dispatcher, "utter_resume", number=str(number), total=str(total),
        title=text_of(variant(f"utter_title_{upcoming}", situation)),
    )
    return []
