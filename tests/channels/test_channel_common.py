"""What all channels share, end to end: off unless configured, and keyed ids instead of phone numbers or
chat ids, in the conversation store and in the logs."""
from __future__ import annotations

import io
import json
import secrets

import pytest
from channel_fakes import (
    CHANNEL_ID_SECRET,
    PUBLIC_BASE_URL,
    TELEGRAM_SECRET,
    TELEGRAM_TOKEN,
    form,
    meta_signature,
    telegram_message,
    twilio_params,
    twilio_signature,
    whatsapp_text,
)
from kestrel_webtest import client_for, make_settings

from api.logging_setup import setup_logging
from api.main import create_app

pytestmark = pytest.mark.asyncio(loop_scope="session")


# ---- switched on by credentials -------------------------------------------------------------------------


async def test_channels_without_credentials_are_404(app_without_channels):
    async with client_for(app_without_channels) as c:
        assert (await c.post("/webhooks/telegram", json={"update_id": 1})).status_code == 404
        assert (await c.get("/webhooks/whatsapp", params={"hub.mode": "subscribe"})).status_code == 404
        assert (await c.post("/webhooks/whatsapp", json={})).status_code == 404
        assert (await c.post("/webhooks/twilio", content=b"Body=hi")).status_code == 404
        assert (await c.get("/health")).status_code == 200


async def test_a_half_configured_channel_stays_off(channel_app_factory):
    # Twilio without PUBLIC_BASE_URL could not check signatures; Telegram without a secret token neither.
    app = channel_app_factory(public_base_url=None, telegram_webhook_secret=None)
    async with client_for(app) as c:
        assert (await c.post("/webhooks/twilio", content=b"Body=hi")).status_code == 404
        assert (await c.post("/webhooks/telegram", json={"update_id": 1})).status_code == 404
        assert (await c.get("/webhooks/whatsapp")).status_code == 403  # WhatsApp is fully configured


async def test_openapi_documents_the_enabled_webhooks(channel_app):
    paths = channel_app.openapi()["paths"]
    assert {"/webhooks/telegram", "/webhooks/whatsapp", "/webhooks/twilio"} <= set(paths)


@pytest.fixture
def app_without_channels(assistant):
    return create_app(make_settings(), assistant=assistant)


# ---- privacy ---------------------------------------------------------------------------------------------


async def test_no_phone_number_chat_id_or_text_in_logs_or_store_keys(channel_app, client, platform, assistant):
    secret_text = "my secret is zebra-umbrella-42 and he wants 300 pounds"
    chat_id = 10**9 + secrets.randbelow(10**9)
    wa_id = "4477" + str(10**7 + secrets.randbelow(9 * 10**7))
    sms_number = "+4477" + str(10**7 + secrets.randbelow(9 * 10**7))
    stream = io.StringIO()
    setup_logging("DEBUG", stream=stream)
    try:
        await client.post("/webhooks/telegram", json=telegram_message(chat_id, secret_text),
                          headers={"X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET})
        raw = json.dumps(whatsapp_text(wa_id, secret_text, "wamid." + secrets.token_hex(8))).encode()
        await client.post("/webhooks/whatsapp", content=raw,
                          headers={"X-Hub-Signature-256": meta_signature(raw), "Content-Type": "application/json"})
        params = twilio_params(sms_number, secret_text, "SM" + secrets.token_hex(16))
        await client.post("/webhooks/twilio", content=form(params),
                          headers={"X-Twilio-Signature": twilio_signature(PUBLIC_BASE_URL + "/webhooks/twilio", params),
                                   "Content-Type": "application/x-www-form-urlencoded"})
        # A forged request is logged as rejected, also without anything from it.
        await client.post("/webhooks/twilio", content=form(params), headers={"X-Twilio-Signature": "forged"})
        await platform.wait_for(lambda r: r["path"].endswith("/sendMessage") and r["json"]["chat_id"] == chat_id)
        await platform.wait_for(lambda r: r.get("json", {}).get("to") == wa_id)
        await platform.wait_for(lambda r: r.get("form", {}).get("To") == sms_number)
        await platform.settle(channel_app)
    finally:
        setup_logging("INFO")
    logs = stream.getvalue()
    lines = [json.loads(line) for line in logs.splitlines()]
    assert sum(1 for e in lines if e["msg"] == "turn" and e.get("channel") in {"telegram", "whatsapp", "twilio"}) == 3
    assert any(e["msg"] == "channel request rejected" for e in lines)
    for secret in (str(chat_id), wa_id, sms_number, sms_number[1:], "zebra-umbrella", TELEGRAM_TOKEN, CHANNEL_ID_SECRET):
        assert secret not in logs, secret
    for conversation_id in [channel_app.state.channels.ids.conversation(c, u) for c, u in
                            (("telegram", str(chat_id)), ("whatsapp", wa_id), ("twilio", sms_number))]:
        assert conversation_id not in logs
        assert assistant.registry.known(conversation_id)
    keys = list(assistant._tracker_store.store.keys()) if hasattr(assistant._tracker_store, "store") else []
    assert not any(wa_id in k or sms_number[1:] in k or str(chat_id) in k for k in map(str, keys))
