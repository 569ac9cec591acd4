"""Questions, people to talk to (with opening hours), fallback, greeting and goodbye."""
import datetime as dt

import pytest

from actions import talk
from actions.questions import ActionAnswerQuestion
from actions.talk import ActionDeny, ActionFallback, ActionGreet, ActionHumanRoutes
from tests.actions.helpers import payloads, run, texts, tracker

IN_PLAN = {"situation": "money", "age_group": "adult", "plan_step": "police"}


@pytest.mark.parametrize(
    "intent, expected",
    [
        ("ask_should_pay", "don't pay"),
        ("ask_delete", "deactivate"),
        ("ask_will_they_post", "can't promise"),
        ("ask_my_fault", "not your fault"),
        ("bot_challenge", "automated helper"),
    ],
)
async def test_questions_are_answered_then_the_plan_resumes(intent, expected):
    messages, _ = await run(ActionAnswerQuestion(), tracker(intent, "?", slots=IN_PLAN))
    assert expected in texts(messages).lower()
    assert "Back to your plan: step 3 of 5" in texts(messages)


async def test_in_trouble_answer_for_under_18s_mentions_report_remove():
    slots = dict(IN_PLAN, age_group="under18")
    messages, _ = await run(ActionAnswerQuestion(), tracker("ask_in_trouble", "will i get arrested", slots=slots))
    assert "Report Remove" in texts(messages)


async def test_question_before_any_story_asks_what_is_happening():
    messages, _ = await run(ActionAnswerQuestion(), tracker("ask_should_pay", "should i pay"))
    assert "what's happening" in texts(messages).lower()


async def test_how_to_report_uses_the_platform_named():
    t = tracker("ask_how_report", "how do i report on tiktok", entities=[{"entity": "platform", "value": "tiktok"}])
    messages, slots = await run(ActionAnswerQuestion(), t)
    assert "On TikTok:" in texts(messages) and slots["platform"] == "tiktok"


async def test_how_to_report_on_an_app_we_have_no_steps_for_gives_general_steps():
    t = tracker("ask_how_report", "report on grindr", entities=[{"entity": "platform", "value": "grindr"}])
    messages, _ = await run(ActionAnswerQuestion(), t)
    assert "On Grindr: Look for Report" in texts(messages)


@pytest.mark.parametrize(
    "when, open_now",
    [
        (dt.datetime(2026, 11, 30, 11, 0, tzinfo=dt.timezone.utc), True),  # Monday 11:00 London
        (dt.datetime(2026, 11, 30, 17, 0, tzinfo=dt.timezone.utc), False),  # Monday 17:00
        (dt.datetime(2026, 11, 29, 11, 0, tzinfo=dt.timezone.utc), False),  # Sunday
        (dt.datetime(2026, 7, 6, 15, 30, tzinfo=dt.timezone.utc), False),  # Monday 16:30 BST
    ],
)
async def test_human_routes_say_which_are_open(monkeypatch, when, open_now):
    monkeypatch.setattr(talk, "now", lambda: when)
    messages, _ = await run(ActionHumanRoutes(), tracker("ask_human", "real person", slots={"age_group": "adult"}))
    line = next(line for line in texts(messages).splitlines() if "Revenge Porn Helpline" in line)
    assert ("Open now" in line) is open_now
    assert "Samaritans" in texts(messages) and "Open now" in next(
        line for line in texts(messages).splitlines() if "Samaritans" in line
    )


async def test_fallback_asks_to_rephrase_then_offers_options():
    first, _ = await run(ActionFallback(), tracker("nlu_fallback", "hmm"))
    assert "say it another way" in texts(first)
    second, _ = await run(ActionFallback(), tracker("nlu_fallback", "hmm", previous_action="action_fallback"))
    assert "/ask_human" in payloads(second) and "116 123" in texts(second)


async def test_no_in_the_age_question_asks_again():
    messages, _ = await run(ActionDeny(), tracker("deny", "no", slots={"situation": "money", "plan_step": "age"}))
    assert "/prefer_not_say" in payloads(messages)


async def test_greeting_mid_plan_resumes():
    messages, _ = await run(ActionGreet(), tracker("greet", "hi", slots=IN_PLAN))
    assert "Back to your plan" in texts(messages)
