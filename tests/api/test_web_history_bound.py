"""A conversation's stored history is bounded (MAX_EVENTS_PER_CONVERSATION), so a long conversation's turns
cost what a short one's do (bench/long_conversation.py measures it), and the conversation carries on:
its slots survive, replies still depend on them, and each turn's events are counted once."""
from __future__ import annotations

import json
import re
from typing import Any, Dict, List

import pytest
from kestrel_webtest import BLACKMAIL_TEXT, CRISIS_TEXT, UNDER18_PAYLOAD, client_for, new_conversation, say

from api.settings import MIN_HISTORY_EVENTS, Settings

pytestmark = pytest.mark.asyncio(loop_scope="session")

# The questions and steps people come back with, over and over.
CYCLE = ["/next_step", "should i just pay him", "ok", "is this my fault", "thanks", "how do i report him"]


def stored_events(assistant: Any, conversation_id: str) -> List[Dict[str, Any]]:
    return json.loads(assistant._tracker_store.store[conversation_id])["events"]


def slot_values(events: List[Dict[str, Any]]) -> Dict[str, Any]:
    values: Dict[str, Any] = {}
    for event in events:
        if event["event"] in ("session_started", "restart", "reset_slots"):
            values.clear()
        elif event["event"] == "slot":
            values[event["name"]] = event["value"]
    return values


def crisis_count(metrics_text: str) -> float:
    match = re.search(r"^kestrel_crisis_responses_total (\S+)$", metrics_text, re.MULTILINE)
    assert match, "the crisis counter is exported"
    return float(match.group(1))


def test_the_bound_has_a_floor():
    assert Settings(max_events_per_conversation=MIN_HISTORY_EVENTS).max_events_per_conversation == MIN_HISTORY_EVENTS
    with pytest.raises(ValueError):
        Settings(max_events_per_conversation=MIN_HISTORY_EVENTS - 1)


async def test_a_long_conversation_stays_under_the_cap_and_keeps_its_slots(app_factory, assistant):
    cap = assistant.settings.max_events_per_conversation
    async with client_for(app_factory()) as c:
        conversation_id, _ = await new_conversation(c)
        await say(c, conversation_id, text=BLACKMAIL_TEXT)
        await say(c, conversation_id, payload=UNDER18_PAYLOAD)
        first_slots = slot_values(stored_events(assistant, conversation_id))
        assert first_slots.get("age_group") == "under18" and first_slots.get("situation") == "money"

        most = 0
        for turn in range(90):  # about 7 events a turn: several times the cap
            await say(c, conversation_id, text=CYCLE[turn % len(CYCLE)])
            events = stored_events(assistant, conversation_id)
            most = max(most, len(events))
            assert len(events) <= cap, f"turn {turn}: {len(events)} events stored, the cap is {cap}"
        assert most > cap // 2, "the conversation did grow to the cap before being shortened"

        events = stored_events(assistant, conversation_id)
        assert events[0]["event"] == "action" and events[0]["name"] == "action_session_start"
        assert [e["timestamp"] for e in events] == sorted(e["timestamp"] for e in events)
        users = [e["text"] for e in events if e["event"] == "user"]
        assert BLACKMAIL_TEXT not in users, "the oldest turns are gone from the store"
        assert users[-1] == CYCLE[89 % len(CYCLE)], "the newest turn is kept whole"
        kept = slot_values(events)
        assert kept.get("age_group") == "under18" and kept.get("situation") == "money", kept

        # The conversation still reads its slots: an under-18 is pointed to CEOP, and a crisis is answered
        # (and counted) once, with the events found by position after the shortened history.
        replies = await say(c, conversation_id, text="how do i report him")
        assert "CEOP" in "\n".join(m.get("text", "") for m in replies)
        before = crisis_count((await c.get("/metrics")).text)
        replies = await say(c, conversation_id, text=CRISIS_TEXT)
        assert "116 123" in "\n".join(m.get("text", "") for m in replies)
        assert crisis_count((await c.get("/metrics")).text) == before + 1


def _synthetic(turns: int) -> Any:
    from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, SlotSet, UserUttered
    from rasa.shared.core.slots import AnySlot, TextSlot
    from rasa.shared.core.trackers import DialogueStateTracker

    events: List[Any] = [ActionExecuted("action_session_start", timestamp=1.0), SessionStarted(timestamp=1.0),
                         ActionExecuted("action_listen", timestamp=1.0)]
    for n in range(turns):
        t = 2.0 + n
        events += [UserUttered(f"message {n}", timestamp=t)]
        if n == 1:
            events.append(SlotSet("age_group", "under18", timestamp=t))
        events += [SlotSet("plan_step", n, timestamp=t), ActionExecuted("action_respond", timestamp=t),
                   BotUttered(f"reply {n}", timestamp=t), ActionExecuted("action_listen", timestamp=t)]
    slots = [TextSlot("age_group", mappings=[{}]), AnySlot("plan_step", mappings=[{}])]
    return DialogueStateTracker.from_events("conv", events, slots=slots)


def test_shortening_keeps_whole_newest_turns_and_the_state_they_left():
    from api.rasa.tracker_history import shorten

    tracker = _synthetic(40)  # 5 events a turn: 203 events
    before = {k: v.value for k, v in tracker.slots.items()}
    assert before == {"age_group": "under18", "plan_step": 39}
    latest = tracker.latest_message.text
    assert shorten(tracker, 100)
    events = list(tracker.events)
    assert len(events) <= 100
    assert {k: v.value for k, v in tracker.slots.items()} == before
    assert tracker.latest_message.text == latest
    users = [e.text for e in events if e.type_name == "user"]
    # Half the cap is 50 events: the action_listen a turn starts with and 9 turns of 5.
    assert users == [f"message {n}" for n in range(31, 40)], "whole turns, the newest, about half the cap"
    assert [e.type_name for e in events[:2]] == ["action", "session_started"]
    assert events[len(events) - 5 * 9 - 1].action_name == "action_listen", "cut where a turn starts"
    assert not shorten(tracker, 100), "nothing more to do until the cap is passed again"


def test_a_conversation_under_the_cap_is_left_as_it_is():
    from api.rasa.tracker_history import shorten

    tracker = _synthetic(10)
    events = list(tracker.events)
    assert not shorten(tracker, 100)
    assert list(tracker.events) == events
