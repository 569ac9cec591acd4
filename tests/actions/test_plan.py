"""Moving through the plan: order of steps, age variants, resuming after interruptions."""
import pytest

from actions.plan_actions import ActionPlanContinue, ActionPlanNext, ActionRepeatStep, ActionSetAge
from tests.actions.helpers import payloads, run, step_through, texts, tracker

FULL = ["evidence", "block_report", "police", "removal", "support", "summary"]


async def test_under_18_plan_runs_in_order_to_the_summary():
    assert await step_through(ActionPlanNext(), {"situation": "money", "age_group": "under18"}, 6) == FULL


async def test_paid_plan_has_the_bank_step_after_evidence():
    seen = await step_through(ActionPlanNext(), {"situation": "paid", "has_paid": True, "age_group": "adult"}, 3)
    assert seen == ["evidence", "bank", "block_report"]


async def test_scam_plan_is_short():
    seen = await step_through(ActionPlanNext(), {"situation": "email_scam"}, 4)
    assert seen == ["secure_accounts", "report_scam", "support", "summary"]


@pytest.mark.parametrize(
    "age_group, present, absent",
    [
        ("under18", ["CEOP", "ceop.police.uk", "adult you trust"], []),
        ("adult", ["101", "your local police force"], ["CEOP"]),
        ("unknown", ["101", "CEOP"], []),
    ],
)
async def test_police_step_depends_on_age(age_group, present, absent):
    slots = {"situation": "money", "age_group": age_group, "plan_step": "block_report"}
    messages, _ = await run(ActionPlanNext(), tracker("next_step", "next", slots=slots))
    text = texts(messages)
    assert "Step 3 of 5: Tell the police" in text
    assert all(p in text for p in present) and not any(a in text for a in absent)


@pytest.mark.parametrize(
    "age_group, present, absent",
    [
        ("under18", ["childline.org.uk/remove", "takeitdown.ncmec.org"], ["stopncii"]),
        ("adult", ["stopncii.org", "0345 6000 459"], ["childline.org.uk/remove"]),
        ("unknown", ["takeitdown.ncmec.org", "stopncii.org"], []),
    ],
)
async def test_removal_step_routes_by_age(age_group, present, absent):
    slots = {"situation": "money", "age_group": age_group, "plan_step": "police"}
    messages, _ = await run(ActionPlanNext(), tracker("next_step", "next", slots=slots))
    text = texts(messages)
    assert all(p in text for p in present) and not any(a in text for a in absent)


async def test_support_for_adults_leaves_out_childline():
    slots = {"situation": "money", "age_group": "adult", "plan_step": "removal"}
    messages, _ = await run(ActionPlanNext(), tracker("next_step", "next", slots=slots))
    assert "116 123" in texts(messages) and "Childline" not in texts(messages)


async def test_known_platform_gets_its_own_steps():
    slots = {"situation": "money", "age_group": "under18", "plan_step": "evidence", "platform": "snap"}
    messages, _ = await run(ActionPlanNext(), tracker("next_step", "next", slots=slots))
    assert "On Snapchat:" in texts(messages)


async def test_helper_sees_helper_wording():
    slots = {"situation": "helper", "is_helper": True, "age_group": "under18", "plan_step": "block_report"}
    messages, _ = await run(ActionPlanNext(), tracker("next_step", "next", slots=slots))
    assert "Report it together" in texts(messages)


async def test_summary_lists_every_step_once():
    slots = {"situation": "money", "age_group": "under18", "plan_step": "support"}
    messages, set_slots = await run(ActionPlanNext(), tracker("next_step", "next", slots=slots))
    assert set_slots["plan_step"] == "summary"
    assert texts(messages).count("✓") == 5


async def test_yes_after_an_interruption_shows_the_current_step_again():
    slots = {"situation": "money", "age_group": "under18", "plan_step": "police"}
    t = tracker("affirm", "yes", slots=slots, previous_action="action_crisis")
    messages, set_slots = await run(ActionPlanContinue(), t)
    assert set_slots["plan_step"] == "police" and "Tell the police" in texts(messages)


async def test_yes_without_an_interruption_moves_on():
    slots = {"situation": "money", "age_group": "under18", "plan_step": "police"}
    t = tracker("affirm", "ok", slots=slots, previous_action="action_plan_next")
    _, set_slots = await run(ActionPlanContinue(), t)
    assert set_slots["plan_step"] == "removal"


async def test_next_in_the_age_question_carries_on_without_an_age():
    slots = {"situation": "money", "plan_step": "age"}
    messages, set_slots = await run(ActionPlanNext(), tracker("next_step", "next", slots=slots))
    assert set_slots["age_group"] == "unknown" and set_slots["plan_step"] == "evidence"


@pytest.mark.parametrize(
    "text, entities, expected",
    [
        ("15", [], "under18"),
        ("im 16", [{"entity": "age", "value": "im 16"}], "under18"),
        ("/tell_age", [{"entity": "age_group", "value": "adult"}], "adult"),
        ("seventeen", [], "under18"),
        ("I'm 24", [], "adult"),
        ("over 18", [], "adult"),
        ("not telling", [], "unknown"),
    ],
)
async def test_age_answers(text, entities, expected):
    t = tracker("tell_age", text, slots={"situation": "money", "plan_step": "age"}, entities=entities)
    _, set_slots = await run(ActionSetAge(), t)
    assert set_slots["age_group"] == expected


async def test_rather_not_say_starts_the_plan_for_all_ages():
    t = tracker("prefer_not_say", "rather not say", slots={"situation": "money", "plan_step": "age"})
    messages, set_slots = await run(ActionSetAge(), t)
    assert set_slots["age_group"] == "unknown" and set_slots["plan_step"] == "evidence"
    assert "options for all ages" in texts(messages)


async def test_age_before_any_story_asks_what_is_happening():
    messages, _ = await run(ActionSetAge(), tracker("tell_age", "15"))
    assert "what's happening" in texts(messages).lower()


async def test_repeat_in_the_age_question_asks_again():
    messages, _ = await run(ActionRepeatStep(), tracker("repeat_step", "what", slots={"situation": "money", "plan_step": "age"}))
    assert "/prefer_not_say" in payloads(messages)
