"""Telegram: POST /webhooks/telegram with the secret-token header, replies through sendMessage."""
from __future__ import annotations

import secrets
import time

import pytest
from channel_fakes import TELEGRAM_SECRET, TELEGRAM_TOKEN, telegram_callback, telegram_message
from kestrel_webtest import (
    BLACKMAIL_TEXT,
    CRISIS_TEXT,
    UNDER18_PAYLOAD,
    client_for,
    make_settings,
    run_blocking_on_worker,
    user_texts,
)

from api.assistant import Assistant
from api.main import create_app

pytestmark = pytest.mark.asyncio(loop_scope="session")

URL = "/webhooks/telegram"
HEADER = "X-Telegram-Bot-Api-Secret-Token"


def new_chat() -> int:
    return 10**9 + secrets.randbelow(10**9)


def sent(chat_id, method="sendMessage"):
    def match(record):
        return record["path"] == f"/bot{TELEGRAM_TOKEN}/{method}" and record["json"].get("chat_id") == chat_id

    return match


def conversation(app, chat_id) -> str:
    return app.state.channels.ids.conversation("telegram", str(chat_id))


async def deliver(client, update, secret=TELEGRAM_SECRET):
    headers = {HEADER: secret} if secret is not None else {}
    return await client.post(URL, json=update, headers=headers)


def keyboard(message):
    return [row[0] for row in message["json"]["reply_markup"]["inline_keyboard"]]


async def test_start_gets_the_greeting_with_an_inline_keyboard(client, channel_app, platform, assistant):
    chat = new_chat()
    response = await deliver(client, telegram_message(chat, "/start"))
    assert response.status_code == 200 and response.json() == {}
    [message] = await platform.wait_for(sent(chat))
    body = message["json"]
    assert body["parse_mode"] == "HTML"
    assert body["text"].startswith("Hi, I'm Kestrel")
    buttons = keyboard(message)
    assert [b["text"] for b in buttons][:2] == ["They want money or they'll share pics of me", "They want more pics or videos"]
    assert [b["callback_data"] for b in buttons] == ["/blackmail_money", "/blackmail_images", "/already_paid", "/helper", "/ask_human"]
    assert all(len(b["callback_data"].encode()) <= 64 for b in buttons)
    # The conversation is keyed by a keyed hash, never by the chat id.
    assert user_texts(assistant, conversation(channel_app, chat)) == ["/greet"]
    assert user_texts(assistant, str(chat)) == []


async def test_bold_becomes_html_and_the_button_round_trip_advances_the_conversation(client, channel_app, platform, assistant):
    chat = new_chat()
    assert (await deliver(client, telegram_message(chat, BLACKMAIL_TEXT))).status_code == 200
    # The urgent advice, the line with someone to talk to, then the age question with its buttons.
    messages = await platform.wait_for(sent(chat), count=3)
    assert "<b>Don't pay.</b>" in messages[0]["json"]["text"] and "**" not in messages[0]["json"]["text"]
    assert "reply_markup" not in messages[0]["json"]
    under18 = next(b for b in keyboard(messages[2]) if b["text"] == "Under 18")

    press = telegram_callback(chat, under18["callback_data"])
    assert (await deliver(client, press)).status_code == 200
    [answered] = await platform.wait_for(
        lambda r: r["path"].endswith("/answerCallbackQuery")
        and r["json"]["callback_query_id"] == press["callback_query"]["id"]
    )
    replies = await platform.wait_for(sent(chat), count=6)
    assert user_texts(assistant, conversation(channel_app, chat)) == [BLACKMAIL_TEXT, UNDER18_PAYLOAD]
    assert any("Your plan" in m["json"]["text"] for m in replies[3:])


async def test_crisis_message_gets_the_crisis_numbers_first(client, platform):
    chat = new_chat()
    assert (await deliver(client, telegram_message(chat, CRISIS_TEXT))).status_code == 200
    messages = await platform.wait_for(sent(chat), count=2)
    first = messages[0]["json"]["text"]
    assert "116 123" in first and "999" in first and "<b>Samaritans</b>" in first


@pytest.mark.parametrize(
    "secret, status",
    [(None, 401), ("", 403), ("wrong-secret-0123456789", 403), (TELEGRAM_SECRET[:-1], 403), (TELEGRAM_SECRET + "x", 403)],
)
async def test_forged_updates_are_refused_and_reach_no_conversation(client, channel_app, platform, assistant, secret, status):
    chat = new_chat()
    response = await deliver(client, telegram_message(chat, BLACKMAIL_TEXT), secret=secret)
    assert response.status_code == status
    await platform.settle(channel_app)
    assert platform.received(sent(chat)) == []
    assert not assistant.registry.known(conversation(channel_app, chat))
    assert user_texts(assistant, conversation(channel_app, chat)) == []


async def test_a_redelivered_update_is_processed_once(client, channel_app, platform, assistant):
    chat = new_chat()
    update = telegram_message(chat, "hi")
    for _ in range(3):
        assert (await deliver(client, update)).status_code == 200
    await platform.wait_for(sent(chat))
    await platform.settle(channel_app)
    assert len(platform.received(sent(chat))) == 1
    assert user_texts(assistant, conversation(channel_app, chat)) == ["hi"]


async def test_a_replayed_button_press_is_processed_once(client, channel_app, platform, assistant):
    chat = new_chat()
    await deliver(client, telegram_message(chat, BLACKMAIL_TEXT))
    await platform.wait_for(sent(chat), count=2)
    press = telegram_callback(chat, UNDER18_PAYLOAD)
    await deliver(client, press)
    await deliver(client, press)
    await platform.settle(channel_app)
    assert user_texts(assistant, conversation(channel_app, chat)) == [BLACKMAIL_TEXT, UNDER18_PAYLOAD]


async def test_old_updates_group_chats_and_non_text_are_not_turns(client, channel_app, platform, assistant):
    old, group, photo = new_chat(), new_chat(), new_chat()
    assert (await deliver(client, telegram_message(old, "hi", date=int(time.time()) - 3 * 86400))).status_code == 200
    assert (await deliver(client, telegram_message(group, "hi", chat_type="group"))).status_code == 200
    update = telegram_message(photo, "x")
    del update["message"]["text"]
    update["message"]["photo"] = [{"file_id": "abc", "width": 1, "height": 1}]
    assert (await deliver(client, update)).status_code == 200
    [notice] = await platform.wait_for(sent(photo))
    assert "only read text" in notice["json"]["text"]
    await platform.settle(channel_app)
    assert platform.received(sent(old)) == [] and platform.received(sent(group)) == []
    for chat in (old, group, photo):
        assert user_texts(assistant, conversation(channel_app, chat)) == []


async def test_a_crafted_callback_can_do_no_more_than_typing(client, channel_app, platform, assistant):
    chat = new_chat()
    await deliver(client, telegram_callback(chat, "~unknown-token"))
    await deliver(client, telegram_callback(chat, "not a payload"))
    await platform.wait_for(sent(chat), count=2)
    assert all("button has expired" in m["json"]["text"] for m in platform.received(sent(chat)))
    assert user_texts(assistant, conversation(channel_app, chat)) == []


async def test_acknowledged_at_once_while_the_model_is_busy(client, platform):
    chat = new_chat()
    blocker = run_blocking_on_worker(client._transport.app.state.assistant, 2.5)
    started = time.perf_counter()
    response = await deliver(client, telegram_message(chat, "hi"))
    acknowledged = time.perf_counter() - started
    assert response.status_code == 200 and acknowledged < 1.0, acknowledged
    assert platform.received(sent(chat)) == []  # the reply waits for the model, the acknowledgement did not
    await platform.wait_for(sent(chat), timeout=30)
    blocker.result(timeout=10)


async def test_not_acknowledged_before_the_model_is_loaded(platform, channel_app_factory):
    from channel_fakes import channel_settings

    idle = Assistant(make_settings())  # never started: not ready
    app = create_app(make_settings(**channel_settings(platform.url)), assistant=idle)
    chat = new_chat()
    async with client_for(app) as c:
        response = await deliver(c, telegram_message(chat, "hi"))
    assert response.status_code == 503 and response.headers["retry-after"]
    await platform.settle(app)
    assert platform.received(sent(chat)) == []


async def test_a_button_press_counts_even_if_telegram_refuses_the_callback_answer(client, channel_app, platform, assistant):
    chat = new_chat()
    await deliver(client, telegram_message(chat, BLACKMAIL_TEXT))
    await platform.wait_for(sent(chat), count=2)
    await platform.settle(channel_app)
    platform.fail_next(1, status=400)  # answerCallbackQuery: "query is too old"
    await deliver(client, telegram_callback(chat, UNDER18_PAYLOAD))
    await platform.wait_for(sent(chat), count=5)
    assert user_texts(assistant, conversation(channel_app, chat)) == [BLACKMAIL_TEXT, UNDER18_PAYLOAD]
