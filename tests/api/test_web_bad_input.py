"""Bad input gets a clear 4xx and never a 5xx."""
from __future__ import annotations

import json

import pytest
from kestrel_webtest import client_for, new_conversation, user_texts

pytestmark = pytest.mark.asyncio(loop_scope="session")


@pytest.fixture
async def conversation(client):
    conversation_id, _ = await new_conversation(client)
    return conversation_id


def messages_url(conversation_id: str) -> str:
    return f"/api/v1/conversations/{conversation_id}/messages"


@pytest.mark.parametrize("text", ["", " ", "   \n\t  ", "\x00\x01\x7f", "\u200b"[:0] + "\x1b\x08"])
async def test_empty_or_whitespace_text_is_422(client, conversation, text):
    response = await client.post(messages_url(conversation), json={"text": text})
    assert response.status_code == 422
    assert "empty" in response.text


async def test_text_over_the_limit_is_422_naming_the_limit(client, conversation):
    response = await client.post(messages_url(conversation), json={"text": "a" * 2001})
    assert response.status_code == 422
    assert "2000" in response.text
    ok = await client.post(messages_url(conversation), json={"text": "a" * 2000})
    assert ok.status_code == 200


async def test_the_limit_follows_the_setting(app_factory):
    async with client_for(app_factory(max_text_chars=50)) as c:
        conversation_id, _ = await new_conversation(c)
        response = await c.post(messages_url(conversation_id), json={"text": "b" * 51})
        assert response.status_code == 422 and "50" in response.text
        response = await c.post("/webhooks/rest/webhook", json={"sender": "limit-test", "message": "b" * 51})
        assert response.status_code == 422 and "50" in response.text


async def test_malformed_json_is_422(client, conversation):
    for body in (b"{", b'{"text": "hi"', b"not json at all", b"\xff\xfe", b'{"text": "\xc3\x28"}', b"\x80abc"):
        response = await client.post(
            messages_url(conversation), content=body, headers={"Content-Type": "application/json"}
        )
        assert response.status_code == 422, body


@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", None]
)
async def test_wrong_content_type_is_415_except_on_rasas_rest_webhook(client, conversation, content_type):
    headers = {"Content-Type": content_type} if content_type else {}
    response = await client.post(messages_url(conversation), content=b'{"text": "hi"}', headers=headers)
    assert response.status_code == 415
    assert "application/json" in response.json()["detail"]
    # Rasa's REST webhook reads any body as JSON, as `rasa run` does (test_web_rasa_dropin.py).
    rest = await client.post("/webhooks/rest/webhook", content=b'{"sender":"a","message":"hi"}', headers=headers)
    assert rest.status_code == 200


async def test_json_with_charset_is_accepted(client, conversation):
    response = await client.post(
        messages_url(conversation), content=json.dumps({"text": "hello"}).encode(),
        headers={"Content-Type": "application/json; charset=utf-8"},
    )
    assert response.status_code == 200


async def test_body_over_the_byte_limit_is_413(client, conversation):
    huge = json.dumps({"text": "x" * 70_000}).encode()
    response = await client.post(messages_url(conversation), content=huge, headers={"Content-Type": "application/json"})
    assert response.status_code == 413
    assert "65536" in response.json()["detail"]

    async def chunks():  # no Content-Length: counted while streaming
        for _ in range(20):
            yield b" " * 8192

    streamed = await client.post(
        messages_url(conversation), content=chunks(), headers={"Content-Type": "application/json"}
    )
    assert streamed.status_code == 413


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"text": "hi", "payload": "/greet"},
        {"payload": "greet"},
        {"payload": "/"},
        {"payload": "/greet with spaces"},
        {"text": 42},
        {"text": ["hi"]},
        {"text": None},
        ["hi"],
        "hi",
    ],
)
async def test_invalid_bodies_are_422(client, conversation, body):
    response = await client.post(messages_url(conversation), json=body)
    assert response.status_code == 422, response.text


async def test_control_characters_are_stripped(client, assistant, conversation):
    response = await client.post(messages_url(conversation), json={"text": "he\x00l\x07lo\u0085 there\x1b[31m"})
    assert response.status_code == 200
    assert user_texts(assistant, conversation)[-1] == "hello there[31m"


@pytest.mark.parametrize(
    "text",
    [
        "😭😭 he wants money 💸",
        "مرحبا، أحتاج إلى مساعدة",
        "שלום, מישהו מאיים עליי",
        "\u200fمرحبا\u200e hello",
        "naïve café",
    ],
    ids=["emoji", "arabic", "hebrew", "bidi-marks", "accents"],
)
async def test_any_utf8_is_accepted_unchanged(client, assistant, conversation, text):
    response = await client.post(messages_url(conversation), json={"text": text})
    assert response.status_code == 200
    assert user_texts(assistant, conversation)[-1] == text


async def test_lone_surrogates_do_not_cause_a_server_error(client, conversation):
    raw = b'{"text": "hi \\ud800 there"}'
    response = await client.post(messages_url(conversation), content=raw, headers={"Content-Type": "application/json"})
    assert response.status_code == 200
    only = b'{"text": "\\udfff"}'
    response = await client.post(messages_url(conversation), content=only, headers={"Content-Type": "application/json"})
    assert response.status_code == 422


async def test_unknown_routes_and_methods(client):
    assert (await client.get("/api/v1/nothing-here")).status_code == 404
    assert (await client.get("/api/v1/conversations")).status_code == 405
    assert (await client.put("/api/v1/conversations/abc")).status_code == 405


async def test_a_nul_byte_in_a_static_path_is_404_not_500(client):
    for path in ("/static/a%00b", "/static/%00", "/static/widget.js%00.txt"):
        assert (await client.get(path)).status_code == 404, path


async def test_redirects_stay_on_this_site_whatever_host_is_sent(client):
    response = await client.get("/static", headers={"Host": "evil.example"})
    assert response.status_code in (301, 302, 307, 308)
    assert response.headers["location"] == "/static/"
