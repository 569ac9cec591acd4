"""A messaging channel's conversations are out of reach of every other way in, even for someone who knows
CHANNEL_ID_SECRET and so can compute their ids; and the example secret from the manifests is refused."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from channel_fakes import TELEGRAM_SECRET, TELEGRAM_TOKEN, channel_settings, telegram_message
from kestrel_webtest import BLACKMAIL_TEXT, free_port, user_texts
from pydantic import ValidationError

from api.channels.ids import ConversationIds
from api.settings import Settings

pytestmark = pytest.mark.asyncio(loop_scope="session")

REPO = Path(__file__).resolve().parents[2]


async def test_a_computed_channel_id_opens_nothing_through_rest_or_the_web_api(client, channel_app, platform,
                                                                             assistant):
    chat = 900_000_000 + int.from_bytes(os.urandom(3), "big")
    response = await client.post("/webhooks/telegram", json=telegram_message(chat, BLACKMAIL_TEXT),
                                 headers={"X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET})
    assert response.status_code == 200
    await platform.wait_for(lambda r: r["path"] == f"/bot{TELEGRAM_TOKEN}/sendMessage"
                            and r["json"].get("chat_id") == chat)
    await platform.settle(channel_app)
    # What anyone holding the key can work out from a chat id or a phone number.
    computed = channel_app.state.channels.ids.conversation("telegram", str(chat))
    assert user_texts(assistant, computed) == [BLACKMAIL_TEXT]

    rest = await client.post("/webhooks/rest/webhook", json={"sender": computed, "message": "what did I say?"})
    assert rest.status_code == 200
    assert all(reply["recipient_id"] == computed for reply in rest.json())
    sent = await client.post(f"/api/v1/conversations/{computed}/messages", json={"text": "what did I say?"})
    assert sent.status_code == 404
    assert (await client.delete(f"/api/v1/conversations/{computed}")).status_code == 404
    assert user_texts(assistant, computed) == [BLACKMAIL_TEXT], "the Telegram conversation is untouched"


def test_channel_ids_carry_their_channel():
    ids = ConversationIds(b"k" * 32)
    made = {channel: ids.conversation(channel, "+447700900123") for channel in ("telegram", "whatsapp", "twilio")}
    assert all(made[channel].startswith(channel + "-") for channel in made)
    assert len(set(made.values())) == 3


def _example_secrets():
    found = []
    for path in [REPO / "docker-compose.yml", *sorted((REPO / "deploy").rglob("*"))]:
        if path.is_file() and path.suffix in (".yml", ".yaml", ".env", ".example", ""):
            text = path.read_text(errors="replace")
            found += re.findall(r"CHANNEL_ID_SECRET[\"']?\s*[:=]\s*[\"']?([^\"'\s#]+)", text)
    # `${CHANNEL_ID_SECRET:?…}` (compose) passes on the deployer's own value: not an example.
    return [value for value in found if not value.startswith("${")]


def test_the_example_secret_is_refused():
    examples = _example_secrets()
    assert examples, "the manifests show an example CHANNEL_ID_SECRET"
    for value in [*examples, "change-me-please-0123456789", "CHANGEME-0123456789abcdef", "replace-me-with-something"]:
        with pytest.raises(ValidationError, match="CHANNEL_ID_SECRET"):
            Settings(channel_id_secret=value)
    assert Settings(**channel_settings("http://127.0.0.1:9")).channel_id_secret is not None, "a real one is fine"


def test_the_service_will_not_start_with_the_example_secret(tmp_path):
    [example, *_] = _example_secrets()
    env = dict(os.environ, CHANNEL_ID_SECRET=example, PORT=str(free_port()), HOST="127.0.0.1",
               MODEL_PATH=str(tmp_path))
    done = subprocess.run([sys.executable, "-m", "api"], cwd=REPO, env=env, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode != 0
    assert "CHANNEL_ID_SECRET" in done.stderr
    assert example not in done.stderr, "the value itself stays off the console"
