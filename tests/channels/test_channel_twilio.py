"""SMS and WhatsApp through Twilio: X-Twilio-Signature against PUBLIC_BASE_URL, numbered options, replies
through the Messages API split into single SMS with the crisis numbers in the first."""
from __future__ import annotations

import base64
import secrets

import pytest
from channel_fakes import (
    PUBLIC_BASE_URL,
    TWILIO_NUMBER,
    TWILIO_SID,
    TWILIO_TOKEN,
    channel_settings,
    form,
    twilio_params,
    twilio_signature,
)
from kestrel_webtest import BLACKMAIL_TEXT, CRISIS_TEXT, UNDER18_PAYLOAD, client_for, make_settings, user_texts

from api.assistant import Assistant
from api.channels.base import Inbound
from api.channels.twilio import Address, TwilioChannel
from api.main import create_app

pytestmark = pytest.mark.asyncio(loop_scope="session")

PATH = "/webhooks/twilio"
SIGNED_URL = PUBLIC_BASE_URL + PATH
MESSAGES_PATH = f"/2010-04-01/Accounts/{TWILIO_SID}/Messages.json"
GSM7 = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿"
    "abcdefghijklmnopqrstuvwxyzäöñüà"
)


def new_number() -> str:
    return "+4477" + "".join(secrets.choice("0123456789") for _ in range(8))


def new_sid() -> str:
    return "SM" + secrets.token_hex(16)


def sent(number):
    return lambda r: r["path"] == MESSAGES_PATH and r["form"].get("To") == number


def conversation(app, number) -> str:
    return app.state.channels.ids.conversation("twilio", number)


async def deliver(client, params, signature="sign", url=SIGNED_URL):
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    if signature == "sign":
        headers["X-Twilio-Signature"] = twilio_signature(url, params)
    elif signature is not None:
        headers["X-Twilio-Signature"] = signature
    return await client.post(PATH, content=form(params), headers=headers)


def bodies(records):
    return [r["form"]["Body"] for r in records]


def assert_single_sms(body):
    assert set(body) <= GSM7 and len(body) <= 160, body


async def test_sms_greeting_with_numbered_options(client, channel_app, platform, assistant):
    number = new_number()
    response = await deliver(client, twilio_params(number, "hi", new_sid()))
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/xml")
    assert "<Response></Response>" in response.text
    records = await platform.wait_for(sent(number), count=2)
    expected_auth = "Basic " + base64.b64encode(f"{TWILIO_SID}:{TWILIO_TOKEN}".encode()).decode()
    assert all(r["headers"]["authorization"] == expected_auth for r in records)
    assert all(r["form"]["From"] == TWILIO_NUMBER for r in records)
    for body in bodies(records):
        assert_single_sms(body)
    text = "\n".join(bodies(records))
    assert text.startswith("Hi, I'm Kestrel")
    assert "Reply 1 for They want money or they'll share pics of me" in text
    assert "Reply 5 for I need to talk to someone now" in text
    assert user_texts(assistant, conversation(channel_app, number)) == ["hi"]
    assert user_texts(assistant, number) == []


async def test_an_sms_in_crisis_gets_the_numbers_in_the_first_sms(client, platform):
    number = new_number()
    await deliver(client, twilio_params(number, CRISIS_TEXT, new_sid()))
    records = await platform.wait_for(sent(number), count=3)
    first = records[0]["form"]["Body"]
    assert "999" in first and "116 123" in first, first
    for body in bodies(records):
        assert_single_sms(body)
        assert "**" not in body and "•" not in body
    everything = "\n".join(bodies(records))
    for line in ("Shout: text SHOUT to 85258", "Childline (under 19): call 0800 1111", "0800 068 4141",
                 "I'm really glad you told me", "Reply 2 for I want to talk to a person"):
        assert line in everything


async def test_crisis_numbers_still_come_first_when_the_platform_fails_once(client, platform):
    number = new_number()
    platform.fail_next(1, status=503)
    await deliver(client, twilio_params(number, CRISIS_TEXT, new_sid()))
    records = await platform.wait_for(sent(number), count=3)
    assert "116 123" in records[0]["form"]["Body"]


async def test_a_numeric_reply_maps_back_to_the_payload(client, channel_app, platform, assistant):
    number = new_number()
    await deliver(client, twilio_params(number, BLACKMAIL_TEXT, new_sid()))
    records = await platform.wait_for(sent(number), count=3)
    text = "\n".join(bodies(records))
    assert "Reply 1 for Under 18" in text and "Reply 3 for Rather not say" in text
    assert "Don't pay." in text and "**" not in text

    await deliver(client, twilio_params(number, " 1 ", new_sid()))
    await platform.wait_for(lambda r: sent(number)(r) and "Your plan" in r["form"]["Body"])
    assert user_texts(assistant, conversation(channel_app, number)) == [BLACKMAIL_TEXT, UNDER18_PAYLOAD]
    # After the overview ("Reply 1 for Next step"), a number out of range is just text.
    await platform.settle(channel_app)
    await deliver(client, twilio_params(number, "7", new_sid()))
    await platform.settle(channel_app)
    assert user_texts(assistant, conversation(channel_app, number))[-1] == "7"


def _forgeries(number):
    params = twilio_params(number, CRISIS_TEXT, new_sid())
    tampered = {**params, "Body": "hi"}
    other_account = {**params, "AccountSid": "AC" + "9" * 32}
    return [
        (params, None, SIGNED_URL, 401),  # unsigned
        (params, "", SIGNED_URL, 403),
        (params, twilio_signature(SIGNED_URL, params, token="someone-elses-token"), SIGNED_URL, 403),
        (tampered, twilio_signature(SIGNED_URL, params), SIGNED_URL, 403),  # body changed after signing
        # Signed for the URL the app sees behind a proxy, not the configured public one.
        (params, "sign", "http://testserver" + PATH, 403),
        (params, "sign", SIGNED_URL + "?x=1", 403),
        (other_account, "sign", SIGNED_URL, 403),  # a validly signed message for another account
    ]


async def test_forged_unsigned_and_tampered_requests_are_refused(client, channel_app, platform, assistant):
    number = new_number()
    for params, signature, url, status in _forgeries(number):
        response = await deliver(client, params, signature=signature, url=url)
        assert response.status_code == status, (signature, url, response.text)
    await platform.settle(channel_app)
    assert platform.received(sent(number)) == []
    assert not assistant.registry.known(conversation(channel_app, number))


async def test_the_signature_covers_the_query_string(client, platform):
    number = new_number()
    params = twilio_params(number, "hi", new_sid())
    url = SIGNED_URL + "?source=sms"
    headers = {"Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": twilio_signature(url, params)}
    response = await client.post(PATH + "?source=sms", content=form(params), headers=headers)
    assert response.status_code == 200
    await platform.wait_for(sent(number), count=2)


async def test_a_redelivered_message_is_processed_once(client, channel_app, platform, assistant):
    number = new_number()
    params = twilio_params(number, "hi", new_sid())
    for _ in range(3):
        assert (await deliver(client, params)).status_code == 200
    await platform.wait_for(sent(number), count=2)
    await platform.settle(channel_app)
    text = "\n".join(bodies(platform.received(sent(number))))
    assert text.count("Hi, I'm Kestrel") == 1 and text.count("Reply 1 for") == 1
    assert user_texts(assistant, conversation(channel_app, number)) == ["hi"]


async def test_whatsapp_through_twilio_keeps_bold_and_long_messages(client, channel_app, platform, assistant):
    number = "whatsapp:" + new_number()
    await deliver(client, twilio_params(number, BLACKMAIL_TEXT, new_sid(), to="whatsapp:" + TWILIO_NUMBER))
    records = await platform.wait_for(sent(number), count=3)
    assert all(r["form"]["From"] == "whatsapp:" + TWILIO_NUMBER for r in records)
    first = records[0]["form"]["Body"]
    assert "*Don't pay.*" in first and len(first) > 160 and "•" in first
    assert "Reply 1 for Under 18" in records[2]["form"]["Body"]
    await deliver(client, twilio_params(number, "1", new_sid(), to="whatsapp:" + TWILIO_NUMBER))
    await platform.wait_for(sent(number), count=6)
    assert user_texts(assistant, conversation(channel_app, number)) == [BLACKMAIL_TEXT, UNDER18_PAYLOAD]
    # SMS and WhatsApp from the same number are different conversations.
    assert conversation(channel_app, number) != conversation(channel_app, number[len("whatsapp:"):])


async def test_media_without_text_gets_a_notice(client, platform):
    number = new_number()
    await deliver(client, twilio_params(number, "", new_sid(), NumMedia="1", MediaUrl0="https://api.twilio.com/m"))
    [record] = await platform.wait_for(sent(number))
    assert "only read text" in record["form"]["Body"]


async def test_before_the_model_is_loaded_the_person_is_told(platform):
    app = create_app(make_settings(**channel_settings(platform.url)), assistant=Assistant(make_settings()))
    number = new_number()
    async with client_for(app) as c:
        response = await deliver(c, twilio_params(number, CRISIS_TEXT, new_sid()))
    assert response.status_code == 200
    assert "<Message>Sorry, I'm just starting up." in response.text
    await platform.settle(app)
    assert platform.received(sent(number)) == []


def _shifted(params):
    """The same signed string with NumMedia's name and value moved into the end of MessageSid's value."""
    shifted = {name: value for name, value in params.items() if name != "NumMedia"}
    shifted["MessageSid"] = params["MessageSid"] + "NumMedia" + params["NumMedia"]
    return shifted


async def test_a_replay_with_a_shifted_boundary_is_refused(client, channel_app, platform, assistant):
    number = new_number()
    params = twilio_params(number, "hi", new_sid())
    signature = twilio_signature(SIGNED_URL, params)
    assert (await deliver(client, params, signature=signature)).status_code == 200
    await platform.wait_for(sent(number), count=2)
    await platform.settle(channel_app)

    shifted = _shifted(params)
    assert twilio_signature(SIGNED_URL, shifted) == signature, "the signature cannot tell them apart"
    response = await deliver(client, shifted, signature=signature)
    assert response.status_code == 400
    await platform.settle(channel_app)
    text = "\n".join(bodies(platform.received(sent(number))))
    assert text.count("Hi, I'm Kestrel") == 1, "the replies were not sent again"
    assert user_texts(assistant, conversation(channel_app, number)) == ["hi"]


def _never_sent_by_twilio(number):
    sid = new_sid()
    return {
        "short MessageSid": twilio_params(number, "hi", "SM123"),
        "MessageSid with more after it": _shifted(twilio_params(number, "hi", sid)),
        "uppercase MessageSid": twilio_params(number, "hi", sid.upper()),
        "SmsSid not the MessageSid": {**twilio_params(number, "hi", sid), "SmsSid": new_sid()},
        "SmsMessageSid not the MessageSid": twilio_params(number, "hi", sid, SmsMessageSid=new_sid()),
        "NumMedia not a number": twilio_params(number, "hi", sid, NumMedia="0SmsSid"),
        "From not a number": twilio_params(number + "SmsSid", "hi", sid),
        "To not a number": twilio_params(number, "hi", sid, to=TWILIO_NUMBER + "x"),
    }


async def test_parameter_sets_twilio_never_sends_are_refused(client, channel_app, platform, assistant):
    number = new_number()
    for case, params in _never_sent_by_twilio(number).items():
        response = await deliver(client, params)  # correctly signed, as a replay or a forgery would be
        assert response.status_code == 400, case
    await platform.settle(channel_app)
    assert platform.received(lambda r: r["path"] == MESSAGES_PATH and number in r["form"].get("To", "")) == []
    assert not assistant.registry.known(conversation(channel_app, number))


async def test_a_repeated_parameter_is_refused(client, channel_app, platform, assistant):
    number = new_number()
    params = twilio_params(number, "hi", new_sid())
    # Twilio's validator signs each distinct value once, so a repeated pair keeps the signature valid.
    raw = form(params) + b"&Body=hi"
    headers = {"Content-Type": "application/x-www-form-urlencoded",
               "X-Twilio-Signature": twilio_signature(SIGNED_URL, params)}
    response = await client.post(PATH, content=raw, headers=headers)
    assert response.status_code == 400
    await platform.settle(channel_app)
    assert platform.received(sent(number)) == []
    assert not assistant.registry.known(conversation(channel_app, number))


async def test_a_delivery_is_remembered_by_its_signature_as_well(channel_app, platform):
    runtime = channel_app.state.channels
    channel = TwilioChannel(runtime)
    number = new_number()
    inbound = Inbound(user=number, text="hi", address=Address(number, TWILIO_NUMBER))
    signature = "signature:" + secrets.token_urlsafe(20)
    assert await runtime.accept(channel, new_sid(), inbound, also_seen=(signature,)) == "queued"
    assert await runtime.accept(channel, new_sid(), inbound, also_seen=(signature,)) == "duplicate"
    await platform.wait_for(sent(number), count=2)
    await platform.settle(channel_app)
    assert "\n".join(bodies(platform.received(sent(number)))).count("Hi, I'm Kestrel") == 1
