"""WhatsApp through Meta's Cloud API: verify handshake, X-Hub-Signature-256 over the raw body, replies
through the Graph API messages endpoint (text, reply buttons, list messages)."""
from __future__ import annotations

import hashlib
import hmac
import json
import secrets

import pytest
from channel_fakes import (
    WHATSAPP_PHONE_ID,
    WHATSAPP_TOKEN,
    WHATSAPP_VERIFY_TOKEN,
    WHATSAPP_VERSION,
    meta_signature,
    whatsapp_button_reply,
    whatsapp_text,
)
from kestrel_webtest import BLACKMAIL_TEXT, CRISIS_TEXT, UNDER18_PAYLOAD, user_texts

pytestmark = pytest.mark.asyncio(loop_scope="session")

URL = "/webhooks/whatsapp"
MESSAGES_PATH = f"/{WHATSAPP_VERSION}/{WHATSAPP_PHONE_ID}/messages"


def new_number() -> str:
    return "4477" + "".join(secrets.choice("0123456789") for _ in range(8))


def new_message_id() -> str:
    return "wamid." + secrets.token_urlsafe(24)


def sent(wa_id):
    return lambda r: r["path"] == MESSAGES_PATH and r["json"].get("to") == wa_id


def conversation(app, wa_id) -> str:
    return app.state.channels.ids.conversation("whatsapp", wa_id)


async def deliver(client, notification, signature="sign", body=None):
    raw = body if body is not None else json.dumps(notification).encode()
    headers = {"Content-Type": "application/json"}
    if signature == "sign":
        headers["X-Hub-Signature-256"] = meta_signature(raw)
    elif signature is not None:
        headers["X-Hub-Signature-256"] = signature
    return await client.post(URL, content=raw, headers=headers)


async def test_verify_handshake(client):
    ok = await client.get(URL, params={"hub.mode": "subscribe", "hub.verify_token": WHATSAPP_VERIFY_TOKEN,
                                       "hub.challenge": "1158201444"})
    assert ok.status_code == 200 and ok.text == "1158201444"
    wrong = await client.get(URL, params={"hub.mode": "subscribe", "hub.verify_token": "guess", "hub.challenge": "1"})
    assert wrong.status_code == 403 and "1" not in wrong.text
    other_mode = await client.get(URL, params={"hub.mode": "unsubscribe", "hub.verify_token": WHATSAPP_VERIFY_TOKEN,
                                               "hub.challenge": "1"})
    assert other_mode.status_code == 403
    assert (await client.get(URL)).status_code == 403


async def test_more_than_three_buttons_become_a_list_message(client, channel_app, platform, assistant):
    wa_id = new_number()
    response = await deliver(client, whatsapp_text(wa_id, "hi", new_message_id()))
    assert response.status_code == 200
    [message] = await platform.wait_for(sent(wa_id))
    assert message["headers"]["authorization"] == f"Bearer {WHATSAPP_TOKEN}"
    body = message["json"]
    assert body["messaging_product"] == "whatsapp" and body["type"] == "interactive"
    interactive = body["interactive"]
    assert interactive["type"] == "list"
    assert interactive["body"]["text"].startswith("Hi, I'm Kestrel") and len(interactive["body"]["text"]) <= 1024
    assert 0 < len(interactive["action"]["button"]) <= 20
    rows = [row for section in interactive["action"]["sections"] for row in section["rows"]]
    assert [r["id"] for r in rows] == ["/blackmail_money", "/blackmail_images", "/already_paid", "/helper", "/ask_human"]
    assert all(len(r["title"]) <= 24 for r in rows)
    assert rows[0]["title"] == "They want money…"
    assert rows[0]["description"] == "They want money or they'll share pics of me"
    assert rows[2] == {"id": "/already_paid", "title": "I've already paid"}  # short enough: no description
    assert user_texts(assistant, conversation(channel_app, wa_id)) == ["hi"]
    assert user_texts(assistant, wa_id) == []


async def test_reply_buttons_bold_and_the_button_round_trip(client, channel_app, platform, assistant):
    wa_id = new_number()
    await deliver(client, whatsapp_text(wa_id, BLACKMAIL_TEXT, new_message_id()))
    # The urgent advice, the line with someone to talk to, then the age question with its buttons.
    first, _, second = await platform.wait_for(sent(wa_id), count=3)
    assert first["json"]["type"] == "text"
    assert "*Don't pay.*" in first["json"]["text"]["body"] and "**" not in first["json"]["text"]["body"]
    interactive = second["json"]["interactive"]
    assert interactive["type"] == "button"
    buttons = [b["reply"] for b in interactive["action"]["buttons"]]
    assert [b["title"] for b in buttons] == ["Under 18", "18 or over", "Rather not say"]
    assert buttons[0]["id"] == UNDER18_PAYLOAD

    await deliver(client, whatsapp_button_reply(wa_id, buttons[0]["id"], buttons[0]["title"], new_message_id()))
    replies = await platform.wait_for(sent(wa_id), count=6)
    assert user_texts(assistant, conversation(channel_app, wa_id)) == [BLACKMAIL_TEXT, UNDER18_PAYLOAD]
    assert any("Your plan" in json.dumps(r["json"]) for r in replies[3:])


async def test_a_list_choice_maps_back_to_its_payload(client, channel_app, platform, assistant):
    wa_id = new_number()
    await deliver(client, whatsapp_text(wa_id, "hi", new_message_id()))
    await platform.wait_for(sent(wa_id))
    await deliver(client, whatsapp_button_reply(wa_id, "/blackmail_money", "They want money…", new_message_id(),
                                                kind="list_reply"))
    await platform.wait_for(sent(wa_id), count=3)
    assert user_texts(assistant, conversation(channel_app, wa_id)) == ["hi", "/blackmail_money"]


async def test_crisis_reply_and_shortened_button_titles(client, platform):
    wa_id = new_number()
    await deliver(client, whatsapp_text(wa_id, CRISIS_TEXT, new_message_id()))
    first, second = await platform.wait_for(sent(wa_id), count=2)
    text = first["json"]["text"]["body"]
    assert "116 123" in text and "999" in text and "*Samaritans*" in text
    buttons = [b["reply"] for b in second["json"]["interactive"]["action"]["buttons"]]
    assert buttons == [{"id": "/affirm", "title": "Yes, let's carry on"}, {"id": "/ask_human", "title": "I want to talk…"}]


def _forgeries(notification):
    raw = json.dumps(notification).encode()
    tampered = raw.replace(b"i want to kill myself", b"i want to kill myselF")
    assert tampered != raw
    sha1 = "sha1=" + hmac.new(b"test-whatsapp-app-secret", raw, hashlib.sha1).hexdigest()
    return [
        (None, raw, 401),  # unsigned
        (meta_signature(raw, secret="someone-elses-secret"), raw, 403),  # forged
        (meta_signature(raw), tampered, 403),  # body changed after signing
        (meta_signature(raw).upper(), raw, 403),
        (meta_signature(raw)[len("sha256="):], raw, 403),  # no scheme
        (sha1, raw, 403),  # the old X-Hub-Signature scheme
        ("", raw, 403),
    ]


async def test_forged_unsigned_and_tampered_requests_are_refused(client, channel_app, platform, assistant):
    wa_id = new_number()
    notification = whatsapp_text(wa_id, CRISIS_TEXT, new_message_id())
    for signature, raw, status in _forgeries(notification):
        response = await deliver(client, None, signature=signature, body=raw)
        assert response.status_code == status, (signature, response.text)
    await platform.settle(channel_app)
    assert platform.received(sent(wa_id)) == []
    assert not assistant.registry.known(conversation(channel_app, wa_id))
    # The same message, properly signed, is then handled: the refusals did not mark it seen.
    assert (await deliver(client, notification)).status_code == 200
    await platform.wait_for(sent(wa_id), count=2)


async def test_a_redelivered_message_is_processed_once(client, channel_app, platform, assistant):
    wa_id = new_number()
    notification = whatsapp_text(wa_id, "hi", new_message_id())
    for _ in range(3):
        assert (await deliver(client, notification)).status_code == 200
    await platform.wait_for(sent(wa_id))
    await platform.settle(channel_app)
    assert len(platform.received(sent(wa_id))) == 1
    assert user_texts(assistant, conversation(channel_app, wa_id)) == ["hi"]


async def test_statuses_and_other_numbers_are_acknowledged_and_ignored(client, channel_app, platform, assistant):
    wa_id = new_number()
    other = whatsapp_text(wa_id, "hi", new_message_id())
    other["entry"][0]["changes"][0]["value"]["metadata"]["phone_number_id"] = "999999"
    assert (await deliver(client, other)).status_code == 200
    status = {"object": "whatsapp_business_account", "entry": [{"id": "1", "changes": [{"field": "messages", "value": {
        "messaging_product": "whatsapp", "metadata": {"phone_number_id": WHATSAPP_PHONE_ID},
        "statuses": [{"id": "wamid.x", "status": "delivered", "recipient_id": wa_id}]}}]}]}
    assert (await deliver(client, status)).status_code == 200
    await platform.settle(channel_app)
    assert platform.received(sent(wa_id)) == []
    assert user_texts(assistant, conversation(channel_app, wa_id)) == []


async def test_signed_but_not_json_is_a_400(client):
    assert (await deliver(client, None, body=b"not json")).status_code == 400
