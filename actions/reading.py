"""What a message means here: the parse (intent ranking, entities, text) read together with the
conversation so far (a pending age question, who it is happening to, the step, what was said before).

`interpret` is the one place that decides. It is pure: no Rasa objects, no replies, so every reading
can be tested on its own (tests/actions/test_reading.py), and `actions/turn.py` only carries it out.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Optional, Tuple

from actions import cues, safety_cues
from actions.age import ADULT, UNDER_18, UNKNOWN, read_age
from actions.cues import normalise, story_in_words
from actions.parse import Parse
from actions.plan import AGE_QUESTION, HELPER, PAID, PARENT, SITUATION_BY_INTENT, TEACHER, Situation
from actions.roles import role_told
from actions.telling import QUESTION_INTENTS as QUESTIONS, SITUATION_INTENTS, checked, learn, situation_kind, told_situation

# What the assistant will do with the message.
CRISIS = "crisis"
CRISIS_AGAIN = "crisis_again"  # the crisis reply a second time running
DANGER_AGAIN = "danger_again"  # the danger reply again: the danger still going on
DANGER = "danger"
SITUATION = "situation"  # a situation told for the first time: the urgent advice
RETOLD = "retold"  # more about a situation already known: a short acknowledgement
AGE_ANSWER = "age_answer"
AGE_SKIPPED = "age_skipped"
AGE_WHY = "age_why"
QUESTION = "question"
NEXT = "next"
REPEAT = "repeat"
OVERVIEW = "overview"
HUMAN = "human"
GREET = "greet"
OPENING = "opening"
GOODBYE = "goodbye"
THANKS = "thanks"
DENY = "deny"
BOT = "bot"
OUT_OF_SCOPE = "out_of_scope"
NOT_UNDERSTOOD = "not_understood"

# Ready to carry on after the crisis reply: these plainly; questions, and stories that are about the
# blackmail, when the classifier is sure. An age told meanwhile stays with the crisis ("im 14").
CLEARLY_MOVING_ON = frozenset({"affirm", "next_step", "thanks", "show_plan", "repeat_step", "ask_human", "greet", "goodbye"})
# Messages that ask for nothing new: right after a safety reply, they leave it standing (or, with the
# worry said to be over, let the conversation go on).
SAYS_NOTHING_NEW = frozenset({"affirm", "deny", "thanks", "nlu_fallback", "out_of_scope"})

# A retelling changes the kind of situation (to a partner's threat, fake pictures...) only when the
# classifier is this sure; otherwise it is more detail about the same story.
CHANGE_CONFIDENCE = 0.7
@dataclass(frozen=True)
class State:
    """The conversation so far, as the slots keep it."""

    situation: Situation
    step: Optional[str] = None
    last_reply: Optional[str] = None
    age_asked: int = 0  # how many times the age question has been asked


@dataclass(frozen=True)
class Reading:
    """What the message means: the act to carry out, and what we now know."""

    act: str
    situation: Situation
    told: Optional[str] = None  # the situation this message tells (SITUATION, RETOLD, crisis "also")
    question: Optional[str] = None
    news: Tuple[str, ...] = field(default=())  # what changed: paid, not_paid, shared, age, helper ...
    platforms: Tuple[str, ...] = ()  # apps named in this message
    steps_done: int = 0  # "done 1 and 2": the highest step of the plan at a glance said done


def _story_alongside(parse: Parse, text: str) -> Optional[str]:
    """The situation a crisis message (or one straight after the crisis reply) also tells, if any."""
    told = parse.intent if parse.intent in SITUATION_INTENTS else None
    return parse.runner_up(SITUATION_INTENTS) or told or story_in_words(text)


def interpret(parse: Parse, state: State) -> Reading:
    text = normalise(parse.text)
    parse = checked(parse, text, after_crisis=state.last_reply in (CRISIS, CRISIS_AGAIN))
    intent = parse.intent or "nlu_fallback"
    situation, news = learn(state.situation, state.step, parse, text)
    platforms = parse.all_of("platform")

    def reading(act: str, **kwargs: Any) -> Reading:
        return Reading(act, situation, news=tuple(news), platforms=platforms, **kwargs)

    if intent == "danger_now" and state.last_reply in (CRISIS, CRISIS_AGAIN):
        # "he's at his house, i'm 20 min away" straight after a crisis: still the crisis, and its reply
        # says 999 as well ("I'll ring my brother and head home" is reaching out).
        return reading(CRISIS, question="reaching_out" if safety_cues.REACHING_OUT.search(text) else "again")
    if intent == "danger_now" and state.last_reply in (DANGER, DANGER_AGAIN) and not text.startswith("/"):
        # "I'm in the bathroom with the door locked" straight after the danger reply: the same danger.
        return reading(DANGER, question="still")
    if intent in ("crisis", "danger_now"):
        # Safety first; a story told in the same breath is kept, so the plan can pick it up after.
        also = _story_alongside(parse, text)
        told = SITUATION_BY_INTENT[also] if also else None
        if told and not situation.known:
            situation = situation.but(kind=told)
        if intent == "crisis" and safety_cues.help_arranged(text):
            situation = situation.but(harm_done=False)
        elif intent == "crisis" and safety_cues.HARM_DONE.search(text):
            situation = situation.but(harm_done=True)
        return reading(CRISIS if intent == "crisis" else DANGER, told=told, question=parse.runner_up(QUESTIONS))
    if state.last_reply in (CRISIS, CRISIS_AGAIN) and safety_cues.TOOK_THEM.search(text):
        # "i already took them", straight after the crisis reply about pills in front of them.
        situation = situation.but(harm_done=True)
    if situation.harm_done:
        if safety_cues.help_arranged(text) or safety_cues.NOTHING_TAKEN.search(text) or text.startswith("/"):
            # Help on its way, nothing taken after all, or the button to carry on pressed after hearing 999.
            situation = situation.but(harm_done=False)
        elif safety_cues.REACHING_OUT.search(text):
            return reading(CRISIS, question="reaching_out")
        else:
            # Something taken or self-harm done, and no help said to be on its way: "ok", "im scared", "what
            # do i do" all hear "call 999 now" again before anything about the blackmail.
            return reading(CRISIS, question="again")

    # After the crisis reply only a clear step back to the blackmail leaves it ("idk", "not tonight", "like
    # 12" are still the crisis; an age told meanwhile is kept); once repeated, any step on counts.
    about_the_blackmail = bool(safety_cues.ABOUT_THE_BLACKMAIL.search(text))
    # "i feel really sleepy" taken for thanks is not a thank-you: agreeing needs a word that agrees.
    agrees = intent not in ("affirm", "thanks") or text.startswith("/") or bool(safety_cues.AGREES.search(text))
    moving_on = agrees and (intent in CLEARLY_MOVING_ON and parse.confidence >= 0.6) or (
        intent in QUESTIONS | SITUATION_INTENTS and parse.confidence >= 0.6 and about_the_blackmail
    ) or (state.last_reply == CRISIS_AGAIN and (
        (intent in CLEARLY_MOVING_ON and agrees) or (intent in QUESTIONS and parse.confidence >= 0.7)
        # "his mum is on nightshift", "my brother is here now": news about the crisis, not a new story.
        or (intent in SITUATION_BY_INTENT and parse.confidence >= 0.7 and about_the_blackmail)
        or (intent in QUESTIONS and parse.confidence >= 0.3 and about_the_blackmail)
    ))
    ready_to_go_on = bool(safety_cues.READY_TO_GO_ON.search(text))
    if safety_cues.CRISIS_EASED.search(text) and intent in SAYS_NOTHING_NEW:
        # "no hes ok hes come out now": the worry answered, so the conversation goes on.
        moving_on = True
    if state.last_reply in (CRISIS, CRISIS_AGAIN) and safety_cues.REACHING_OUT.search(text) and not ready_to_go_on:
        # "fine i'll text shout", "ok i'll ring samaritans": reaching out, said while still in crisis.
        return reading(CRISIS, question="reaching_out")
    if state.last_reply == CRISIS and intent in ("affirm", "thanks") and not text.startswith("/") \
            and not ready_to_go_on and not about_the_blackmail:
        # "ok", "fine i'll text shout" straight after the crisis reply: agreeing to reach out, not yet asking
        # for the plan. The support once more, with the way back to the plan; after that, "ok" goes on.
        moving_on = False
    if state.last_reply in (CRISIS, CRISIS_AGAIN) and (
        not moving_on or safety_cues.STILL_IN_CRISIS.search(text)
        or (intent == "ask_human" or (intent == "ask_tell_adult" and not situation.is_helper)) and not text.startswith("/")
    ):
        # "I don't want to ring anyone", "can I text somewhere?": who to talk to is the crisis reply itself.
        also = _story_alongside(parse, text)
        told = SITUATION_BY_INTENT[also] if also and not situation.known else None
        if told:
            situation = situation.but(kind=told)
        return reading(CRISIS, told=told, question="again")

    if "own_story" in news:
        # The helper was asking for themselves: the urgent advice in their own words, then their plan.
        return reading(SITUATION, told=situation.kind)

    in_danger = state.last_reply in (DANGER, DANGER_AGAIN)
    if in_danger and safety_cues.HELP_ON_ITS_WAY.search(text):
        # "police are on the way", "she's calling them now": still the emergency, told in a line.
        return reading(DANGER, question="again")
    if in_danger and not text.startswith("/") and not ready_to_go_on and (
            safety_cues.STILL_IN_DANGER.search(text) or (state.last_reply == DANGER and intent in SAYS_NOTHING_NEW)):
        # "I'm in the bathroom with the door locked", "yes he's still out there", or "ok" straight after the
        # danger reply: the danger goes on, so 999 again before anything else.
        return reading(DANGER, question="still")
    if in_danger and intent == "goodbye" and ready_to_go_on:
        # "he's gone now", "ok im safe now": the danger is over, and the plan goes on.
        intent = "affirm"

    if state.step == AGE_QUESTION and intent not in SITUATION_BY_INTENT:
        if "age" in news or intent == "tell_age" and situation.age_group:
            return reading(AGE_ANSWER)
        if cues.WHY.search(text) and state.last_reply != AGE_WHY:
            return reading(AGE_WHY)
        # "nah i aint paid" answers something else, not the age question.
        about_the_story = any(n in news for n in ("paid", "not_paid", "shared", "not_shared")) or bool(cues.NO_DEMAND.search(text))
        if (intent in ("prefer_not_say", "deny") or cues.REFUSES_AGE.search(text)) and not about_the_story:
            situation = situation.but(age_group=UNKNOWN)
            return reading(AGE_SKIPPED)

    told_intent = told_situation(parse, news, situation)
    if told_intent is None and intent in QUESTIONS and not state.situation.known:
        # "he says he'll post my pics if i dont pay, what do i do": a question and a story at once.
        told_intent = parse.runner_up(SITUATION_INTENTS)
        if told_intent == "already_paid" and "not_paid" in news:
            told_intent = "blackmail_money"
    if told_intent is None and not state.situation.known and not re.search(r"\b(we|us|our)\b", text) and (
        intent == "ask_should_pay" or (intent == "ask_how_report" and cues.BLACKMAILER.search(text))
    ) and not (cues.NAMED_OTHER.search(text) or role_told(text)):
        # "if i pay will they actually delete it", "how do i report this scammer": asked here, someone is
        # asking them for money.
        told_intent = "already_paid" if "paid" in news else "blackmail_money"
    if told_intent is None and not state.situation.known and intent != "prefer_not_say":
        # Whatever the classifier made of it, pictures and a threat in one message are a story.
        told_intent = story_in_words(text)
    if told_intent is not None:
        told = SITUATION_BY_INTENT[told_intent]
        if told == HELPER and not situation.is_helper:
            told = state.situation.kind or "money"
        if told == HELPER and state.situation.known and not state.situation.is_helper:
            # The victim doesn't become a helper because one message read that way.
            told = state.situation.kind or "money"
        if told == HELPER and not state.situation.known and not state.situation.is_helper \
                and state.situation.age_group in (UNDER_18, ADULT) and not cues.NAMED_OTHER.search(text) and not role_told(text):
            # "im 16, the pics are from when i was 15", then "someone on insta has them": the age was the
            # writer's own, and so is the story.
            told = SITUATION_BY_INTENT[story_in_words(text) or "blackmail_money"]
            situation = situation.but(kind=told, is_helper=False, role=None, age_group=state.situation.age_group)
            return reading(SITUATION, told=told)
        if told == HELPER and not (cues.OTHER_PERSON.search(text) or role_told(text) in (TEACHER, PARENT)) \
                and not state.situation.known and not text.startswith("/"):
            # "hey, this is awkward to say" is not yet anyone's story (a button press is), nor a helper's;
            # "I've been sextorted on Instagram", with nobody else in it, is the writer's own.
            own = story_in_words(text)
            # The age said is the writer's own too ("snapchat blackmail. 16. not paid").
            own_age = read_age(text, answering=state.situation.age_group in (None, UNKNOWN)).group
            if not own:
                # Nobody else in it yet: whatever was told is the writer's own ("a video from when I was 17",
                # "hi im 12 and someone from roblox is being mean to me").
                situation = state.situation.but(
                    pictured_under18=situation.pictured_under18, age_group=own_age or state.situation.age_group
                )
                return reading(OPENING)
            told = SITUATION_BY_INTENT[own]
            situation = situation.but(kind=told, is_helper=False, role=None, age_group=own_age)
            return reading(SITUATION, told=told)
        question = parse.intent if parse.intent in QUESTIONS else None
        if state.situation.known and told != state.situation.kind and (
            parse.confidence < CHANGE_CONFIDENCE or (told == "partner" and not cues.PARTNER_CUE.search(text))
        ):
            # "im dead if my mum sees this" read as a partner's threat: too unsure to change the story.
            told = state.situation.kind or told
        situation = situation.but(kind=situation_kind(situation, told))
        if state.situation.known:
            return reading(RETOLD, told=told, question=question)
        return reading(SITUATION, told=told, question=question)

    if not state.situation.known and any(n in news for n in ("paid", "not_paid")):
        # "no money sent", "no i mean i didnt pay" before any story: money is what they were asked for.
        told = PAID if "paid" in news else "money"
        situation = situation.but(kind=told)
        return reading(SITUATION, told=told)
    if intent in ("already_paid", "images_shared"):
        # Negated: "nothing paid so far", "no he hasn't posted it" — news for the plan, not a new story.
        return reading(RETOLD if state.situation.known else SITUATION, told=situation.kind or "money")
    if intent in QUESTIONS and "age" in news and situation.known and (len(text.split()) <= 8 or not cues.ASKS.search(text)) \
            and state.situation.age_group in (None, UNKNOWN):
        # "fine im 14. dont tell anyone", "He's fifteen, sorry, I should have said": the age asked for
        # earlier, now given, is what changes the plan.
        return reading(AGE_ANSWER)
    if intent in QUESTIONS:
        return reading(QUESTION, question=intent)
    if intent == "affirm" and state.situation.known and platforms and len(text.split()) > 2:
        # "snap yh. they got my login i think": a yes, and then more of the story.
        return reading(RETOLD, told=situation.kind)
    if intent in ("next_step", "show_plan", "repeat_step") and not state.situation.known \
            and state.last_reply not in (None, GREET):
        situation = situation.but(kind="money")
        return reading(SITUATION, told="money")
    if intent in ("next_step", "affirm", "show_plan", "repeat_step") and "age" in news and situation.known \
            and state.situation.age_group in (None, UNKNOWN):
        # "ok fine im 15. does that change stuff": the age asked for is what changes the plan.
        return reading(AGE_ANSWER)
    steps_done = cues.steps_said_done(text)
    if intent in ("next_step", "affirm") or (steps_done and situation.known):
        # "done 1 and 2": on from the step after the last one done.
        return reading(NEXT, steps_done=steps_done)
    if intent == "repeat_step":
        return reading(REPEAT)
    if intent == "show_plan":
        return reading(OVERVIEW)
    if intent == "tell_age":
        # An age said again ("she's 14" after "a year 9 pupil") is still an answer: the plan for that age.
        said_again = situation.age_group in (UNDER_18, ADULT) and situation.known \
            and read_age(text, answering=True, about_someone_else=situation.is_helper).group is not None
        told_age = "age" in news or said_again
        if not told_age and situation.known and cues.MONEY.search(text):
            # "he wants £120 by 9": numbers about the demand, not an age.
            return reading(RETOLD, told=situation.kind)
        asked = parse.runner_up(QUESTIONS) if "?" in text else None
        if asked:
            # The second guess is checked against the words like any other ("can i text 999?" is no bank question).
            asked = checked(Parse(asked, parse.text, ((asked, 1.0),), parse.entities), text).intent
            asked = asked if asked in QUESTIONS else None
        if not told_age and asked:
            # "Is it 101 then?": a number, and a question about it.
            return reading(QUESTION, question=asked)
        return reading(AGE_ANSWER) if told_age else reading(NOT_UNDERSTOOD)
    if state.situation.known and (any(n in news for n in ("paid", "not_paid", "shared", "not_shared", "pictured_under18", "pictured_adult_too"))
                                  or cues.NO_DEMAND.search(text)):
        # "nah i aint paid" read as a plain "no" or a refusal: it is news about the story.
        return reading(RETOLD, told=situation.kind)
    if intent == "prefer_not_say":
        # "does it matter?" after the age is known is not a refusal to give it, and before the question
        # was ever asked there is nothing to decline.
        if "age" in news and situation.known:
            # "He is sixteen, if that matters."
            return reading(AGE_ANSWER)
        if state.age_asked == 0 and state.step != AGE_QUESTION:
            return reading(OPENING if not state.situation.known else NOT_UNDERSTOOD)
        return reading(AGE_SKIPPED) if situation.age_group in (None, UNKNOWN) else reading(NOT_UNDERSTOOD)
    if "age" in news and situation.known:
        # "she's 14" typed as a reply to anything: an age, whatever the classifier thought.
        return reading(AGE_ANSWER)
    simple = {
        "ask_human": HUMAN, "greet": GREET, "opening": OPENING, "goodbye": GOODBYE, "thanks": THANKS,
        "deny": DENY, "bot_challenge": BOT, "out_of_scope": OUT_OF_SCOPE,
    }
    act = simple.get(intent, NOT_UNDERSTOOD)
    unsure_statement = (act == NOT_UNDERSTOOD or parse.confidence < 0.5) and len(text.split()) >= 4 \
        and not cues.ASKS.search(text)
    if act in (OUT_OF_SCOPE, NOT_UNDERSTOOD) and state.situation.known and (
        platforms or cues.MONEY.search(text) or unsure_statement
    ):
        # "snapchat. some girl called amelia", "Total is about £600", "my laptop doesn't even have a webcam":
        # more of the story, not off topic.
        return reading(RETOLD, told=situation.kind)
    if act == OUT_OF_SCOPE and not state.situation.known and platforms:
        # "snapchat, some girl that added me": the start of a story, not off topic.
        return reading(OPENING)
    if act in (OUT_OF_SCOPE, NOT_UNDERSTOOD) and cues.ASKS_FOR_A_LINE.search(text):
        # "what's the number for childline": the people to talk to.
        return reading(HUMAN)
    if act == OUT_OF_SCOPE and not state.situation.known and parse.confidence < 0.5:
        # "what's the quickest way to make this stop" before any story: not off topic, just not told yet.
        return reading(OPENING)
    return reading(act)
