"""Socket.IO at /socket.io/ with Rasa's protocol, through a real uvicorn server and python-socketio's client."""
from __future__ import annotations

import asyncio
import time

import httpx
import pytest
import socketio
from kestrel_webtest import BLACKMAIL_TEXT, UNDER18_PAYLOAD, RasaSocketClient, user_texts

from api.http.v1 import GREETING_PAYLOAD

pytestmark = pytest.mark.asyncio(loop_scope="session")


@pytest.mark.parametrize("transport", ["websocket", "polling"])
async def test_socketio_rasa_protocol(live_server, assistant, transport):
    client = RasaSocketClient()
    await client.connect(live_server.url, transport)
    try:
        session_id = await client.session(None)
        assert isinstance(session_id, str) and len(session_id) >= 32

        greeting = await client.utter("/greet", session_id)
        assert all(set(m) <= {"text", "quick_replies"} for m in greeting)
        quick = [q for m in greeting for q in m.get("quick_replies", [])]
        assert quick, "buttons arrive as quick_replies"
        assert all(set(q) == {"content_type", "title", "payload"} and q["content_type"] == "text" for q in quick)

        replies = await client.utter(BLACKMAIL_TEXT, session_id)
        texts = " ".join(m.get("text", "") for m in replies).lower()
        assert "pay" in texts
        assert UNDER18_PAYLOAD in [q["payload"] for m in replies for q in m.get("quick_replies", [])]
        assert user_texts(assistant, session_id) == ["/greet", BLACKMAIL_TEXT]
    finally:
        started = time.perf_counter()
        await client.close()
    # Long-polling clients used to wait 30 s here for engineio to release their pending poll.
    assert time.perf_counter() - started < 5


async def test_socketio_unknown_session_id_is_replaced_and_known_one_resumed(live_server, assistant):
    first = RasaSocketClient()
    await first.connect(live_server.url, "websocket")
    try:
        made_up = "guessed-session-id-1234567890"
        session_id = await first.session(made_up)
        assert session_id != made_up, "a client cannot choose its own conversation id"
        restarted = await first.replies()  # told the old conversation is gone, and greeted
        assert any(m.get("quick_replies") for m in restarted)
        await first.utter(BLACKMAIL_TEXT, session_id)
    finally:
        await first.close()

    second = RasaSocketClient()  # e.g. the page was reloaded with the id kept in sessionStorage
    await second.connect(live_server.url, "websocket")
    try:
        assert await second.session(session_id) == session_id
        await second.utter(UNDER18_PAYLOAD, session_id)
        assert user_texts(assistant, session_id) == [GREETING_PAYLOAD, BLACKMAIL_TEXT, UNDER18_PAYLOAD]
    finally:
        await second.close()


async def test_socketio_bad_message_gets_an_error_event_not_a_reply(live_server):
    client = RasaSocketClient()
    await client.connect(live_server.url, "websocket")
    try:
        session_id = await client.session()
        await client.sio.emit("user_uttered", {"message": "   ", "session_id": session_id})
        error = await asyncio.wait_for(client.errors.get(), 10)
        assert error["status"] == 422 and "empty" in error["detail"]
        await client.sio.emit("user_uttered", "not an object")
        error = await asyncio.wait_for(client.errors.get(), 10)
        assert error["status"] == 422
        assert client.bot.empty()
    finally:
        await client.close()


async def test_socketio_refuses_foreign_origins(app_factory):
    from kestrel_webtest import LiveServer

    with LiveServer(app_factory(cors_origins=["https://partner.example"])) as server:
        allowed = socketio.AsyncClient(reconnection=False)
        await allowed.connect(server.url, transports=["polling"], headers={"Origin": "https://partner.example"},
                              wait_timeout=10)
        await allowed.disconnect()
        async with httpx.AsyncClient(base_url=server.url) as c:
            handshake = await c.get("/socket.io/?EIO=4&transport=polling", headers={"Origin": "https://partner.example"})
            assert handshake.status_code == 200
            assert handshake.headers.get_list("access-control-allow-origin") == ["https://partner.example"]
            foreign = await c.get("/socket.io/?EIO=4&transport=polling", headers={"Origin": "https://evil.example"})
            assert foreign.status_code == 400 and "access-control-allow-origin" not in foreign.headers
        refused = socketio.AsyncClient(reconnection=False)
        with pytest.raises(socketio.exceptions.ConnectionError):
            await refused.connect(server.url, transports=["polling"], headers={"Origin": "https://evil.example"},
                                  wait_timeout=10)


async def test_socketio_resend_with_the_same_idempotency_key_applies_once(live_server, assistant):
    """A client that lost its connection before the reply came resends with the same
    `metadata.idempotency_key`: it gets the first reply again, and the message is applied once."""
    import re
    import uuid

    def keyed(message: str, session_id: str, key: str) -> dict:
        return {"message": message, "session_id": session_id, "metadata": {"idempotency_key": key}}

    client = RasaSocketClient()
    await client.connect(live_server.url, "websocket")
    try:
        session_id = await client.session()
        await client.utter(BLACKMAIL_TEXT, session_id)
        await client.utter(UNDER18_PAYLOAD, session_id)
        await client.utter("/next_step", session_id)
        key = str(uuid.uuid4())
        await client.sio.emit("user_uttered", keyed("done", session_id, key))
        first = await client.replies()
        await client.sio.emit("user_uttered", keyed("done", session_id, key))
        again = await client.replies()
        assert again == first
        assert re.findall(r"Step (\d+) of", " ".join(m.get("text", "") for m in first)) == ["2"]
        assert user_texts(assistant, session_id).count("done") == 1

        await client.sio.emit("user_uttered", keyed("something else", session_id, key))
        error = await asyncio.wait_for(client.errors.get(), 10)
        assert error["status"] == 422
        await client.sio.emit("user_uttered", keyed("done", session_id, ""))
        error = await asyncio.wait_for(client.errors.get(), 10)
        assert error["status"] == 400 and "Idempotency-Key" in error["detail"]
        assert client.bot.empty()
    finally:
        await client.close()
