"""The web API, /api/v1, end to end against the real assistant."""
from __future__ import annotations

import base64
import re

import pytest
from kestrel_webtest import (
    BLACKMAIL_TEXT,
    CRISIS_TEXT,
    UNDER18_PAYLOAD,
    all_payloads,
    all_text,
    new_conversation,
    say,
    user_texts,
)

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def test_whole_conversation_from_greeting_to_plan_summary(client, assistant):
    conversation_id, greeting = await new_conversation(client)
    assert greeting and greeting[0]["text"]
    assert any(m.get("buttons") for m in greeting), "the greeting offers buttons"
    for button in (b for m in greeting for b in m.get("buttons", [])):
        assert set(button) == {"title", "payload"} and button["payload"].startswith("/")

    first = await say(client, conversation_id, text=BLACKMAIL_TEXT)
    assert re.search(r"don.t pay", all_text(first), re.IGNORECASE), all_text(first)
    assert UNDER18_PAYLOAD in all_payloads(first)
    for message in first:
        assert "recipient_id" not in message

    replies = await say(client, conversation_id, payload=UNDER18_PAYLOAD)
    for _ in range(12):
        if "Your plan" in all_text(replies):
            break
        replies = await say(client, conversation_id, payload="/next_step")
    assert "Your plan" in all_text(replies), "the plan ends with its summary"
    assert await assistant.conversation_exists(conversation_id)


async def test_crisis_reply_gives_samaritans_number(client):
    conversation_id, _ = await new_conversation(client)
    replies = await say(client, conversation_id, text=CRISIS_TEXT)
    assert "116 123" in all_text(replies)


async def test_conversation_ids_are_unguessable_and_unique(client):
    ids = [(await new_conversation(client))[0] for _ in range(5)]
    assert len(set(ids)) == len(ids)
    for cid in ids:
        assert re.fullmatch(r"[A-Za-z0-9_-]+", cid)
        raw = base64.urlsafe_b64decode(cid + "=" * (-len(cid) % 4))
        assert len(raw) * 8 >= 128


async def test_unknown_conversation_is_404_with_clear_message(client):
    response = await client.post("/api/v1/conversations/not-a-real-id/messages", json={"text": "hello"})
    assert response.status_code == 404
    assert "not found" in response.json()["detail"].lower()


async def test_delete_erases_the_conversation_from_the_store(client, assistant):
    conversation_id, _ = await new_conversation(client)
    await say(client, conversation_id, text=BLACKMAIL_TEXT)
    store = assistant._tracker_store.store
    assert conversation_id in store

    response = await client.delete(f"/api/v1/conversations/{conversation_id}")
    assert response.status_code == 204 and response.content == b""
    assert conversation_id not in store
    assert not await assistant.conversation_exists(conversation_id)

    after = await client.post(f"/api/v1/conversations/{conversation_id}/messages", json={"text": "hello"})
    assert after.status_code == 404
    assert conversation_id not in store, "a message after deletion must not recreate it"
    again = await client.delete(f"/api/v1/conversations/{conversation_id}")
    assert again.status_code == 404


async def test_conversations_are_independent(client, assistant):
    first, _ = await new_conversation(client)
    second, _ = await new_conversation(client)
    await say(client, first, text=BLACKMAIL_TEXT)
    assert BLACKMAIL_TEXT in user_texts(assistant, first)
    assert BLACKMAIL_TEXT not in user_texts(assistant, second)
