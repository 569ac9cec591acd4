"""Kestrel's REST webhook side by side with stock `rasa run` on the same model (docs/rasa-clients.md).

One stock server for the module: `rasa run` with the repository's own credentials.yml, plus
`rasa run actions` (stock Rasa has no in-process actions), each on a free loopback port. Every REST
request below goes to both over real HTTP; where Kestrel is deliberately different the test says so and
checks both sides. The last test holds credentials.yml's Socket.IO settings to what they promise.
"""
from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Tuple

import httpx
import pytest
from kestrel_webtest import BLACKMAIL_TEXT, MODEL_DIR, REPO, RasaSocketClient, free_port

from actions.render import text_of
from api.conversations import rest_conversation_id
from api.settings import latest_model

pytestmark = pytest.mark.asyncio(loop_scope="session")

WEBHOOK = "/webhooks/rest/webhook"
STOCK_START_SECONDS = 300


class StockRasa:
    """`rasa run actions` + `rasa run` (REST channel only), stopped with their process groups."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.port, actions_port = free_port(), free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        model = latest_model(MODEL_DIR) if MODEL_DIR.is_dir() else MODEL_DIR
        if model is None:
            pytest.fail(f"no trained model in {MODEL_DIR}: run `make train` first")
        # A copy, so a retrain elsewhere cannot swap the model under the running server.
        self.model = shutil.copy(model, workdir / "model.tar.gz")
        (workdir / "endpoints.yml").write_text(f'action_endpoint:\n  url: "http://127.0.0.1:{actions_port}/webhook"\n')
        rasa = str(Path(sys.executable).parent / "rasa")
        env = {**os.environ, "RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "2"}
        self.processes = [
            self._start("actions", [rasa, "run", "actions", "--actions", "actions", "--port", str(actions_port)],
                        {**env, "SANIC_HOST": "127.0.0.1"}),  # rasa_sdk's only way to bind to loopback
            self._start("rasa", [rasa, "run", "--model", str(self.model), "--endpoints", str(workdir / "endpoints.yml"),
                                 "--credentials", str(REPO / "credentials.yml"), "--interface", "127.0.0.1",
                                 "--port", str(self.port)], env),
        ]

    def _start(self, name: str, command: List[str], env: Dict[str, str]) -> subprocess.Popen:
        with open(self.workdir / f"{name}.log", "wb") as log:
            return subprocess.Popen(command, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT,
                                    stdin=subprocess.DEVNULL, start_new_session=True)

    def logs(self) -> str:
        return "\n".join(f"--- {p.name}\n{p.read_text(errors='replace')[-2000:]}" for p in self.workdir.glob("*.log"))

    def wait_until_answering(self) -> None:
        """Until a message gets a reply: the model is loaded and the action server answers."""
        deadline = time.monotonic() + STOCK_START_SECONDS
        while time.monotonic() < deadline:
            if any(p.poll() is not None for p in self.processes):
                pytest.fail(f"stock rasa exited early:\n{self.logs()}")
            try:
                answer = httpx.post(self.url + WEBHOOK, json={"sender": "warm-up", "message": "/greet"}, timeout=30)
                if answer.status_code == 200 and answer.json():
                    return
            except httpx.HTTPError:
                pass
            time.sleep(1)
        pytest.fail(f"stock rasa did not answer within {STOCK_START_SECONDS} s:\n{self.logs()}")

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)  # the group this fixture created, nothing else
        for process in self.processes:
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(5)


@pytest.fixture(scope="module")
def stock(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    server = StockRasa(tmp_path_factory.mktemp("stock-rasa"))
    try:
        server.wait_until_answering()
        yield server.url
    finally:
        server.stop()


async def both(stock: str, kestrel: str, body: bytes, headers: Optional[Dict[str, str]] = None
               ) -> Tuple[httpx.Response, httpx.Response]:
    """The same raw request to stock Rasa and to Kestrel."""
    async with httpx.AsyncClient(timeout=30) as client:
        rasa = await client.post(stock + WEBHOOK, content=body, headers=headers or {})
        kestrel = await client.post(kestrel + WEBHOOK, content=body, headers=headers or {})
    return rasa, kestrel


def new_sender() -> str:
    return secrets.token_urlsafe(16)


def raw(body: Any) -> bytes:
    return json.dumps(body).encode()


# ---- 1. any Content-Type --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "content_type", [None, "text/plain", "application/x-www-form-urlencoded", "application/json; charset=utf-8"],
    ids=["none", "text-plain", "form (curl -d)", "json-charset"],
)
async def test_any_content_type_is_read_as_json(stock, live_server, content_type):
    sender = new_sender()
    headers = {"Content-Type": content_type} if content_type else {}
    rasa, kestrel = await both(stock, live_server.url, raw({"sender": sender, "message": "/greet"}), headers)
    assert rasa.status_code == kestrel.status_code == 200
    assert kestrel.json() == rasa.json() and kestrel.json(), "the same greeting, in the same JSON"


async def test_invalid_json_is_a_clear_4xx_whatever_the_content_type(stock, live_server):
    # Deliberately different: Rasa answers 400 (or 500 for a JSON array); Kestrel 422 for both, saying why.
    rasa, kestrel = await both(stock, live_server.url, b'{"sender": "x", "message": ', {"Content-Type": "text/plain"})
    assert rasa.status_code == 400 and kestrel.status_code == 422
    rasa, kestrel = await both(stock, live_server.url, b"[]")
    assert rasa.status_code == 500 and kestrel.status_code == 422


# ---- 2. numeric senders ---------------------------------------------------------------------------


@pytest.mark.parametrize("number", [secrets.randbelow(10**12) + 1, secrets.randbelow(10**6) + 0.25], ids=["int", "float"])
async def test_a_numeric_sender_is_its_text(stock, live_server, assistant, number):
    rasa, kestrel = await both(stock, live_server.url, raw({"sender": number, "message": "/greet"}))
    assert rasa.status_code == kestrel.status_code == 200
    assert kestrel.json() == rasa.json()
    assert {m["recipient_id"] for m in kestrel.json()} == {str(number)}
    assert await assistant.conversation_exists(rest_conversation_id(str(number)))


async def test_a_boolean_sender_is_refused(stock, live_server):
    # Deliberately different: Rasa files it under "True"; Kestrel takes JSON numbers only.
    rasa, kestrel = await both(stock, live_server.url, raw({"sender": True, "message": "/greet"}))
    assert rasa.status_code == 200 and {m["recipient_id"] for m in rasa.json()} == {"True"}
    assert kestrel.status_code == 422 and "sender" in kestrel.text


# ---- 3. empty or missing message ------------------------------------------------------------------


@pytest.mark.parametrize(
    "extra", [{"message": ""}, {}, {"message": None}, {"message": "   \n\t"}], ids=["empty", "missing", "null", "blank"]
)
async def test_no_message_is_answered_with_an_empty_list(stock, live_server, assistant, extra):
    sender = new_sender()
    rasa, kestrel = await both(stock, live_server.url, raw({"sender": sender, **extra}))
    assert rasa.status_code == kestrel.status_code == 200
    assert rasa.json() == kestrel.json() == []
    assert not await assistant.conversation_exists(rest_conversation_id(sender)), "nothing was started or stored"
    # ... and the conversation then starts as if nothing had been sent, on both.
    rasa, kestrel = await both(stock, live_server.url, raw({"sender": sender, "message": "/greet"}))
    assert kestrel.json() == rasa.json() and kestrel.json()


async def test_a_message_that_is_not_text_is_refused(stock, live_server):
    # Deliberately different: Rasa's handler fails on it and answers 200 []; Kestrel says what is wrong.
    rasa, kestrel = await both(stock, live_server.url, raw({"sender": new_sender(), "message": 5}))
    assert rasa.status_code == 200 and rasa.json() == []
    assert kestrel.status_code == 422 and "message" in kestrel.text


# ---- 4. missing sender ----------------------------------------------------------------------------


async def test_a_missing_sender_is_refused_with_the_reason(stock, live_server):
    # Deliberately different: Rasa puts it into one conversation shared by everyone, "default".
    rasa, kestrel = await both(stock, live_server.url, raw({"message": "/greet"}))
    assert rasa.status_code == 200 and {m["recipient_id"] for m in rasa.json()} == {"default"}
    assert kestrel.status_code == 422
    (problem,) = kestrel.json()["detail"]
    assert problem["loc"] == ["body", "sender"]
    assert "sender is required" in problem["msg"] and "UUID" in problem["msg"] and "shared" in problem["msg"]


# ---- 5. ?stream=true ------------------------------------------------------------------------------


async def read_lines(base: str, body: Dict[str, Any], query: str) -> Tuple[httpx.Response, List[str]]:
    async with httpx.AsyncClient(base_url=base, timeout=30) as client:
        async with client.stream("POST", WEBHOOK + query, json=body) as response:
            lines = [line async for line in response.aiter_lines()]
    return response, lines


async def test_stream_true_sends_one_json_object_per_line(stock, live_server):
    sender = new_sender()
    body = {"sender": sender, "message": "someone has my nudes and wants money"}
    streamed: Dict[str, List[str]] = {}
    for name, base in (("rasa", stock), ("kestrel", live_server.url)):
        response, lines = await read_lines(base, body, "?stream=true")
        assert response.status_code == 200
        assert response.headers["content-type"].split(";")[0] == "text/event-stream", name
        assert lines and all(line for line in lines), f"{name}: one object a line, no blank lines"
        messages = [json.loads(line) for line in lines]
        assert all(isinstance(m, dict) and m["recipient_id"] == sender for m in messages)
        assert len(messages) > 1, "the urgent reply and the age question"
        streamed[name] = lines
    assert streamed["kestrel"] == streamed["rasa"], "the same lines, byte for byte"


async def test_only_true_turns_streaming_on_as_in_rasa(stock, live_server):
    for query, streams in (("?stream=TRUE", True), ("?stream=1", False), ("?stream=yes", False), ("", False)):
        for base in (stock, live_server.url):
            response, lines = await read_lines(base, {"sender": new_sender(), "message": "/greet"}, query)
            media = response.headers["content-type"].split(";")[0]
            assert media == ("text/event-stream" if streams else "application/json"), (base, query)
            if not streams:
                assert isinstance(json.loads("".join(lines)), list)


async def test_streaming_an_empty_message_ends_at_once(live_server):
    # Rasa's stream never ends for an empty message (its handler fails before it says DONE); Kestrel's is
    # an empty stream. Not sent to stock here: it would hang.
    response, lines = await read_lines(live_server.url, {"sender": new_sender(), "message": ""}, "?stream=true")
    assert response.status_code == 200 and lines == []


async def test_a_refused_stream_is_still_a_status_code(app_factory):
    # Rasa answers 200 and streams whatever it has; Kestrel decides before the first line.
    from kestrel_webtest import LiveServer

    with LiveServer(app_factory(rate_limit_per_conversation=1)) as server:
        body = {"sender": new_sender(), "message": "/greet"}
        assert (await read_lines(server.url, body, "?stream=true"))[0].status_code == 200
        limited, lines = await read_lines(server.url, body, "?stream=true")
        assert limited.status_code == 429 and "retry-after" in limited.headers


# ---- credentials.yml: plain `rasa run` keeps a Socket.IO conversation across a reload -----------------


async def test_plain_rasa_run_carries_on_a_socketio_session_after_a_reload(stock):
    session_id = secrets.token_hex(16)  # plain `rasa run` takes the client's own id
    first = RasaSocketClient()
    await first.connect(stock, "websocket")
    try:
        assert await first.session(session_id) == session_id
        urgent = await first.utter(BLACKMAIL_TEXT, session_id)
        assert urgent, "replies reach the client (its socket joined the session's room)"
    finally:
        await first.close()

    reloaded = RasaSocketClient()  # e.g. rasa-webchat after a page reload, with the id from its storage
    await reloaded.connect(stock, "websocket")
    try:
        assert await reloaded.session(session_id) == session_id
        again = await reloaded.utter("/greet", session_id)
        # The same conversation: the assistant already knows what is happening, so no first greeting.
        texts = [m.get("text") for m in again]
        assert texts[0] == text_of("utter_greet_again"), texts
        assert text_of("utter_greet") not in texts
    finally:
        await reloaded.close()
