"""The one action, turn by turn: what a person reads, and the slots it keeps (actions/turn.py, replies.py)."""
import datetime as dt

import pytest

from actions import replies
from actions.plan import SITUATION_BY_INTENT
from actions.turn import ActionRespond
from tests.actions.helpers import converse, payloads, run, step_through, texts, tracker

ACTION = ActionRespond()
AGE_BUTTONS = ['/tell_age{"age_group":"under18"}', '/tell_age{"age_group":"adult"}', "/prefer_not_say"]
IN_PLAN = {"situation": "money", "age_group": "adult", "plan_step": "police"}
CRISIS_NUMBERS = ["999", "116 123", "85258", "0800 1111", "0800 068 4141"]


async def respond(intent, text, **kwargs):
    return await run(ACTION, tracker(intent, text, **kwargs))


# --- the first reply ---------------------------------------------------------------------------------

@pytest.mark.parametrize("intent", sorted(SITUATION_BY_INTENT))
async def test_first_reply_says_dont_pay_and_dont_delete(intent):
    messages, _ = await respond(intent, "they have a video of me")
    first = messages[0]["text"].lower()
    assert "don't pay" in first and "don't delete" in first


@pytest.mark.parametrize("intent", sorted(set(SITUATION_BY_INTENT) - {"email_scam"}))
async def test_asks_age_with_three_buttons_when_age_unknown(intent):
    messages, slots = await respond(intent, f"/{intent}")
    assert slots["plan_step"] == "age" and payloads(messages)[-3:] == AGE_BUTTONS


async def test_every_urgent_reply_to_the_person_gives_a_crisis_line():
    for intent in sorted(set(SITUATION_BY_INTENT) - {"email_scam", "helper"}):
        messages, _ = await respond(intent, "they have a video of me")
        assert "116 123" in texts(messages), intent


async def test_age_in_the_first_message_goes_straight_to_the_whole_plan():
    messages, slots = await respond("blackmail_money", "im 15 and he wants £50 or he posts my pics")
    text = texts(messages)
    assert slots["age_group"] == "under18" and slots["plan_step"] == "overview"
    for expected in ("Save the evidence", "block them", "adult you trust", "CEOP", "Report Remove", "Childline"):
        assert expected in text
    assert "StopNCII" not in text


async def test_whole_plan_after_two_turns_for_an_adult():
    said = await converse(ACTION, [("blackmail_money", "she recorded our video call and wants £500"), ("tell_age", "24")])
    assert "StopNCII" in said[1] and "101" in said[1] and "CEOP" not in said[1] and "Childline" not in said[1]


async def test_email_scam_shows_its_short_plan_without_asking_age():
    messages, slots = await respond("email_scam", "email says they hacked my webcam")
    assert slots["plan_step"] == "overview" and "bluff" in texts(messages)
    assert "Report Fraud" in texts(messages) and "/prefer_not_say" not in payloads(messages)


async def test_already_paid_adds_the_bank_step():
    messages, slots = await respond("already_paid", "i sent him 100 quid on paypal")
    assert slots["has_paid"] is True and "bank" in texts(messages).lower()


async def test_money_demanded_but_not_paid_is_not_paid():
    messages, slots = await respond("already_paid", "I've not sent her a penny and I'm not going to")
    assert "has_paid" not in slots and "Paying is what lots of people do" not in texts(messages)


async def test_helper_whose_child_paid_keeps_helper_and_paid():
    ranking = [{"name": "helper", "confidence": 1.0}, {"name": "already_paid", "confidence": 0.6}]
    messages, slots = await respond("helper", "my son paid them £40", ranking=ranking)
    assert slots["is_helper"] is True and slots["has_paid"] is True and slots["helper_role"] == "parent"
    assert "How old is the person" in texts(messages) and "never forward" in texts(messages).lower()


async def test_teacher_gets_the_safeguarding_lead_first():
    said = await converse(ACTION, [("blackmail_images", "I'm a teacher. A pupil in my class is being threatened for more pictures"),
                                   ("tell_age", "she's 14")])
    assert "safeguarding lead" in said[0] and "Don't view, copy, print or share" in said[0]
    assert "1. Tell your designated safeguarding lead" in said[1]


async def test_how_to_report_on_a_named_app_gives_the_police_route_for_their_age():
    messages, _ = await respond("ask_how_report", "do i report on snapchat or the police", entities=[{"entity": "platform", "value": "snap"}],
                                slots={"situation": "money", "age_group": "under18"})
    said = texts(messages)
    assert "CEOP" in said and "On Snapchat" in said and "Tell me which app" not in said


async def test_helper_of_an_adult_gets_adult_services_and_their_choice():
    said = await converse(ACTION, [("helper", "my flatmate is being blackmailed with her nudes"), ("tell_age", "she's 20")])
    assert "StopNCII" in said[1] and "If they want to" in said[1]
    assert "Childline" not in said[1] and "CEOP" not in said[1]


async def test_school_staff_helping_a_student_of_18_are_not_sent_to_ceop_or_childline():
    said = await converse(ACTION, [("helper", "Head of sixth form here. A Year 13 student, she's 18, is being blackmailed"),
                                   ("next_step", "next"), ("ask_tell_adult", "She's asked me not to tell her parents. Do I have to?")])
    assert "safeguarding lead" in said[1] and "their choice" in said[1] and "their choice" in said[2]
    assert not any("CEOP" in text or "Childline" in text for text in said)


@pytest.mark.parametrize("text", ["I've failed him. I don't even want to be here anymore.",
                                  "I\u2019ve failed him. I don\u2019t even want to be here anymore."])
async def test_a_helper_who_says_they_cannot_go_on_is_answered_as_the_one_in_crisis(text):
    said = await converse(ACTION, [("helper", "My son is 15 and someone is blackmailing him on Instagram"), ("crisis", text)])
    assert "You matter" in said[1] and "116 123" in said[1] and "stay with them" not in said[1]


@pytest.mark.parametrize("text", ["he just told me he doesn't want to be here any more",
                                  "he just sent me a text saying 'i'm done, going to end it tonight'"])
async def test_a_helper_passing_on_the_young_persons_words_gets_the_helpers_crisis_reply(text):
    said = await converse(ACTION, [("helper", "My son is 15 and someone is blackmailing him on Instagram"), ("crisis", text)])
    assert "stay with them" in said[1]


@pytest.mark.parametrize("text, named, not_named", [("is report remove for me", "Report Remove", "StopNCII"),
                                                     ("should I use StopNCII?", "StopNCII", "Report Remove")])
async def test_a_service_asked_about_by_name_before_any_age_is_about_that_service(text, named, not_named):
    said = await converse(ACTION, [("blackmail_money", "someone has my pics and wants £100"), ("ask_which_service", text)])
    assert named in said[1] and not_named not in said[1]


async def test_a_scam_email_question_about_telling_someone_does_not_send_an_adult_to_childline():
    said = await converse(ACTION, [("email_scam", "email says they hacked my webcam and want bitcoin"),
                                   ("ask_tell_adult", "should I tell IT at work")])
    assert "Childline" not in said[1] and "IT team" in said[1]


async def test_moving_on_from_the_age_question_is_not_a_refusal():
    said = await converse(ACTION, [("blackmail_money", "someone has my pics and wants £150"), ("next_step", "what do i do first"),
                                   ("tell_age", "im 16")])
    assert "Save the evidence" in said[1] and "StopNCII" not in said[1] and "Report Remove" not in said[1]
    assert "Report Remove" in said[2] and "CEOP" in said[2] and "StopNCII" not in said[2]


async def test_a_relatives_scam_email_gets_the_scam_plan_in_a_helpers_words():
    text = "My dad (61) got one of those emails saying they've filmed him through his webcam. He's paid £700 in bitcoin"
    messages, slots = await respond("helper", text)
    said = texts(messages)
    assert slots["situation"] == "email_scam" and slots["is_helper"] is True
    assert "Report Fraud" in said and "bank" in said and "frighten people into paying" in said
    assert "scare you" not in said and "Childline" not in said


async def test_a_scam_email_paid_for_and_read_as_pictures_shared_is_the_scam_email():
    text = "I paid. I got one of those emails saying they'd recorded me on my webcam and bought £300 of bitcoin and sent it."
    messages, slots = await respond("images_shared", text)
    assert slots["situation"] == "email_scam" and slots["has_paid"] is True and "Report Fraud" in texts(messages)


async def test_declining_the_age_gives_a_plan_that_names_no_service_for_one_age_only():
    said = await converse(ACTION, [("blackmail_money", "someone has my pics and wants £150"),
                                   ("prefer_not_say", "rather not say"), ("next_step", "next"), ("tell_age", "fine im 15")])
    assert "you don't have to say" in said[1] and "Tell me your age" in said[1]
    assert not any(name in said[1] for name in ("CEOP", "Report Remove", "StopNCII", "Childline"))
    assert "CEOP" in said[3] and "Report Remove" in said[3] and "StopNCII" not in said[3]


@pytest.mark.parametrize("text", ["she's calling them now", "police are on the way. I'm driving over", "ok calling"])
async def test_help_on_its_way_after_the_danger_reply_stays_with_the_emergency(text):
    said = await converse(ACTION, [("danger_now", "my ex is outside my flat banging on the door"), ("goodbye", text)])
    assert "Until they arrive" in said[1] and "999" in said[1] and "Take care" not in said[1]


async def test_shared_first_reply_names_the_take_down_route():
    messages, _ = await respond("images_shared", "im 15 and theyve posted it on insta")
    assert "Report Remove" in texts(messages) and "Report each post" in texts(messages)


# --- the conversation goes on -------------------------------------------------------------------------

async def test_the_story_told_again_gets_a_line_not_the_urgent_block():
    slots = {"situation": "money", "age_group": "under18", "plan_step": "evidence"}
    messages, _ = await respond("blackmail_money", "its on snapchat and he wants 200", slots=slots)
    assert "Thanks for telling me more" in texts(messages) and "most important things right now" not in texts(messages)
    assert "say **next** for step 2" in texts(messages)


async def test_paying_told_mid_plan_adds_the_bank_step():
    slots = {"situation": "money", "age_group": "adult", "plan_step": "police"}
    messages, set_slots = await respond("already_paid", "i paid him 50 quid last week", slots=slots)
    assert "Don't pay any more" in texts(messages) and set_slots["has_paid"] is True


async def test_age_question_is_asked_at_most_twice():
    said = await converse(ACTION, [
        ("blackmail_money", "he wants money or he posts my pics"),
        ("ask_delete", "can i delete the chat"),
        ("ask_in_trouble", "will i get in trouble"),
    ])
    assert "are you under 18" in said[0] and "One quick thing" in said[1]
    assert "under 18" not in said[2].split("**Your plan**")[0].lower() or "**Your plan**" in said[2]
    assert "**Your plan**" in said[2]


@pytest.mark.parametrize("intent, text", [("affirm", "ok"), ("next_step", "what now?"), ("next_step", "and then?")])
async def test_acknowledgements_move_on(intent, text):
    slots = {"situation": "money", "age_group": "under18", "plan_step": "evidence"}
    _, set_slots = await respond(intent, text, slots=slots)
    assert set_slots["plan_step"] == "block_report"


async def test_show_plan_gives_the_overview_and_keeps_the_place():
    slots = {"situation": "money", "age_group": "under18", "plan_step": "police"}
    messages, set_slots = await respond("show_plan", "can you just give me the steps", slots=slots)
    assert "**Your plan**" in texts(messages) and set_slots["plan_step"] == "police"


async def test_the_same_step_is_not_shown_three_times_running():
    slots = {"situation": "money", "age_group": "under18", "plan_step": "police", "reply_kind": "repeat:police"}
    messages, _ = await respond("repeat_step", "say that again", slots=slots)
    assert "**Your plan**" in texts(messages)


async def test_under_18_plan_runs_in_order_to_the_end():
    seen = await step_through(ACTION, {"situation": "money", "age_group": "under18", "plan_step": "overview"}, 7)
    assert seen == ["evidence", "block_report", "trusted_adult", "police", "removal", "support", "summary"]


async def test_paid_plan_has_the_bank_step_after_evidence():
    seen = await step_through(ACTION, {"situation": "paid", "has_paid": True, "age_group": "adult", "plan_step": "overview"}, 3)
    assert seen == ["evidence", "bank", "block_report"]


async def test_shared_plan_puts_taking_it_down_early():
    seen = await step_through(ACTION, {"situation": "shared", "is_shared": True, "age_group": "adult", "plan_step": "overview"}, 2)
    assert seen == ["evidence", "removal"]


@pytest.mark.parametrize(
    "age_group, present, absent",
    [
        ("under18", ["CEOP", "isn't anonymous", "adult you trust"], ["StopNCII"]),
        ("adult", ["101", "your local police force"], ["CEOP"]),
        ("unknown", ["101", "CEOP"], []),
    ],
)
async def test_police_step_depends_on_age(age_group, present, absent):
    before = "trusted_adult" if age_group != "adult" else "block_report"
    messages, _ = await respond("next_step", "next", slots={"situation": "money", "age_group": age_group, "plan_step": before})
    text = texts(messages)
    assert "Tell the police" in text and all(p in text for p in present) and not any(a in text for a in absent)


@pytest.mark.parametrize(
    "slots, present, absent",
    [
        ({"age_group": "under18"}, ["childline.org.uk/remove", "takeitdown.ncmec.org", "Yoti", "can't stop private messages"], ["stopncii"]),
        ({"age_group": "adult"}, ["stopncii.org", "0345 6000 459", "not a free number"], ["childline.org.uk/remove"]),
        ({"age_group": "adult", "pictured_under18": True}, ["takeitdown.ncmec.org", "iwf.org.uk"], ["stopncii"]),
        ({"age_group": "unknown"}, ["takeitdown.ncmec.org", "stopncii.org"], []),
    ],
)
async def test_removal_step_routes_by_age_in_the_picture(slots, present, absent):
    messages, _ = await respond("next_step", "next", slots={"situation": "money", "plan_step": "police", **slots})
    text = texts(messages)
    assert all(p in text for p in present) and not any(a in text for a in absent)
    assert "blocked from being shared again" not in text and "never leaves" not in text


async def test_support_for_adults_leaves_out_childline():
    messages, _ = await respond("next_step", "next", slots={"situation": "money", "age_group": "adult", "plan_step": "removal"})
    assert "116 123" in texts(messages) and "Childline" not in texts(messages)


async def test_two_apps_named_get_both_sets_of_steps():
    slots = {"situation": "money", "age_group": "adult", "plan_step": "evidence"}
    t = tracker("next_step", "done, it was on insta then snap", slots=slots,
                entities=[{"entity": "platform", "value": "insta"}, {"entity": "platform", "value": "snap"}])
    messages, set_slots = await run(ACTION, t)
    assert "On Instagram:" in texts(messages) and "On Snapchat:" in texts(messages)
    assert set_slots["platform"] == "insta|snap"


# --- questions ----------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    "intent, expected",
    [
        ("ask_should_pay", "don't pay"), ("ask_delete", "deactivate"), ("ask_will_they_post", "can't promise"),
        ("ask_my_fault", "not your fault"), ("ask_bank", "blackmailed into paying"),
        ("ask_screenshot", "don't capture or keep the pictures"), ("ask_passwords", "two-step verification"),
        ("ask_new_account", "new accounts"), ("ask_which_service", "stopncii"),
        ("ask_search_removal", "remove information from google"), ("ask_recovery_scam", "very likely another scam"),
    ],
)
async def test_questions_are_answered_then_the_plan_resumes(intent, expected):
    # Questions about money, paid deletion or the take-down services are only taken as such when the words are.
    text = {"ask_bank": "can my bank help", "ask_recovery_scam": "a company wants £200 to delete them",
            "ask_which_service": "which one is for me"}.get(intent, "?")
    messages, _ = await respond(intent, text, slots=IN_PLAN)
    assert expected in texts(messages).lower()
    assert "say **next** for step 4 of 5" in texts(messages)


async def test_where_to_report_names_the_police_and_ceop():
    messages, _ = await respond("ask_how_report", "where do i report this?", slots={"situation": "money", "age_group": "under18", "plan_step": "evidence"})
    assert "CEOP" in texts(messages) and "The app" in texts(messages)


async def test_will_the_police_tell_my_parents_is_honest_for_under_18s():
    messages, _ = await respond("ask_police_tell_parents", "will the police tell my parents",
                                slots={"situation": "money", "age_group": "under18", "plan_step": "evidence"})
    assert "isn't anonymous" in texts(messages) and "may need to talk to other adults" in texts(messages)


async def test_will_the_police_tell_his_family_names_no_ceop_for_a_helper_of_an_adult():
    slots = {"situation": "helper", "is_helper": True, "helper_role": "friend", "age_group": "adult", "plan_step": "evidence"}
    messages, _ = await respond("ask_police_tell_parents", "will the police tell his wife", slots=slots)
    assert "CEOP" not in texts(messages) and "They're an adult" in texts(messages)


async def test_questions_have_helper_wording():
    slots = {"situation": "helper", "is_helper": True, "helper_role": "parent", "age_group": "under18", "plan_step": "evidence"}
    messages, _ = await respond("ask_tell_adult", "how do i talk to my son about this", slots=slots)
    assert "Don't take their phone away" in texts(messages)
    messages, _ = await respond("ask_in_trouble", "will he get in trouble", slots=slots)
    assert "Telling a parent" not in texts(messages) and "They're the victim" in texts(messages)


async def test_bank_question_without_money_words_is_not_a_bank_question():
    ranking = [{"name": "ask_bank", "confidence": 0.6}, {"name": "ask_how_report", "confidence": 0.3}]
    messages, _ = await respond("ask_bank", "I found the cybertip site. Is that the right one?", slots=IN_PLAN, ranking=ranking)
    assert "bank" not in texts(messages).lower()


async def test_question_before_any_story_asks_what_is_happening():
    messages, _ = await respond("ask_should_pay", "should i pay")
    assert "what's happening" in texts(messages).lower()


async def test_how_to_report_uses_the_platform_named():
    messages, slots = await respond("ask_how_report", "how do i report on tiktok", entities=[{"entity": "platform", "value": "tiktok"}])
    assert "On TikTok:" in texts(messages) and slots["platform"] == "tiktok"


@pytest.mark.parametrize(
    "when, open_now",
    [
        (dt.datetime(2026, 11, 30, 11, 0, tzinfo=dt.timezone.utc), True),  # Monday 11:00 London
        (dt.datetime(2026, 11, 30, 17, 0, tzinfo=dt.timezone.utc), False),  # Monday 17:00
        (dt.datetime(2026, 11, 29, 11, 0, tzinfo=dt.timezone.utc), False),  # Sunday
        (dt.datetime(2026, 12, 28, 11, 0, tzinfo=dt.timezone.utc), False),  # Boxing Day (substitute) bank holiday
    ],
)
async def test_people_to_talk_to_say_which_are_open(monkeypatch, when, open_now):
    monkeypatch.setattr(replies, "now", lambda: when)
    messages, _ = await respond("ask_human", "real person", slots={"age_group": "adult", "situation": "money"})
    line = next(line for line in texts(messages).splitlines() if "Revenge Porn Helpline" in line)
    assert ("Open now" in line) is open_now and "not a free number" in line


async def test_people_to_talk_to_for_a_helper_of_an_adult():
    slots = {"situation": "helper", "is_helper": True, "age_group": "adult"}
    messages, _ = await respond("ask_human", "who can he talk to", slots=slots)
    assert "Revenge Porn Helpline" in texts(messages) and "Childline" not in texts(messages)
    assert "Stop It Now" not in texts(messages)


# --- safety, small talk and not understanding ---------------------------------------------------------

@pytest.mark.parametrize("plan_step", [None, "age", "evidence", "police", "summary"])
async def test_crisis_reply_has_every_crisis_line_wherever_it_comes(plan_step):
    slots = {"situation": "money", "age_group": "under18", "plan_step": plan_step}
    messages, _ = await respond("crisis", "i want to die", slots=slots)
    assert all(number in messages[0]["text"] for number in CRISIS_NUMBERS)
    assert "/affirm" in payloads(messages)


async def test_crisis_with_blackmail_in_the_same_message_also_gives_the_urgent_advice():
    ranking = [{"name": "crisis", "confidence": 1.0}, {"name": "blackmail_money", "confidence": 0.7}]
    messages, slots = await respond("crisis", "he'll post it and i want to die", ranking=ranking)
    assert "don't pay" in texts(messages).lower() and "don't delete" in texts(messages).lower()
    assert slots["situation"] == "money"


async def test_crisis_alone_does_not_invent_a_situation():
    _, slots = await respond("crisis", "i want to die")
    assert "situation" not in slots and slots["reply_kind"] == "crisis"


async def test_crisis_about_someone_else_tells_the_helper_what_to_do():
    slots = {"situation": "helper", "is_helper": True, "age_group": "under18", "plan_step": "evidence"}
    messages, _ = await respond("crisis", "my son just said he wants to kill himself", slots=slots)
    assert "stay with them" in texts(messages) and all(n in texts(messages) for n in CRISIS_NUMBERS)


async def test_danger_gives_999_first_and_the_silent_solution():
    messages, _ = await respond("danger_now", "he is outside my house")
    assert messages[0]["text"].startswith("**If you're in danger right now, call 999.**")
    assert "press 55" in messages[0]["text"]


async def test_danger_still_going_on_gets_999_again_and_stay_locked_in():
    slots = {"situation": "money", "age_group": "adult", "plan_step": "evidence", "reply_kind": "danger"}
    messages, slots = await respond("affirm", "yes he's still out there", slots=slots)
    assert "Please call 999 now" in texts(messages) and "door locked" in texts(messages)
    assert slots["reply_kind"] == "danger_again"


@pytest.mark.parametrize("age_group, childline", [("under18", True), ("adult", False)])
async def test_saying_they_will_text_a_line_gets_every_crisis_line_again(age_group, childline):
    slots = {"situation": "money", "age_group": age_group, "plan_step": "evidence", "reply_kind": "crisis_again"}
    messages, slots = await respond("affirm", "fine i'll text shout", slots=slots)
    numbers = [n for n in CRISIS_NUMBERS if childline or n != "0800 1111"]
    assert "good step" in texts(messages) and all(n in texts(messages) for n in numbers)
    assert ("0800 1111" in texts(messages)) == childline and slots.get("plan_step", "evidence") == "evidence"


@pytest.mark.parametrize("channel, expected", [("rest", "Leave now"), ("socketio", "Leave now"),
                                               ("whatsapp", "stays in WhatsApp"), ("twilio", "text messages stay")])
async def test_privacy_line_is_honest_for_each_channel(channel, expected):
    messages, _ = await respond("bot_challenge", "are you a bot", channel=channel)
    assert expected in texts(messages) and "Nothing you type is saved" not in texts(messages)


async def test_fallback_asks_to_rephrase_then_offers_options():
    first, slots = await respond("nlu_fallback", "hmm")
    assert "say it another way" in texts(first)
    second, _ = await respond("nlu_fallback", "hmm", slots={"reply_kind": slots["reply_kind"]})
    assert "/ask_human" in payloads(second) and "116 123" in texts(second)


async def test_opening_without_a_story_waits_for_it():
    messages, slots = await respond("opening", "hey, this is awkward to say")
    assert "Take your time" in texts(messages) and "situation" not in slots and "don't pay" not in texts(messages).lower()


async def test_greeting_mid_plan_resumes():
    messages, _ = await respond("greet", "hi", slots=IN_PLAN)
    assert "say **next** for step 4" in texts(messages)


async def test_thanks_before_the_plan_leaves_with_the_whole_plan():
    messages, slots = await respond("thanks", "ok thanks", slots={"situation": "money", "plan_step": "age"})
    assert "all the steps at a glance" in texts(messages)
    assert slots["plan_step"] == "overview"


async def test_naming_the_app_later_is_more_of_the_story():
    messages, _ = await respond("out_of_scope", "tiktok. some lad called jay", slots=IN_PLAN,
                                entities=[{"entity": "platform", "value": "tiktok"}])
    assert "can only help" not in texts(messages)


async def test_asking_for_a_helplines_number_gets_the_people_to_talk_to():
    messages, _ = await respond("nlu_fallback", "whats samaritans number", slots=IN_PLAN)
    assert "116 123" in texts(messages)


async def test_a_paid_scam_email_keeps_the_scam_plan_with_the_bank_step():
    messages, slots = await respond(
        "already_paid", "I got one of those webcam emails last week and paid £200 in bitcoin, now another one came",
        ranking=[{"name": "already_paid", "confidence": 0.9}],
    )
    text = texts(messages)
    assert slots["situation"] == "email_scam" and "Don't pay again" in text
    assert "Tell your bank" in text or "bank" in text.lower()


def test_an_under_18s_scam_email_plan_has_a_trusted_adult_before_the_support_lines():
    from actions.plan import Situation, steps_for

    assert steps_for(Situation("email_scam", "under18")) == ["secure_accounts", "report_scam", "trusted_adult", "support"]
    assert steps_for(Situation("email_scam", "adult")) == ["secure_accounts", "report_scam", "support"]


async def test_still_in_crisis_a_third_time_running_gets_the_support_and_the_whole_plan():
    slots = {"situation": "money", "age_group": "under18", "plan_step": "age", "reply_kind": "crisis_again"}
    messages, set_slots = await respond("ask_human", "can i just text someone", slots=slots)
    said = texts(messages)
    assert "Samaritans" in said and "**Your plan**" in said and "CEOP" in said
    # The second time running, the support alone.
    slots["reply_kind"] = "crisis"
    messages, _ = await respond("ask_human", "can i just text someone", slots=slots)
    assert "Samaritans" in texts(messages) and "**Your plan**" not in texts(messages)


async def test_leaving_before_the_plan_was_shown_leaves_with_it():
    said = await converse(ACTION, [("blackmail_money", "someone wants 100 quid or theyll send my nudes to my mum"), ("goodbye", "nvm")])
    assert "Take care" in said[1] and "Report them on the app" in said[1]


async def test_steps_said_done_by_number_go_on_from_the_next_one():
    said = await converse(ACTION, [("blackmail_money", "someone wants 100 quid or theyll post my nudes. im 15"),
                                   ("nlu_fallback", "done 1 and 2")])
    assert "Step 3 of" in said[1]


async def test_outside_the_uk_the_plan_and_the_report_answer_name_where_they_live_not_ceop():
    said = await converse(ACTION, [("helper", "Hello, I'm in Ontario, Canada. My 14 year old son is being threatened over a photo"),
                                   ("ask_how_report", "Do I call 911 or is that overreacting?")])
    assert "Cybertip.ca" in said[0] and "Cybertip.ca" in said[1]
    assert "CEOP" not in said[0] and "CEOP" not in said[1]
    steps = await step_through(ACTION, {"situation": "money", "age_group": "under18", "country": "us", "plan_step": "trusted_adult"}, 1)
    assert steps == ["police"]


async def test_saying_only_where_they_are_is_answered_and_asks_what_is_happening():
    messages, _ = await respond("nlu_fallback", "hey i'm in texas does this work for people in the US")
    said = texts(messages)
    assert "FBI" in said and "what's happening" in said and "didn't quite understand" not in said


async def test_an_age_told_during_the_repeated_crisis_reply_brings_the_plan_for_that_age():
    messages, _ = await respond("tell_age", "I'm 40. Two kids.", slots={"situation": "money", "reply_kind": "crisis_again"})
    said = texts(messages)
    assert "116 123" in said and "StopNCII" in said and "CEOP" not in said


async def test_asking_how_to_report_before_any_age_names_no_route_for_one_age_only():
    messages, _ = await respond("ask_how_report", "how do i report this", slots={"situation": "money"})
    said = texts(messages)
    assert "101" in said and "CEOP" not in said and "If you're under 18, tell me" in said
    messages, _ = await respond("ask_how_report", "how do i report this", slots={"situation": "money", "age_group": "unknown"})
    assert "CEOP" in texts(messages)


async def test_an_age_told_with_a_question_after_the_plan_brings_the_plan_for_that_age():
    messages, _ = await respond("ask_how_report", "i'm 20. should i go to my manager or the police",
                                slots={"situation": "fake", "plan_step": "overview"})
    said = texts(messages)
    assert "101" in said and "StopNCII" in said


async def test_pictures_from_both_sides_of_18_get_both_kinds_of_take_down_service():
    said = await converse(ACTION, [("blackmail_money", "someones got pics of me, some are from when i was 16 and some are from this year. im 18 now"),
                                   ("ask_which_service", "so do i use two different things for the two sets of pics??")])
    for text in said:
        assert "Take It Down" in text and "StopNCII" in text
    said = await converse(ACTION, [("partner_threat", "my ex is threatening to send pics i sent him to my new boyfriend"),
                                   ("tell_age", "im 18 now but i was 17 when i sent them"),
                                   ("blackmail_money", "some are from after my birthday tho. so like a mix")])
    assert "StopNCII" not in said[1].split("Get pictures taken down")[1].split("\n")[0]
    assert "StopNCII" in said[2] and "Take It Down" in said[2]


async def test_after_taking_something_every_message_hears_999_until_help_is_on_its_way():
    said = await converse(ACTION, [("crisis", "i just took a load of my dads tablets coz of the guy with my pics"), ("affirm", "ok"), ("affirm", "ok"),
                                   ("nlu_fallback", "im scared"), ("next_step", "what do i do"),
                                   ("affirm", "ok my mum is taking me to a&e"), ("next_step", "next")])
    assert all("999" in text for text in said[:5]), said
    assert "Step 1" not in " ".join(said[:5]) and "taking what you said seriously" not in said[5] + said[6]


@pytest.mark.parametrize("text", ["i took an overdose last year when this happened before", "ive taken screenshots of everything",
                                  "my mum took my tablets off me"])
async def test_something_taken_in_the_past_or_not_a_medicine_is_not_an_emergency_now(text):
    said = await converse(ACTION, [("crisis", f"i want to die, he has my pics. {text}"), ("affirm", "ok"), ("affirm", "ok"),
                                   ("next_step", "next")])
    assert "taking what you said seriously" not in said[2] + said[3], said


async def test_a_payment_told_inside_a_question_adds_the_bank():
    said = await converse(ACTION, [("helper", "I'm the DSL. A Year 12 student (17) has disclosed sextortion"),
                                   ("ask_how_report", "Student paid £120 via PayPal before telling us. Do we refer to CEOP or the police?")])
    assert "CEOP" in said[1] and "bank or payment app" in said[1]


async def test_getting_a_hacked_account_back_is_not_a_bank_question():
    said = await converse(ACTION, [("blackmail_money", "my snap got hacked and theyre asking me to pay to get it back"),
                                   ("ask_bank", "and the account? can i get it back")])
    assert "bank" not in said[1].split("\n")[0].lower()


async def test_a_helper_who_says_its_them_gets_their_own_plan_at_a_glance():
    said = await converse(ACTION, [("helper", "asking for a mate, someone has his pics and wants money"), ("tell_age", "hes 15"),
                                   ("blackmail_money", "ok fine its me not my mate")])
    assert "Your plan" in said[2] and "adult you trust" in said[2]


async def test_leaving_before_the_plan_leaves_with_it():
    said = await converse(ACTION, [("blackmail_money", "guy on insta has my pics and wants 200"),
                                   ("thanks", "ok cheers im gonna get some sleep and sort it tomorrow")])
    assert "Your plan" in said[1] and "Take care" in said[1]


async def test_after_the_crisis_reply_putting_them_back_is_still_the_crisis():
    said = await converse(ACTION, [("crisis", "ive got all my tablets out on the bed, he has my pics"),
                                   ("affirm", "ok"), ("affirm", "ok im putting them back in the drawer")])
    assert "116 123" in said[2]


async def test_after_the_crisis_reply_walking_home_is_still_the_crisis():
    said = await converse(ACTION, [("crisis", "been stood on the bridge for ages, he has my pics"), ("affirm", "idk"),
                                   ("affirm", "ok im heading home now")])
    assert "116 123" in said[2] and "Step 1" not in said[2]


async def test_after_something_taken_the_carry_on_button_goes_on_and_later_messages_are_read_as_usual():
    said = await converse(ACTION, [("crisis", "i cut myself tonight because of him and the pics"), ("affirm", "ok"),
                                   ("affirm", "/affirm"), ("next_step", "what do i do next")])
    assert "call 999 now" in said[1] and "taking what you said seriously" not in said[3]


async def test_saying_it_was_taken_after_the_crisis_reply_and_not_help_refused_keeps_999():
    said = await converse(ACTION, [("crisis", "ive got my pills in front of me, he has my pics"), ("affirm", "i already took them"),
                                   ("affirm", "ok"), ("deny", "im not going to the hospital"), ("affirm", "ok")])
    assert all("999" in text for text in said[1:]), said


async def test_help_said_in_the_same_breath_as_something_taken_does_not_stick():
    said = await converse(ACTION, [("crisis", "my son has taken an overdose, we're at the hospital now"), ("thanks", "ok thank you"),
                                   ("ask_will_they_post", "will the pics still get posted?")])
    assert "call 999 now" not in said[2]
