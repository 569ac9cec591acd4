"""A platform's message id is the turn's idempotency key: should a delivery get past the seen-set twice
(say the seen-set lost its entry), the assistant still applies it once, and the second delivery is
answered with the first reply."""
from __future__ import annotations

import json
import secrets
from typing import Any, Callable, List

import pytest
from channel_fakes import (
    PUBLIC_BASE_URL,
    TELEGRAM_SECRET,
    TELEGRAM_TOKEN,
    TWILIO_SID,
    WHATSAPP_PHONE_ID,
    WHATSAPP_VERSION,
    form,
    meta_signature,
    telegram_message,
    twilio_params,
    twilio_signature,
    whatsapp_text,
)
from kestrel_webtest import BLACKMAIL_TEXT, user_texts

pytestmark = pytest.mark.asyncio(loop_scope="session")


class Forgetful:
    """A seen-set that never remembers: every redelivery reaches the assistant."""

    async def first_time(self, key: str) -> bool:
        return True


@pytest.fixture
def forgetful(channel_app: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(channel_app.state.channels, "seen", Forgetful())


async def twice(client: Any, channel_app: Any, platform: Any, post: Callable[[], Any],
                sent: Callable[[Any], bool]) -> List[Any]:
    for _ in range(2):
        response = await post()
        assert response.status_code == 200, response.text
        await platform.settle(channel_app)
    return platform.received(sent)


async def test_telegram_update_id(client, channel_app, platform, assistant, forgetful):
    chat = 10**9 + secrets.randbelow(10**9)
    update = telegram_message(chat, BLACKMAIL_TEXT)

    def sent(record: Any) -> bool:
        return record["path"] == f"/bot{TELEGRAM_TOKEN}/sendMessage" and record["json"].get("chat_id") == chat

    received = await twice(
        client, channel_app, platform,
        lambda: client.post("/webhooks/telegram", json=update, headers={"X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET}),
        sent,
    )
    conversation_id = channel_app.state.channels.ids.conversation("telegram", str(chat))
    assert user_texts(assistant, conversation_id) == [BLACKMAIL_TEXT], "applied once"
    half = len(received) // 2
    assert half and [r["json"] for r in received[:half]] == [r["json"] for r in received[half:]], "the first reply again"


async def test_whatsapp_message_id(client, channel_app, platform, assistant, forgetful):
    wa_id = "4477" + "".join(secrets.choice("0123456789") for _ in range(8))
    raw = json.dumps(whatsapp_text(wa_id, BLACKMAIL_TEXT, "wamid." + secrets.token_hex(20))).encode()
    path = f"/{WHATSAPP_VERSION}/{WHATSAPP_PHONE_ID}/messages"
    received = await twice(
        client, channel_app, platform,
        lambda: client.post("/webhooks/whatsapp", content=raw, headers={
            "Content-Type": "application/json", "X-Hub-Signature-256": meta_signature(raw)}),
        lambda r: r["path"] == path and r["json"].get("to") == wa_id,
    )
    conversation_id = channel_app.state.channels.ids.conversation("whatsapp", wa_id)
    assert user_texts(assistant, conversation_id) == [BLACKMAIL_TEXT]
    half = len(received) // 2
    assert half and [r["json"] for r in received[:half]] == [r["json"] for r in received[half:]]


async def test_twilio_message_sid(client, channel_app, platform, assistant, forgetful):
    number = "+4477" + "".join(secrets.choice("0123456789") for _ in range(8))
    params = twilio_params(number, BLACKMAIL_TEXT, "SM" + secrets.token_hex(16))
    url = PUBLIC_BASE_URL + "/webhooks/twilio"
    received = await twice(
        client, channel_app, platform,
        lambda: client.post("/webhooks/twilio", content=form(params), headers={
            "Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": twilio_signature(url, params)}),
        lambda r: r["path"] == f"/2010-04-01/Accounts/{TWILIO_SID}/Messages.json" and r["form"].get("To") == number,
    )
    conversation_id = channel_app.state.channels.ids.conversation("twilio", number)
    assert user_texts(assistant, conversation_id) == [BLACKMAIL_TEXT]
    half = len(received) // 2
    assert half and [r["form"]["Body"] for r in received[:half]] == [r["form"]["Body"] for r in received[half:]]
