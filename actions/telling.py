"""What a message tells about the situation, whatever it asks: payments, sharing, ages, who is speaking,
the kind of story, and the classifier's guesses checked against the words.

Pure functions over the parse and what was known, used by `actions/reading.py`'s `interpret`.
"""
from __future__ import annotations

from typing import List, Optional, Tuple

from actions import cues, money_cues
from actions.age import ADULT, UNDER_18, UNKNOWN, read_age, states_own_age
from actions.catalogue import catalogue
from actions.cues import payment_told, sharing_told, story_in_words
from actions.parse import Parse
from actions.plan import (
    AGE_QUESTION,
    EMAIL_SCAM,
    FRIEND,
    HELPER,
    OTHER_HELPER,
    PAID,
    PARENT,
    SHARED,
    SITUATION_BY_INTENT,
    TEACHER,
    Situation,
)
from actions.roles import role_told

SITUATION_INTENTS = frozenset(SITUATION_BY_INTENT) - {"helper"}
QUESTION_INTENTS = frozenset(catalogue().questions)
# What "im going to try sleep and do this tomorrow" is taken for: it is leaving for now.
LEAVING_MISREAD = frozenset({"thanks", "affirm", "nlu_fallback", "next_step", "out_of_scope", "goodbye"} | SITUATION_BY_INTENT.keys())
# What a question about stopping pictures going up is taken for when it names no service.
PREVENTION_MISREAD = frozenset({"nlu_fallback", "ask_delete", "ask_search_removal", "out_of_scope", "ask_will_they_post", "next_step"})


def learn(known: Situation, step: Optional[str], parse: Parse, text: str) -> Tuple[Situation, List[str]]:
    """Fold what this message says into what we knew: helpers stay helpers, payments stay paid
    unless the person says otherwise, an age told in passing counts."""
    news: List[str] = []
    situation = known
    intent = parse.intent or ""
    if intent not in SITUATION_BY_INTENT and not known.known:
        # "...what do I do?" after a whole story: the story is what tells who is speaking.
        intent = parse.runner_up(SITUATION_INTENTS | {"helper"}) or story_in_words(text) or intent
        if intent == "helper" and not role_told(text):
            # A second guess of "helper" with nobody named ("now they say they'll show everyone") is the
            # writer's own story.
            intent = "blackmail_money"
    role = role_told(text)
    # A teacher's or grandparent's story often reads like the victim's own ("someone is threatening to
    # send a photo of her"): who is telling it decides, unless the message is about "me".
    # Words in quotes are someone else's: "he said 'my dad will kill me if he finds out, sir'".
    unquoted = cues.QUOTED.sub(" ", text)
    own_story = bool(cues.OWN_STORY.search(unquoted))
    if intent == "helper":
        # The classifier's "helper" for "guy says he hacked my snap and has my pics" is the writer's own story.
        # "my cousin (15)... someone has his pics. I sent them £60" is the cousin's story, paid by the writer.
        tells_for_someone = not own_story or (not cues.PLAINLY_MINE.search(text) and (
            role in (TEACHER, PARENT) or bool(cues.THIRD_PERSON_STORY.search(text))
        ))
    elif intent in SITUATION_BY_INTENT:
        tells_for_someone = not own_story and (
            role in (TEACHER, PARENT, OTHER_HELPER) or (role == FRIEND and bool(cues.THIRD_PERSON_STORY.search(text)))
        )
    else:
        tells_for_someone = False
    if tells_for_someone and role not in (PARENT, TEACHER) and cues.ITS_ME.search(text):
        # "asking for a friend. ok its me.": told as someone else's, then owned, in one message.
        tells_for_someone = False
    if tells_for_someone and not known.known:
        situation = situation.but(is_helper=True, kind=situation.kind or HELPER)
        news.append("helper")
    plainly_mine = bool(cues.PLAINLY_MINE.search(unquoted)) and not role and known.role not in (TEACHER, PARENT)
    if known.is_helper and (cues.ITS_ME.search(text) or plainly_mine):
        # "ok its me, there is no mate", or "he's blackmailing me" after an opening read as someone else's:
        # the same story, now the writer's own.
        situation = situation.but(is_helper=False, role=None, kind=known.kind if known.kind not in (None, HELPER) else "money")
        news.append("own_story")
    if situation.is_helper and role and situation.role in (None, OTHER_HELPER, FRIEND) and role != situation.role \
            and not (role == OTHER_HELPER and situation.role):
        situation = situation.but(role=role)
    if situation.is_helper and situation.role == TEACHER and cues.NO_SAFEGUARDING_LEAD.search(text):
        # "I'm not a teacher at a school so I don't have a safeguarding lead": an adult helping, on their own.
        situation = situation.but(role=OTHER_HELPER)
    answering = step == AGE_QUESTION or situation.age_group in (None, UNKNOWN)
    age = read_age(text, answering=answering, about_someone_else=situation.is_helper or bool(cues.PARENT_TAKING_OVER.search(text)))
    button_age = parse.entity("age_group")
    group = button_age or age.group
    if group and situation.age_group in (UNDER_18, ADULT) and not button_age \
            and step != AGE_QUESTION and len(text.split()) > 8 and (situation.is_helper or not states_own_age(text)):
        # "her boyfriend is 19" in a parent's later message is someone else's age, and "they say the girl
        # in the video was underage" is not the writer's: neither corrects the age already told.
        group = None
    if group and group != situation.age_group:
        situation = situation.but(age_group=group)
        news.append("age")
    if age.pictured_under18 and not situation.pictured_under18:
        situation = situation.but(pictured_under18=True)
        news.append("pictured_under18")
    if age.pictured_adult_too and situation.pictured_under18 and not situation.pictured_adult_too \
            and situation.age_group != UNDER_18:
        # Some pictures from before 18, some from after: both kinds of take-down service.
        situation = situation.but(pictured_adult_too=True)
        news.append("pictured_adult_too")
    country = next((key for key, pattern in cues.COUNTRIES if pattern.search(text)), None)
    if country and country != situation.country:
        situation = situation.but(country=country)
        news.append("country")
    if cues.OUTING.search(text) and not situation.fears_outing:
        situation = situation.but(fears_outing=True)
        news.append("outing")
    paid = payment_told(text)
    told = SITUATION_BY_INTENT.get(intent)
    if told == PAID and paid is False:
        told = None
    pressed = text.startswith("/")
    if paid is None and told == PAID and (pressed or cues.PAID_VERB.search(text)):
        paid = True
    situation = fold(situation, news, "has_paid", paid, "paid")
    if paid is False and situation.kind == PAID:
        situation = situation.but(kind="money")
    real_contact = cues.real_pictures(text) or (
        any("mail" not in p.lower() for p in parse.all_of("platform")) and bool(cues.IMAGE_CUE.search(text))
    )
    if situation.kind == EMAIL_SCAM and (told == SHARED or real_contact):
        # Money sent, or a real person with real pictures: more than a scam email.
        situation = situation.but(kind=PAID if situation.has_paid else "money")
    shared = sharing_told(text)
    if told == SHARED and shared is False:
        told = None
    if shared is None and told == SHARED and not cues.THREAT_ONLY.search(text):
        shared = True
    return fold(situation, news, "is_shared", shared, "shared"), news


def fold(situation: Situation, news: List[str], field: str, said: Optional[bool], name: str) -> Situation:
    """Record what a message said about paying or sharing: "paid" / "not_paid" news, and the flag set or,
    when the person says otherwise, cleared."""
    if said is None:
        return situation
    changed = getattr(situation, field) != said
    if changed or not said:
        # "not paid" is worth a word each time; "paid" only when it is new.
        news.append(name if said else f"not_{name}")
    return situation.but(**{field: said}) if changed else situation


def situation_kind(known: Situation, told: str) -> str:
    """The situation slot after this telling: a real threat is never replaced by the scam email, and a
    helper's story keeps the helper's plan."""
    if known.kind in (None, HELPER):
        return told
    if known.kind == EMAIL_SCAM and told in ("money", "images", "fake", "partner"):
        # The scam email stays a scam email until someone real is in the story (see _learn).
        return known.kind
    if told in (EMAIL_SCAM, HELPER, PAID, SHARED):
        return known.kind or told
    return told


def told_situation(parse: Parse, news: List[str], situation: Situation) -> Optional[str]:
    """The situation intent this message tells, with negations taken out ("I haven't paid a penny"), and
    a payment only where the message speaks of money."""
    intent = parse.intent or ""
    if intent == "already_paid" and ("not_paid" in news or not situation.has_paid):
        return "blackmail_money"
    if intent == "images_shared" and "not_shared" in news:
        return "blackmail_money"
    if intent in SITUATION_BY_INTENT:
        return intent
    return None


def checked(parse: Parse, text: str, after_crisis: bool = False) -> Parse:
    """The parse with guesses the words don't bear out replaced: only an offer to delete the pictures for
    money is the recovery scam, only a message about money asks about the bank, only pictures said to be
    unreal are fakes (each then the classifier's next guess), and a scam email has no one real in it."""
    intent = parse.intent
    if text.startswith("/"):
        # A button press says exactly what it means.
        return parse
    # "He hasn't paid. He was about to go to the bank": news about the money, not a question for the bank.
    not_paid_news = payment_told(text) is False and "?" not in text
    if cues.CHILDLINE_AT_18.search(text) and intent in QUESTION_INTENTS:
        # "can i still ring childline or am i too old": who they can talk to.
        return parse.read_as("ask_human")
    if intent in ("bot_challenge", "ask_how_report") and cues.REPORT_ANONYMOUS.search(text):
        # "is ceop anonymous": whether reporting tells anyone, not whether this is a person.
        return parse.read_as("ask_police_tell_parents")
    if money_cues.BANK_PLAINLY.search(text) and (intent in QUESTION_INTENTS or intent in ("next_step", "nlu_fallback")) \
            and not not_paid_news:
        return parse.read_as("ask_bank")
    if cues.PREVENT_POSTING.search(text) and (intent in PREVENTION_MISREAD or (intent == "ask_how_report" and "report" not in text)):
        return parse.read_as("ask_which_service")
    if (intent == "tell_age" and cues.ACCOUNT_SECURITY.search(text)) or (intent == "ask_bank" and money_cues.ACCOUNT_BACK.search(text)):
        return parse.read_as("ask_passwords")
    if cues.SLANG_OK.match(text):
        return Parse("affirm", parse.text, (("affirm", 1.0),), parse.entities)
    if cues.LEAVING.match(text) or (cues.LEAVING_FOR_NOW.search(text) and intent in LEAVING_MISREAD and not story_in_words(text)
                                    and not after_crisis):
        # (Straight after the crisis reply, "im going to sleep" is not a goodbye to be waved off.)
        return Parse("goodbye", parse.text, (("goodbye", 1.0),), parse.entities)
    if intent == "ask_human" and not cues.ASKS_FOR_A_PERSON.search(text):
        # "need help with smth" is an opening, not a request for a helpline.
        return parse.read_as("opening")
    if (intent == "ask_recovery_scam" and not (cues.RECOVERY_SERVICE.search(text) and money_cues.MONEY_ASKED.search(text))) or (
        # "no i didnt pay, i dont have a bank card" is news, not a question for the bank.
        intent == "ask_bank" and (not money_cues.BANK_WORDS.search(text) or not_paid_news
                                  or not (cues.ASKS.search(text) or money_cues.BANK_ASKED.search(text)))
    ) or (intent == "fake_images" and not cues.FAKE_CUE.search(text)) or (
        intent == "ask_which_service" and not cues.SERVICE_WORDS.search(text)
    ):
        rest = tuple(r for r in parse.ranking[1:] if r[0] not in ("crisis", "danger_now"))
        intent = next((name for name, _ in rest if name != "nlu_fallback"), "nlu_fallback")
        # The next guess is checked in its turn ("fake pictures", then "scam email", then a real threat).
        return checked(Parse(intent, parse.text, rest, parse.entities), text, after_crisis)
    if intent in ("already_paid", "blackmail_money", "images_shared", "helper") and cues.SCAM_EMAIL_TOLD.search(text) \
            and not cues.real_pictures(text):
        # "got one of those webcam emails and paid": the scam email, paid; its plan gains the bank step. A
        # helper's ("my dad got one of those emails") is the scam email too, told for someone else.
        return parse.read_as("email_scam")
    if intent == "email_scam" and (cues.OWN_CLOUD.search(text) or (
            (cues.REAL_CONTACT.search(text) or not cues.EMAIL_CUE.search(text)) and "email" not in text)):
        # A video call with someone met online is a real person with a real recording, not a mass email.
        told = "already_paid" if payment_told(text) else "blackmail_money"
        return parse.read_as(told)
    return parse
