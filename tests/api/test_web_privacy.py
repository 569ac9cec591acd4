"""Nothing a person types, and no conversation or sender id, ever reaches the logs."""
from __future__ import annotations

import io
import json
import logging

import pytest
import socketio
from kestrel_webtest import ADMIN_TOKEN, client_for, new_conversation

from api.logging_setup import conv_hash, setup_logging

pytestmark = pytest.mark.asyncio(loop_scope="session")

SECRET_TEXT = "my secret is zebra-umbrella-42 and he wants 300 pounds"
REST_SENDER = "rest-sender-privacy-7f3a9c"


@pytest.fixture
def capture_logs():
    """Start capturing the service's own JSON log output, at the most verbose level an operator could
    choose. Call it after building the app: create_app installs its own handler."""
    stream = io.StringIO()

    def start() -> io.StringIO:
        setup_logging("DEBUG", stream=stream)
        return stream

    yield start
    setup_logging("INFO")


@pytest.fixture
def leaky_library(assistant):
    """Make 'Rasa' log the user's text and id at error level during each turn, as a buggy library might."""
    agent = assistant._agent
    original = agent.handle_message

    async def leaking(message):
        logging.getLogger("rasa.core.processor").error("failed on %r from %s", message.text, message.sender_id)
        return await original(message)

    agent.handle_message = leaking
    yield
    agent.handle_message = original


async def test_no_user_text_or_ids_in_logs(app_factory, live_server, capture_logs, leaky_library, capfd):
    app = app_factory()
    captured_logs = capture_logs()
    capfd.readouterr()
    async with client_for(app) as c:
        conversation_id, _ = await new_conversation(c)
        url = f"/api/v1/conversations/{conversation_id}/messages"
        assert (await c.post(url, json={"text": SECRET_TEXT})).status_code == 200
        assert (await c.post(url, json={"text": ""})).status_code == 422
        assert (await c.post(url, json={"text": SECRET_TEXT * 100})).status_code == 422
        rest = await c.post("/webhooks/rest/webhook", json={"sender": REST_SENDER, "message": SECRET_TEXT})
        assert rest.status_code == 200
        auth = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
        parse = await c.post("/model/parse", json={"text": SECRET_TEXT}, headers=auth)
        assert parse.status_code == 200
        assert (await c.delete(f"/api/v1/conversations/{conversation_id}")).status_code == 204
        assert (await c.post(url, json={"text": SECRET_TEXT})).status_code == 404

    sio = socketio.AsyncClient(reconnection=False)
    replies = []
    sio.on("bot_uttered", replies.append)
    confirmed = []
    sio.on("session_confirm", confirmed.append)
    await sio.connect(live_server.url, transports=["websocket"], socketio_path="socket.io")
    await sio.emit("session_request", {"session_id": None})
    await sio.sleep(0.5)
    socket_id = confirmed[0]
    await sio.emit("user_uttered", {"message": SECRET_TEXT, "session_id": socket_id})
    for _ in range(100):
        if replies:
            break
        await sio.sleep(0.1)
    await sio.disconnect()
    assert replies, "the socket conversation was answered"

    logs = captured_logs.getvalue()
    out, err = capfd.readouterr()
    lines = [json.loads(line) for line in logs.splitlines() if line.strip()]
    assert any(line["msg"] == "turn" and line.get("conv") == conv_hash(conversation_id) for line in lines), (
        "turns are logged with a hash that correlates them"
    )
    assert any(line["logger"] == "rasa.core.processor" for line in lines), "the leaky library did log"
    for secret in (SECRET_TEXT, "zebra-umbrella-42", conversation_id, REST_SENDER, socket_id):
        for where, text in (("json logs", logs), ("stdout", out), ("stderr", err)):
            assert secret not in text, f"{secret!r} leaked into {where}"
    assert not any("WebSocket" in line["msg"] or "connection open" in line["msg"] for line in lines), (
        "per-connection server lines carry client addresses"
    )


async def test_unexpected_errors_are_logged_by_type_only(client, assistant, capture_logs):
    captured_logs = capture_logs()
    agent = assistant._agent
    original = agent.handle_message

    async def explode(message):
        raise RuntimeError(f"tracker dump: {message.text}")

    agent.handle_message = explode
    try:
        response = await client.post("/webhooks/rest/webhook", json={"sender": REST_SENDER, "message": SECRET_TEXT})
    finally:
        agent.handle_message = original
    assert response.status_code == 500
    assert SECRET_TEXT not in response.text
    logs = captured_logs.getvalue()
    assert "RuntimeError" in logs
    assert SECRET_TEXT not in logs and REST_SENDER not in logs


async def test_metrics_carry_no_text_or_ids(client):
    conversation_id, _ = await new_conversation(client)
    await client.post(f"/api/v1/conversations/{conversation_id}/messages", json={"text": SECRET_TEXT})
    metrics = (await client.get("/metrics")).text
    assert conversation_id not in metrics and "zebra" not in metrics
    assert 'route="/api/v1/conversations/{conversation_id}/messages"' in metrics
