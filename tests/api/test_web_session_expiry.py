"""Rasa's session lasts as long as the conversation is kept: someone who comes back after domain.yml's
30 minutes, but inside RETENTION_MINUTES, finds the assistant where they left it (api/rasa/sessions.py).

Rasa decides a session has expired from the time since the last user message (`time.time()` in its
processor), so the tests move that clock forward instead of waiting."""
from __future__ import annotations

import json
import time
import types
from contextlib import contextmanager
from typing import Any, Dict, Iterator, List

import pytest
from kestrel_webtest import BLACKMAIL_TEXT, UNDER18_PAYLOAD, make_settings, new_conversation, say

from api.rasa.sessions import align_sessions_with_retention, session_expiration_minutes

pytestmark = pytest.mark.asyncio(loop_scope="session")

IDLE_MINUTES = 31  # past domain.yml's session_expiration_time (30)


@contextmanager
def rasa_clock_ahead(monkeypatch: pytest.MonkeyPatch, minutes: float) -> Iterator[None]:
    import rasa.core.processor as processor

    ahead = types.SimpleNamespace(time=lambda: time.time() + minutes * 60)
    with monkeypatch.context() as patch:
        patch.setattr(processor, "time", ahead)
        yield


@contextmanager
def session_config_of(domain: Any, settings_or_minutes: Any) -> Iterator[None]:
    from rasa.shared.core.domain import SessionConfig

    original = domain.session_config
    if isinstance(settings_or_minutes, (int, float)):
        domain.session_config = SessionConfig(settings_or_minutes, original.carry_over_slots)
    else:
        align_sessions_with_retention(domain, settings_or_minutes)
    try:
        yield
    finally:
        domain.session_config = original


def stored_events(assistant: Any, conversation_id: str) -> List[Dict[str, Any]]:
    return json.loads(assistant._tracker_store.store[conversation_id])["events"]


def age_group(events: List[Dict[str, Any]]) -> Any:
    value = None
    for event in events:
        if event.get("event") == "slot" and event.get("name") == "age_group":
            value = event.get("value")
        if event.get("event") == "session_started":
            value = None  # carry_over_slots_to_new_session: false
    return value


async def told_under18(client: Any, assistant: Any) -> str:
    conversation_id, _ = await new_conversation(client)
    await say(client, conversation_id, text=BLACKMAIL_TEXT)
    await say(client, conversation_id, payload=UNDER18_PAYLOAD)
    assert age_group(stored_events(assistant, conversation_id)) == "under18"
    return conversation_id


def sessions_started(events: List[Dict[str, Any]]) -> int:
    return sum(1 for event in events if event.get("event") == "session_started")


async def test_the_loaded_domain_takes_its_session_expiry_from_retention(assistant):
    minutes = assistant._agent.domain.session_config.session_expiration_time
    assert minutes == session_expiration_minutes(assistant.settings)
    assert minutes > assistant.settings.retention_minutes, "the session outlives what is kept"


async def test_a_conversation_idle_past_30_minutes_but_inside_retention_keeps_its_plan(client, assistant, monkeypatch):
    long_retention = make_settings(retention_minutes=120)
    with session_config_of(assistant._agent.domain, long_retention):
        conversation_id = await told_under18(client, assistant)
        before = sessions_started(stored_events(assistant, conversation_id))
        with rasa_clock_ahead(monkeypatch, IDLE_MINUTES):
            await say(client, conversation_id, text="ok what do i do first")
    events = stored_events(assistant, conversation_id)
    assert sessions_started(events) == before, "no new session inside retention"
    assert age_group(events) == "under18"


async def test_with_the_domain_files_30_minutes_the_same_wait_would_wipe_the_plan(client, assistant, monkeypatch):
    # The bug this guards against, shown with the shifted clock: Rasa starts a new session and the age is gone.
    with session_config_of(assistant._agent.domain, 30):
        conversation_id = await told_under18(client, assistant)
        before = sessions_started(stored_events(assistant, conversation_id))
        with rasa_clock_ahead(monkeypatch, IDLE_MINUTES):
            await say(client, conversation_id, text="ok what do i do first")
    events = stored_events(assistant, conversation_id)
    assert sessions_started(events) == before + 1
    assert age_group(events) is None


def test_the_session_outlasts_retention_by_the_longest_turn():
    settings = make_settings(retention_minutes=240, turn_timeout_seconds=10)
    assert session_expiration_minutes(settings) == pytest.approx(240 + settings.turn_budget_seconds / 60)
