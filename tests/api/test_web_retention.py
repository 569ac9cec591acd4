"""Retention: conversations idle for RETENTION_MINUTES are erased, both when touched and by the sweeper."""
from __future__ import annotations

import asyncio

import pytest
from kestrel_webtest import BLACKMAIL_TEXT, make_settings, new_conversation, say

from api.assistant import Assistant
from api.store.memory import ConversationRegistry

pytestmark = pytest.mark.asyncio(loop_scope="session")


@pytest.fixture
def short_retention(assistant):
    """Shrink the shared assistant's retention for one test, then restore it."""
    original = assistant.registry.retention_seconds
    assistant.registry.retention_seconds = 0.5
    yield 0.5
    assistant.registry.retention_seconds = original


async def test_idle_conversation_expires_and_is_erased(client, assistant, short_retention):
    conversation_id, _ = await new_conversation(client)
    await say(client, conversation_id, text=BLACKMAIL_TEXT)
    assert conversation_id in assistant._tracker_store.store

    await asyncio.sleep(short_retention + 0.2)
    response = await client.post(f"/api/v1/conversations/{conversation_id}/messages", json={"text": "hello"})
    assert response.status_code == 404
    assert "expired" in response.json()["detail"]
    assert conversation_id not in assistant._tracker_store.store


async def test_activity_keeps_a_conversation_alive(client, assistant, short_retention):
    conversation_id, _ = await new_conversation(client)
    for _ in range(4):  # 4 x 0.3 s > retention, but never idle for longer than 0.3 s
        await asyncio.sleep(0.3)
        await say(client, conversation_id, payload="/greet")
    assert await assistant.conversation_exists(conversation_id)


async def test_sweep_erases_every_idle_conversation(client, assistant, short_retention):
    ids = [(await new_conversation(client))[0] for _ in range(3)]
    await asyncio.sleep(short_retention + 0.2)
    fresh, _ = await new_conversation(client)
    erased = await assistant.sweep_expired()
    assert erased >= 3
    store = assistant._tracker_store.store
    assert all([cid not in store and not await assistant.conversation_exists(cid) for cid in ids])
    assert fresh in store and await assistant.conversation_exists(fresh)


async def test_background_sweeper_runs_on_its_own():
    # No model needed: the sweeper only talks to the registry and the store.
    lone = Assistant(make_settings(retention_minutes=0.005))  # 0.3 s

    class Store:
        store = {"old": "{}", "other": "{}"}

    lone._tracker_store = Store()
    lone.registry.touch("old")
    lone.start_sweeper()
    try:
        for _ in range(40):
            await asyncio.sleep(0.05)
            if "old" not in Store.store:
                break
        assert "old" not in Store.store and len(lone.registry) == 0
        assert "other" in Store.store, "only registered, expired conversations are erased"
    finally:
        await lone.stop()


def test_registry_expiry_uses_the_clock_and_spares_turns_in_progress():
    now = [1000.0]
    registry = ConversationRegistry(retention_seconds=60, clock=lambda: now[0])
    registry.touch("a")
    registry.touch("b")
    registry.begin_turn("b")
    now[0] += 61
    assert registry.expired() == ["a"]
    assert not registry.is_live("a") and registry.is_live("b")
    registry.end_turn("b")
    assert registry.is_live("b"), "finishing a turn counts as activity"
    now[0] += 59
    assert registry.is_live("b")
    now[0] += 2
    assert registry.expired() == ["a", "b"]
