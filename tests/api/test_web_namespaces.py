"""Each way in has its own conversations: an id that names a conversation through one (a REST sender, a
web API id, a Socket.IO session) names nothing through the others."""
from __future__ import annotations

import re
import secrets
import subprocess
import uuid
from pathlib import Path

import httpx
import pytest
from kestrel_webtest import BLACKMAIL_TEXT, client_for, new_conversation, user_texts
from test_web_socketio import RasaSocketClient

from api.conversations import rest_conversation_id
from api.settings import Settings

pytestmark = pytest.mark.asyncio(loop_scope="session")

REPO = Path(__file__).resolve().parents[2]
REST = "/webhooks/rest/webhook"


async def rest_say(client: httpx.AsyncClient, sender: str, message: str) -> httpx.Response:
    return await client.post(REST, json={"sender": sender, "message": message})


async def test_a_rest_sender_cannot_be_read_or_erased_through_the_web_api(client, assistant):
    sender = f"user{secrets.randbelow(10**6)}"  # the kind of sender a careless front end picks
    assert (await rest_say(client, sender, BLACKMAIL_TEXT)).status_code == 200
    for guess in (sender, rest_conversation_id(sender)):
        sent = await client.post(f"/api/v1/conversations/{guess}/messages", json={"text": "what did I say?"})
        assert sent.status_code == 404, guess
        assert (await client.delete(f"/api/v1/conversations/{guess}")).status_code == 404, guess
    assert user_texts(assistant, rest_conversation_id(sender)) == [BLACKMAIL_TEXT], "untouched"


async def test_a_web_api_conversation_cannot_be_reached_as_a_rest_sender(client, assistant):
    conversation_id, _ = await new_conversation(client)
    replies = (await rest_say(client, conversation_id, BLACKMAIL_TEXT)).json()
    assert all(reply["recipient_id"] == conversation_id for reply in replies), "Rasa's clients see their sender"
    assert user_texts(assistant, conversation_id) == ["/greet"], "the web API conversation is untouched"


async def test_socketio_resumes_only_its_own_conversations(client, live_server, assistant):
    sender = f"user{secrets.randbelow(10**6)}"
    await rest_say(client, sender, BLACKMAIL_TEXT)
    api_id, _ = await new_conversation(client)
    socket = RasaSocketClient()
    await socket.connect(live_server.url, "websocket")
    try:
        for other in (sender, rest_conversation_id(sender), api_id):
            assert await socket.session(other) != other, other
        own = await socket.session(None)
        await socket.utter(BLACKMAIL_TEXT, own)
    finally:
        await socket.close()
    sent = await client.post(f"/api/v1/conversations/{own}/messages", json={"text": "hello"})
    assert sent.status_code == 404
    assert (await client.delete(f"/api/v1/conversations/{own}")).status_code == 404
    assert user_texts(assistant, own) == [BLACKMAIL_TEXT]
    assert user_texts(assistant, api_id) == ["/greet"]


async def test_without_open_senders_a_rest_sender_must_be_unguessable(app_factory, assistant):
    async with client_for(app_factory(rest_open_senders=False)) as c:
        for guessable in ("user1", "42", "alice@example.org", "a" * 21):
            response = await rest_say(c, guessable, "hi")
            assert response.status_code == 422, guessable
            assert "sender" in response.text
            assert user_texts(assistant, rest_conversation_id(guessable)) == []
        for unguessable in (str(uuid.uuid4()), uuid.uuid4().hex, secrets.token_urlsafe(16)):
            response = await rest_say(c, unguessable, "hi")
            assert response.status_code == 200, response.text
            assert response.json()[0]["recipient_id"] == unguessable


def test_open_senders_are_off_unless_asked_for_and_on_for_make_run(monkeypatch):
    monkeypatch.delenv("REST_OPEN_SENDERS", raising=False)
    assert Settings().rest_open_senders is False
    monkeypatch.setenv("REST_OPEN_SENDERS", "true")
    assert Settings().rest_open_senders is True
    monkeypatch.delenv("REST_OPEN_SENDERS")
    # -n: print the commands `make run` would run (and would train first), without running them.
    dry_run = subprocess.run(["make", "-n", "run"], cwd=REPO, capture_output=True, text=True, timeout=60)
    [serve] = [line for line in dry_run.stdout.splitlines() if re.search(r"-m api\b", line)]
    assert "REST_OPEN_SENDERS=true" in serve, serve
