"""Carrying out a reading: the words for each act, for this person, then the way back into the plan.

`reply` returns the kind of reply it gave (kept in the `reply_kind` slot, so the next turn knows what
was just said) and the slot events for the plan.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from typing import Callable, Dict, List, Optional, Tuple

from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import cues, safety_cues
from actions.age import ADULT, UNDER_18, UNKNOWN
from actions.contacts import service_lines
from actions.plan import (
    AGE_QUESTION, EMAIL_SCAM, OTHER_HELPER, PARENT, SUMMARY, TEACHER, Situation, next_step, steps_for,
)
from actions.reading import (
    AGE_ANSWER, AGE_SKIPPED, AGE_WHY, BOT, CRISIS, CRISIS_AGAIN, DANGER, DANGER_AGAIN, DENY, GOODBYE, GREET, HUMAN, NEXT, NOT_UNDERSTOOD,
    OPENING, OUT_OF_SCOPE, OVERVIEW as OVERVIEW_ACT, QUESTION, REPEAT, RETOLD, SITUATION, THANKS, Reading, State,
)
from actions.answers import answer
from actions.render import render, responses, say
from actions.steps import (
    ask_age, resume, show_overview, show_step, step_text, support_services, variant,
)

Events = List[EventType]
SAFETY_REPLIES = (CRISIS, CRISIS_AGAIN, DANGER, DANGER_AGAIN)


@dataclass(frozen=True)
class Context:
    platform: Optional[str] = None
    channel: Optional[str] = None
    text: str = ""  # the message, normalised as the reading step reads it


def now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def _age_known(situation: Situation) -> bool:
    return situation.age_group is not None or situation.kind == EMAIL_SCAM


# The age question is asked at most this many times; then the plan shows every age's options.
MOST_AGE_ASKS = 2


def _after_news(dispatcher: CollectingDispatcher, situation: Situation, state: State) -> Events:
    """Once the situation is known: the age question (asked again once, in a line, if the answer was
    about something else), then the whole plan at a glance."""
    if state.step in (None, AGE_QUESTION) and not _age_known(situation) and state.age_asked < MOST_AGE_ASKS:
        return ask_age(dispatcher, situation, state.age_asked)
    if state.step in (None, AGE_QUESTION):
        return show_overview(dispatcher, situation, None)
    return resume(dispatcher, situation, state.step)


def _back_to_plan(dispatcher: CollectingDispatcher, situation: Situation, state: State) -> Events:
    """After an aside (people to talk to, "are you a bot?", thanks), the resume line if a plan is under way."""
    return resume(dispatcher, situation, state.step) if situation.known else []


def _urgent(dispatcher: CollectingDispatcher, reading: Reading) -> None:
    situation = reading.situation
    told = reading.told or situation.kind or "money"
    if situation.is_helper:
        say(dispatcher, variant("utter_urgent_helper", situation))
        if situation.has_paid:
            say(dispatcher, "utter_helper_paid_too")
        if situation.is_shared:
            say(dispatcher, variant("utter_shared_too", situation))
        return
    if told == "helper":
        told = "money"
    if told in ("money", "images", "partner", "fake") and situation.has_paid:
        told = "paid"
    say(dispatcher, variant(f"utter_urgent_{told}", situation))
    if told == EMAIL_SCAM and situation.has_paid:
        say(dispatcher, "utter_scam_paid_too")
    if told != EMAIL_SCAM:
        say(dispatcher, variant("utter_urgent_footer", situation))


def _situation_lines(dispatcher: CollectingDispatcher, reading: Reading) -> None:
    """A line for what this message said about where they are or who they are, the first time it is said."""
    if "country" in reading.news and reading.situation.country:
        say(dispatcher, f"utter_outside_uk_{reading.situation.country}")
        say(dispatcher, variant("utter_takedown_anywhere", reading.situation))
    if "outing" in reading.news:
        say(dispatcher, variant("utter_outing", reading.situation))


def on_situation(dispatcher: CollectingDispatcher, reading: Reading, state: State, context: Context) -> Tuple[str, Events]:
    _urgent(dispatcher, reading)
    _situation_lines(dispatcher, reading)
    if reading.question and reading.question != "ask_should_pay":
        answer(dispatcher, reading.question, reading.situation, context.platform, context.text)
    if "own_story" in reading.news:
        # "ok its me, not a friend": the plan shown was the helper's; now the writer's own, from the start.
        return SITUATION, _after_news(dispatcher, reading.situation, replace(state, step=None))
    return SITUATION, _after_news(dispatcher, reading.situation, state)


_NEWS_REPLIES = (
    ("paid", "utter_paid_too"),
    ("shared", "utter_shared_too"),
    ("pictured_adult_too", "utter_pictured_adult_too"),
    ("pictured_under18", "utter_pictured_too"),
    ("not_paid", "utter_not_paid"),
    ("not_shared", "utter_not_shared"),
)


def on_retold(dispatcher: CollectingDispatcher, reading: Reading, state: State, context: Context) -> Tuple[str, Events]:
    """A story told again, or with more detail: one line for what changed, never the urgent block again."""
    situation = reading.situation
    said = [name for news, name in _NEWS_REPLIES if news in reading.news]
    if "utter_pictured_adult_too" in said:
        # Both kinds of picture: the line for both says it all.
        said = [name for name in said if name != "utter_pictured_too"]
    if said:
        for name in said:
            say(dispatcher, variant(name, situation))
    elif reading.told != state.situation.kind and reading.told in ("partner", "fake", EMAIL_SCAM, "images"):
        say(dispatcher, variant(f"utter_also_{reading.told}", situation))
    else:
        say(dispatcher, variant("utter_retold", situation))
    if reading.question and reading.question != "ask_should_pay":
        answer(dispatcher, reading.question, situation, context.platform, context.text)
    if "age" in reading.news and state.step not in (None, AGE_QUESTION):
        return RETOLD, show_overview(dispatcher, situation, state.step)
    if "shared" in reading.news and state.step in steps_for(situation) and state.step != "removal":
        # Already posted: the take-down step matters most, so it comes now; "next" then carries on from
        # where they were.
        dispatcher.utter_message(text=step_text("removal", situation, context.platform))
    return RETOLD, _after_news(dispatcher, situation, state)


def on_age(dispatcher: CollectingDispatcher, reading: Reading, state: State, context: Context) -> Tuple[str, Events]:
    situation = reading.situation
    events: Events = []
    if reading.act == AGE_SKIPPED or situation.age_group in (None, UNKNOWN):
        situation = situation.but(age_group=UNKNOWN)
        events.append(SlotSet("age_group", UNKNOWN))
        say(dispatcher, "utter_age_skipped")
    else:
        # "Here's your plan" only once there is a story to plan for.
        say(dispatcher, variant("utter_age_thanks", situation) if situation.known else "utter_age_noted")
    if not situation.known:
        say(dispatcher, "utter_ask_situation")
        return AGE_ANSWER, events + [SlotSet("plan_step", None)]
    step = state.step if state.step not in (AGE_QUESTION,) else None
    return AGE_ANSWER, events + show_overview(dispatcher, situation, step)


def on_age_why(dispatcher: CollectingDispatcher, reading: Reading, state: State, context: Context) -> Tuple[str, Events]:
    say(dispatcher, variant("utter_age_why", reading.situation), buttons=render("utter_age_buttons")["buttons"])
    return AGE_WHY, []


def on_question(dispatcher: CollectingDispatcher, reading: Reading, state: State, context: Context) -> Tuple[str, Events]:
    assert reading.question
    answer(dispatcher, reading.question, reading.situation, context.platform, context.text)
    if "paid" in reading.news and reading.situation.known and reading.question != "ask_bank":
        # "Student paid £120 via PayPal. Do we refer to CEOP?": the answer, and the bank step it adds.
        say(dispatcher, variant("utter_paid_too", reading.situation))
    if not reading.situation.known:
        say(dispatcher, "utter_ask_situation")
        return QUESTION, []
    if "age" in reading.news and state.step not in (None, AGE_QUESTION) and reading.situation.age_group in (UNDER_18, ADULT):
        # "i'm 20. should i go to hr or the police?": the answer, then the plan as it is for that age.
        return QUESTION, show_overview(dispatcher, reading.situation, state.step)
    return QUESTION, _after_news(dispatcher, reading.situation, state)


def on_next(dispatcher: CollectingDispatcher, reading: Reading, state: State, context: Context) -> Tuple[str, Events]:
    situation = reading.situation
    if not situation.known:
        say(dispatcher, "utter_ask_situation")
        return NEXT, []
    if state.last_reply in SAFETY_REPLIES and state.step in steps_for(situation):
        # "Yes, let's carry on" after the crisis or danger reply: back to the step they were on.
        return f"step:{state.step}", show_step(dispatcher, state.step, situation, context.platform)
    if state.step == AGE_QUESTION and state.last_reply in SAFETY_REPLIES:
        return NEXT, _after_news(dispatcher, situation, state)
    if state.step in (None, AGE_QUESTION):
        if state.step == AGE_QUESTION:
            # Moving on without answering is fine, and not a refusal: the plan names no service for one age
            # only, and each line says how to get the right one, so an age told later still counts.
            return NEXT, show_overview(dispatcher, situation, None)
        return NEXT, _after_news(dispatcher, situation, state)
    if state.step == SUMMARY:
        say(dispatcher, "utter_plan_finished")
        return NEXT, []
    steps = steps_for(situation)
    if reading.steps_done >= len(steps):
        say(dispatcher, "utter_plan_finished")
        return NEXT, []
    upcoming = steps[reading.steps_done] if reading.steps_done else next_step(situation, state.step)
    return f"step:{upcoming}", show_step(dispatcher, upcoming, situation, context.platform)


def on_repeat(dispatcher: CollectingDispatcher, reading: Reading, state: State, context: Context) -> Tuple[str, Events]:
    situation = reading.situation
    step = state.step
    if not situation.known:
        say(dispatcher, "utter_ask_situation")
        return REPEAT, []
    if step not in steps_for(situation) or state.last_reply == f"repeat:{step}":
        # Not on a step, or asked twice running for the same one: show every step, so nobody is stuck.
        return OVERVIEW_ACT, show_overview(dispatcher, situation, step)
    return f"repeat:{step}", show_step(dispatcher, step, situation, context.platform)


def on_overview(dispatcher: CollectingDispatcher, reading: Reading, state: State, context: Context) -> Tuple[str, Events]:
    if not reading.situation.known:
        say(dispatcher, "utter_ask_situation")
        return OVERVIEW_ACT, []
    step = state.step if state.step != AGE_QUESTION else None
    return OVERVIEW_ACT, show_overview(dispatcher, reading.situation, step)


def _in_crisis(situation: Situation, text: str) -> Situation:
    """Whose crisis the reply speaks to: a helper who says they themselves can't go on is answered as
    the one in crisis (a parent or teacher as an adult), not asked to look after someone else."""
    if not situation.is_helper or not safety_cues.WRITER_IN_CRISIS.search(text) or safety_cues.SOMEONE_ELSE_IN_CRISIS.search(text):
        return situation
    grown_up = situation.audience in (PARENT, TEACHER, OTHER_HELPER)
    return situation.but(is_helper=False, role=None, age_group=ADULT if grown_up else None, pictured_under18=False)


def on_crisis(dispatcher: CollectingDispatcher, reading: Reading, state: State, context: Context) -> Tuple[str, Events]:
    situation = reading.situation
    speaking_to = _in_crisis(situation, context.text)
    if reading.question == "reaching_out":
        say(dispatcher, variant("utter_crisis_reaching_out", speaking_to))
        return CRISIS_AGAIN, []
    if reading.question == "again":
        say(dispatcher, variant("utter_crisis_again", speaking_to))
        told_now = _story_first_told(dispatcher, reading, state)
        if state.last_reply == CRISIS_AGAIN and situation.known and "age" in reading.news and not told_now:
            # "I'm 40. Two kids.": the support again, then the plan for that age, for when they are ready.
            return CRISIS_AGAIN, show_overview(dispatcher, situation, state.step)
        if state.last_reply == CRISIS_AGAIN and situation.known and not told_now and state.step in (None, AGE_QUESTION) \
                and not situation.harm_done:
            # Still in crisis a third time running: the same support again, and this time the whole plan too,
            # so the way out of the blackmail is there for when they are ready.
            return CRISIS_AGAIN, show_overview(dispatcher, situation.but(age_group=situation.age_group or UNKNOWN), None)
        return CRISIS_AGAIN, []
    return CRISIS, _safety_first(dispatcher, reading, state, variant("utter_crisis", speaking_to), "utter_crisis_continue")


def on_danger(dispatcher: CollectingDispatcher, reading: Reading, state: State, context: Context) -> Tuple[str, Events]:
    if reading.question == "again":
        say(dispatcher, "utter_danger_again")
        return DANGER_AGAIN, []
    if reading.question == "still":
        say(dispatcher, "utter_danger_still")
        return DANGER_AGAIN, []
    return DANGER, _safety_first(dispatcher, reading, state, "utter_danger", "utter_danger_continue")


def _safety_first(dispatcher: CollectingDispatcher, reading: Reading, state: State, first: str, then: str) -> Events:
    """The crisis or danger reply itself, then what else the message said, kept short: a blackmail story
    not heard before gets the two most important lines; a question gets its answer."""
    say(dispatcher, first)
    if not _story_first_told(dispatcher, reading, state) and reading.question:
        answer(dispatcher, reading.question, reading.situation)
    say(dispatcher, then)
    return []


def _story_first_told(dispatcher: CollectingDispatcher, reading: Reading, state: State) -> bool:
    """A blackmail story told for the first time alongside (or while still in) a crisis or danger: its two
    most important lines now, kept short. Whether it said them."""
    if reading.told and not state.situation.known:
        say(dispatcher, "utter_crisis_urgent")
        return True
    return False


def on_human(dispatcher: CollectingDispatcher, reading: Reading, state: State, context: Context) -> Tuple[str, Events]:
    situation = reading.situation
    services = support_services(situation)
    if cues.CHILDLINE_AT_18.search(context.text) and not situation.is_helper:
        # "can i still ring childline at 18": yes, it is for under-19s, whatever the plan's age group says.
        say(dispatcher, "utter_childline_under_19")
        services = ["childline"] + [s for s in services if s != "childline"]
    else:
        say(dispatcher, variant("utter_answer_ask_human", situation))
    dispatcher.utter_message(text="\n".join(service_lines(services, now=now())))
    say(dispatcher, "utter_human_footer")
    return HUMAN, _back_to_plan(dispatcher, situation, state)


def on_greet(dispatcher: CollectingDispatcher, reading: Reading, state: State, context: Context) -> Tuple[str, Events]:
    if not reading.situation.known:
        say(dispatcher, "utter_greet")
        return GREET, []
    say(dispatcher, "utter_greet_again")
    return GREET, _after_news(dispatcher, reading.situation, state)


def _simple(
    name: str, act: str, carry_on: bool = False, ask_story: bool = False, leaving: bool = False
) -> Callable[..., Tuple[str, Events]]:
    """One response; `carry_on`: then the way back into the plan; `ask_story`: before any story, ask for it;
    `leaving`: someone who goes before seeing the plan leaves with it."""
    def handler(dispatcher: CollectingDispatcher, reading: Reading, state: State, context: Context) -> Tuple[str, Events]:
        say(dispatcher, variant(name, reading.situation))
        if leaving and reading.situation.known and state.step in (None, AGE_QUESTION):
            return act, show_overview(dispatcher, reading.situation, None)
        if carry_on and reading.situation.known:
            return act, _back_to_plan(dispatcher, reading.situation, state)
        if ask_story and not reading.situation.known:
            say(dispatcher, "utter_ask_situation")
        return act, []
    return handler


def on_bot(dispatcher: CollectingDispatcher, reading: Reading, state: State, context: Context) -> Tuple[str, Events]:
    channel = context.channel if f"utter_privacy_{context.channel}" in responses() else "web"
    say(dispatcher, "utter_answer_bot_challenge")
    say(dispatcher, f"utter_privacy_{channel}")
    return BOT, _back_to_plan(dispatcher, reading.situation, state)


def on_not_understood(dispatcher: CollectingDispatcher, reading: Reading, state: State, context: Context) -> Tuple[str, Events]:
    if state.last_reply == NOT_UNDERSTOOD:
        say(dispatcher, variant("utter_fallback_options", reading.situation))
        return NOT_UNDERSTOOD, []
    if reading.situation.known and state.step not in (None, AGE_QUESTION):
        say(dispatcher, "utter_fallback_in_plan")
        return NOT_UNDERSTOOD, []
    if state.step == AGE_QUESTION:
        say(dispatcher, "utter_fallback_first", buttons=render("utter_age_buttons")["buttons"])
        return NOT_UNDERSTOOD, []
    if "country" in reading.news and not reading.situation.known:
        # "I'm in Texas, does this work for me?": answered by the line on where they are; now the story.
        say(dispatcher, "utter_ask_situation")
        return OPENING, []
    say(dispatcher, "utter_fallback_first")
    return NOT_UNDERSTOOD, []


def on_deny(dispatcher: CollectingDispatcher, reading: Reading, state: State, context: Context) -> Tuple[str, Events]:
    say(dispatcher, "utter_deny")
    return DENY, []


Handler = Callable[[CollectingDispatcher, Reading, State, Context], Tuple[str, Events]]

HANDLERS: Dict[str, Handler] = {
    CRISIS: on_crisis,
    DANGER: on_danger,
    SITUATION: on_situation,
    RETOLD: on_retold,
    AGE_ANSWER: on_age,
    AGE_SKIPPED: on_age,
    AGE_WHY: on_age_why,
    QUESTION: on_question,
    NEXT: on_next,
    REPEAT: on_repeat,
    OVERVIEW_ACT: on_overview,
    HUMAN: on_human,
    GREET: on_greet,
    OPENING: _simple("utter_opening", OPENING),
    GOODBYE: _simple("utter_goodbye", GOODBYE, leaving=True),
    THANKS: _simple("utter_answer_thanks", THANKS, carry_on=True, leaving=True),
    DENY: on_deny,
    BOT: on_bot,
    OUT_OF_SCOPE: _simple("utter_answer_out_of_scope", OUT_OF_SCOPE, carry_on=True, ask_story=True),
    NOT_UNDERSTOOD: on_not_understood,
}


def reply(dispatcher: CollectingDispatcher, reading: Reading, state: State, context: Context) -> Tuple[str, Events]:
    if reading.act not in (CRISIS, DANGER, SITUATION):
        _situation_lines(dispatcher, reading)
    return HANDLERS[reading.act](dispatcher, reading, state, context)
