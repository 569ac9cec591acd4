"""The first reply to any described blackmail says don't pay and don't delete, then asks the age."""
import pytest

from actions.plan import SITUATION_BY_INTENT
from actions.situation import ActionSituation
from tests.actions.helpers import payloads, run, texts, tracker

SITUATIONS = sorted(SITUATION_BY_INTENT)


@pytest.mark.parametrize("intent", SITUATIONS)
async def test_first_reply_says_dont_pay_and_dont_delete(intent):
    messages, _ = await run(ActionSituation(), tracker(intent, "they have a video of me"))
    first = messages[0]["text"].lower()
    assert "don't pay" in first
    assert "don't delete" in first


@pytest.mark.parametrize("intent", sorted(set(SITUATIONS) - {"email_scam"}))
async def test_asks_age_with_three_buttons_when_age_unknown(intent):
    messages, slots = await run(ActionSituation(), tracker(intent, "help"))
    assert slots["plan_step"] == "age"
    assert payloads(messages) == [
        '/tell_age{"age_group":"under18"}', '/tell_age{"age_group":"adult"}', "/prefer_not_say"
    ]


async def test_age_in_the_first_message_skips_the_question():
    t = tracker("blackmail_money", "im 15 and he wants £50", entities=[{"entity": "age", "value": "im 15"}])
    messages, slots = await run(ActionSituation(), t)
    assert slots["age_group"] == "under18"
    assert slots["plan_step"] == "evidence"
    assert "Step 1 of 5" in texts(messages)


async def test_email_scam_starts_its_own_short_plan_without_asking_age():
    messages, slots = await run(ActionSituation(), tracker("email_scam", "email says they hacked my webcam"))
    assert slots["plan_step"] == "secure_accounts"
    assert "Step 1 of 3" in texts(messages)
    assert "bluff" in texts(messages)


async def test_already_paid_sets_the_bank_step():
    _, slots = await run(ActionSituation(), tracker("already_paid", "i sent him 100"))
    assert slots["has_paid"] is True


async def test_helper_who_says_the_child_paid_keeps_helper_and_paid():
    ranking = [{"name": "helper", "confidence": 1.0}, {"name": "already_paid", "confidence": 0.6}]
    messages, slots = await run(ActionSituation(), tracker("helper", "my son paid them", ranking=ranking))
    assert slots["is_helper"] is True and slots["has_paid"] is True
    assert "How old is the person" in texts(messages)
    assert "never forward" in texts(messages).lower()


async def test_a_new_situation_mid_plan_resumes_the_plan():
    slots = {"situation": "money", "age_group": "adult", "plan_step": "police"}
    messages, set_slots = await run(ActionSituation(), tracker("already_paid", "i paid", slots=slots))
    assert "Don't pay any more" in texts(messages)
    assert "Back to your plan: step 4 of 6" in texts(messages)
    assert set_slots["has_paid"] is True
