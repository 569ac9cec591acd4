"""Helpers shared by the web service tests (a module with a unique name, so no clash with other
test folders' conftest.py)."""
from __future__ import annotations

import asyncio
import contextlib
import json
import os
import socket
import threading
import time
from pathlib import Path
from typing import Any, AsyncIterator, Dict, List

import httpx
import pytest
import socketio
import uvicorn

from api.assistant import Assistant
from api.settings import Settings, latest_model

REPO = Path(__file__).resolve().parents[2]
MODEL_DIR = Path(os.environ.get("KESTREL_TEST_MODEL_PATH", REPO / "models"))
ADMIN_TOKEN = "test-admin-token-0123456789abcdefghijklmnop"

# The assistant's contract that these tests rely on.
BLACKMAIL_TEXT = "someone has my nudes and wants £200 or he'll send them to my family"
CRISIS_TEXT = "i want to kill myself"
UNDER18_PAYLOAD = '/tell_age{"age_group":"under18"}'


def make_settings(**overrides: Any) -> Settings:
    values: Dict[str, Any] = dict(
        model_path=MODEL_DIR,
        admin_token=ADMIN_TOKEN,
        # Generous by default so only the rate-limit tests meet the limits.
        rate_limit_per_client=100_000,
        rate_limit_per_conversation=100_000,
        rate_limit_socketio_connections=100_000,
        max_socketio_connections_per_client=100_000,
        rate_limit_socketio_events=100_000,
        # Every test is one client, and the assistant (with its count) is shared by the whole session.
        max_conversations_per_client=100_000,
        retention_minutes=30,
        cors_origins=[],
        log_level="INFO",
        max_text_chars=2000,
        action_endpoint_url=None,
        # As `make run` serves: many tests name REST conversations briefly ("x").
        rest_open_senders=True,
    )
    values.update(overrides)
    return Settings(**values)


@contextlib.asynccontextmanager
async def started_assistant() -> AsyncIterator[Assistant]:
    """The real trained model in an Assistant, for a session fixture (tests/api and tests/channels)."""
    if MODEL_DIR.is_dir() and latest_model(MODEL_DIR) is None:
        pytest.fail(f"no trained model in {MODEL_DIR}: run `make train` first")
    started = time.perf_counter()
    instance = Assistant(make_settings())
    await instance.start()
    ready = await instance.wait_until_ready(timeout=900)
    assert ready, f"model failed to load: {instance.load_error}"
    print(f"\n[kestrel] model loaded in {time.perf_counter() - started:.1f} s")
    try:
        yield instance
    finally:
        await instance.stop()


def client_for(app: Any, **kwargs: Any) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver", **kwargs)


async def new_conversation(client: httpx.AsyncClient) -> tuple[str, List[Dict[str, Any]]]:
    response = await client.post("/api/v1/conversations")
    assert response.status_code == 201, response.text
    body = response.json()
    return body["conversation_id"], body["messages"]


async def say(client: httpx.AsyncClient, conversation_id: str, **body: str) -> List[Dict[str, Any]]:
    response = await client.post(f"/api/v1/conversations/{conversation_id}/messages", json=body)
    assert response.status_code == 200, response.text
    return response.json()["messages"]


def all_text(messages: List[Dict[str, Any]]) -> str:
    return "\n".join(m.get("text", "") for m in messages)


def all_payloads(messages: List[Dict[str, Any]]) -> List[str]:
    return [b["payload"] for m in messages for b in m.get("buttons", []) or []]


def user_texts(assistant: Assistant, conversation_id: str) -> List[str]:
    """What the store holds as the person's messages in this conversation."""
    raw = assistant._tracker_store.store.get(conversation_id)
    if raw is None:
        return []
    return [e.get("text") for e in json.loads(raw)["events"] if e.get("event") == "user"]


def user_metadata(assistant: Assistant, conversation_id: str) -> List[Any]:
    raw = assistant._tracker_store.store[conversation_id]
    return [e.get("metadata") for e in json.loads(raw)["events"] if e.get("event") == "user"]


# ---- a real server on a loopback port --------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LiveServer:
    def __init__(self, app: Any) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(
            app, host="127.0.0.1", port=self.port, log_config=None, access_log=False, lifespan="on",
            ws="websockets",
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, name="uvicorn-test", daemon=True)

    def __enter__(self) -> "LiveServer":
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: Any) -> None:
        self.server.should_exit = True
        self.thread.join(10)


def run_blocking_on_worker(assistant: Assistant, seconds: float) -> "asyncio.Future[Any]":
    """Occupy the model thread the way a long synchronous prediction does (no await inside)."""

    async def block() -> None:
        time.sleep(seconds)

    return asyncio.run_coroutine_threadsafe(block(), assistant.worker._loop)  # type: ignore[return-value]


# ---- a Socket.IO client that talks like rasa-webchat -------------------------------------------------


class RasaSocketClient:
    """Talks like rasa-webchat: session_request, then user_uttered; collects bot_uttered."""

    def __init__(self) -> None:
        self.sio = socketio.AsyncClient(reconnection=False)
        self.confirmed: asyncio.Queue = asyncio.Queue()
        self.bot: asyncio.Queue = asyncio.Queue()
        self.errors: asyncio.Queue = asyncio.Queue()
        self.sio.on("session_confirm", self.confirmed.put)
        self.sio.on("bot_uttered", self.bot.put)
        self.sio.on("kestrel_error", self.errors.put)

    async def connect(self, url: str, transport: str) -> None:
        await self.sio.connect(url, transports=[transport], socketio_path="socket.io", wait_timeout=10)

    async def session(self, session_id: Any = None) -> str:
        await self.sio.emit("session_request", {"session_id": session_id})
        return await asyncio.wait_for(self.confirmed.get(), 10)

    async def utter(self, message: str, session_id: str, settle: float = 0.5) -> List[Dict[str, Any]]:
        await self.sio.emit("user_uttered", {"message": message, "session_id": session_id})
        return await self.replies(settle)

    async def replies(self, settle: float = 0.5) -> List[Dict[str, Any]]:
        """The bot messages of one turn (they arrive back to back)."""
        first = await asyncio.wait_for(self.bot.get(), 30)
        received = [first]
        while True:  # the replies of one turn arrive back to back
            try:
                received.append(await asyncio.wait_for(self.bot.get(), settle))
            except asyncio.TimeoutError:
                return received

    async def close(self) -> None:
        await self.sio.disconnect()
