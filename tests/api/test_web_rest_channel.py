"""POST /webhooks/rest/webhook keeps Rasa's REST channel format exactly."""
from __future__ import annotations

import secrets

import pytest
from kestrel_webtest import BLACKMAIL_TEXT, UNDER18_PAYLOAD, user_metadata, user_texts

from api.conversations import rest_conversation_id

pytestmark = pytest.mark.asyncio(loop_scope="session")

RASA_MESSAGE_KEYS = ["recipient_id", "text", "image", "buttons", "attachment", "custom"]


def assert_rasa_shape(body, sender):
    assert isinstance(body, list) and body
    for message in body:
        keys = list(message)
        # Rasa's CollectingOutputChannel builds each message in this key order and drops None values.
        assert keys == [k for k in RASA_MESSAGE_KEYS if k in message], keys
        assert message["recipient_id"] == sender
        assert all(value is not None for value in message.values())
        for button in message.get("buttons", []):
            assert set(button) == {"title", "payload"}


async def test_rest_greeting_has_rasas_exact_shape(client):
    sender = "rest-" + secrets.token_hex(8)
    response = await client.post("/webhooks/rest/webhook", json={"sender": sender, "message": "/greet"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert_rasa_shape(body, sender)
    assert any(m.get("buttons") for m in body)


async def test_rest_conversation_continues_for_the_same_sender(client, assistant):
    sender = "rest-" + secrets.token_hex(8)
    first = (await client.post("/webhooks/rest/webhook", json={"sender": sender, "message": BLACKMAIL_TEXT})).json()
    assert_rasa_shape(first, sender)
    payloads = [b["payload"] for m in first for b in m.get("buttons", [])]
    assert UNDER18_PAYLOAD in payloads
    second = (await client.post("/webhooks/rest/webhook", json={"sender": sender, "message": UNDER18_PAYLOAD})).json()
    assert_rasa_shape(second, sender)
    assert user_texts(assistant, rest_conversation_id(sender)) == [BLACKMAIL_TEXT, UNDER18_PAYLOAD]


async def test_rest_metadata_reaches_the_tracker(client, assistant):
    sender = "rest-" + secrets.token_hex(8)
    response = await client.post(
        "/webhooks/rest/webhook", json={"sender": sender, "message": "/greet", "metadata": {"source": "test"}}
    )
    assert response.status_code == 200
    assert any(m and m.get("source") == "test" for m in user_metadata(assistant, rest_conversation_id(sender)))


async def test_rest_health_route_like_rasa(client):
    response = await client.get("/webhooks/rest/")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


async def test_rest_refuses_a_missing_sender_and_says_why(client):
    for body in ({"message": "hi"}, {"sender": None, "message": "hi"}):
        response = await client.post("/webhooks/rest/webhook", json=body)
        assert response.status_code == 422
        detail = response.json()["detail"]
        assert detail[0]["loc"] == ["body", "sender"]
        assert "sender is required" in detail[0]["msg"] and "shared conversation" in detail[0]["msg"]


async def test_rest_refuses_bad_senders_and_oversized_metadata(client):
    assert (await client.post("/webhooks/rest/webhook", json={"sender": " ", "message": "hi"})).status_code == 422
    assert (await client.post("/webhooks/rest/webhook", json={"sender": True, "message": "hi"})).status_code == 422
    big = {"sender": "x", "message": "hi", "metadata": {"blob": "a" * 5000}}
    response = await client.post("/webhooks/rest/webhook", json=big)
    assert response.status_code == 422 and "4096" in response.text
