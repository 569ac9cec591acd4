"""Crisis and danger replies, on any turn."""
import pytest

from actions.safety import ActionCrisis, ActionDanger
from tests.actions.helpers import payloads, run, texts, tracker

CRISIS_NUMBERS = ["999", "116 123", "85258", "0800 1111", "0800 068 4141"]


@pytest.mark.parametrize("plan_step", [None, "age", "evidence", "police", "summary"])
async def test_crisis_reply_has_every_crisis_line_wherever_it_comes(plan_step):
    slots = {"situation": "money", "age_group": "under18", "plan_step": plan_step}
    messages, _ = await run(ActionCrisis(), tracker("crisis", "i want to die", slots=slots))
    assert all(number in messages[0]["text"] for number in CRISIS_NUMBERS)
    assert "/affirm" in payloads(messages)


async def test_crisis_with_blackmail_in_the_same_message_also_gives_the_urgent_advice():
    ranking = [{"name": "crisis", "confidence": 1.0}, {"name": "blackmail_money", "confidence": 0.7}]
    messages, slots = await run(ActionCrisis(), tracker("crisis", "he'll post it and i want to die", ranking=ranking))
    assert "don't pay" in texts(messages).lower() and "don't delete" in texts(messages).lower()
    assert slots["situation"] == "money"


async def test_crisis_alone_does_not_invent_a_situation():
    _, slots = await run(ActionCrisis(), tracker("crisis", "i want to die"))
    assert "situation" not in slots


async def test_danger_gives_999_first():
    messages, _ = await run(ActionDanger(), tracker("danger_now", "he is outside my house"))
    assert messages[0]["text"].startswith("**If you're in danger right now, call 999.**")
