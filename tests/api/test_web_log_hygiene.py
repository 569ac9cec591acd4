"""What the service writes to its log, end to end: `python -m api` in a process of its own (its real stderr,
with logging set up the way it is in production, after Rasa has configured itself), plus the same promises
checked in this process.

- Nothing a person types reaches the log, even when Rasa quotes it in a Python warning (a message that
  starts with "/" and is not a known intent, or a button payload with broken JSON), through any channel.
- Identical records are all written: twenty rejected admin tokens leave twenty lines, not one.
"""
from __future__ import annotations

import asyncio
import io
import json
import logging
import os
import secrets
import subprocess
import sys
import time
import warnings
from pathlib import Path
from typing import Any, Dict, Iterator, List

import httpx
import pytest
import socketio
from kestrel_webtest import MODEL_DIR, client_for, free_port

from api.logging_setup import setup_logging

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "channels"))
from channel_fakes import (  # noqa: E402
    PUBLIC_BASE_URL,
    TELEGRAM_SECRET,
    FakePlatform,
    channel_settings,
    form,
    meta_signature,
    telegram_message,
    twilio_params,
    twilio_signature,
    whatsapp_text,
)

pytestmark = pytest.mark.asyncio(loop_scope="session")

REPO = Path(__file__).resolve().parents[2]
SERVICE_ADMIN_TOKEN = secrets.token_urlsafe(36)
WARNING_MSG = "python warning (text withheld)"


class Service:
    def __init__(self, url: str, log_file: Path, platform: FakePlatform) -> None:
        self.url = url
        self.log_file = log_file
        self.platform = platform

    def log_text(self) -> str:
        return self.log_file.read_text(errors="replace")

    def log_lines(self) -> List[Dict[str, Any]]:
        return [json.loads(line) for line in self.log_text().splitlines() if line.startswith("{")]


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    """`python -m api` with every channel on (pointed at a fake platform) and stdout/stderr in one file."""
    port = free_port()
    log_file = tmp_path_factory.mktemp("log-hygiene") / "service.log"
    with FakePlatform() as platform:
        settings = {**channel_settings(platform.url), "channel_id_secret": secrets.token_urlsafe(32)}
        env = dict(os.environ, HOST="127.0.0.1", PORT=str(port), MODEL_PATH=str(MODEL_DIR), LOG_LEVEL="INFO",
                   ADMIN_TOKEN=SERVICE_ADMIN_TOKEN, **{k.upper(): str(v) for k, v in settings.items()})
        with open(log_file, "w") as out:
            proc = subprocess.Popen([sys.executable, "-m", "api"], cwd=REPO, env=env, stdout=out, stderr=out)
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 600
            while True:
                assert proc.poll() is None, log_file.read_text(errors="replace")[-3000:]
                assert time.monotonic() < deadline, "the service did not become ready"
                try:
                    if httpx.get(url + "/ready", timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                time.sleep(0.5)
            yield Service(url, log_file, platform)
        finally:
            proc.terminate()
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(10)


async def wait_for_log(service: Service, predicate: Any, timeout: float = 10) -> List[Dict[str, Any]]:
    """The access line is written as the response goes out: give the last ones a moment."""
    deadline = time.monotonic() + timeout
    while True:
        lines = service.log_lines()
        if predicate(lines) or time.monotonic() > deadline:
            return lines
        await asyncio.sleep(0.1)


async def test_messages_starting_with_a_slash_never_reach_the_log(service: Service) -> None:
    marker = "logmarker" + secrets.token_hex(6)
    unknown_intent = f"/{marker} they have my photos"
    broken_payload = '/tell_age{"age_group": ' + marker + "}"
    platform = service.platform
    async with httpx.AsyncClient(base_url=service.url, timeout=30) as c:
        rest_sender = "sender" + secrets.token_hex(8)
        rest = await c.post("/webhooks/rest/webhook", json={"sender": rest_sender, "message": unknown_intent})
        assert rest.status_code == 200, rest.text

        created = await c.post("/api/v1/conversations")
        assert created.status_code == 201
        conversation_id = created.json()["conversation_id"]
        messages = f"/api/v1/conversations/{conversation_id}/messages"
        for body in ({"text": unknown_intent}, {"payload": broken_payload}, {"payload": f"/{marker}"}):
            reply = await c.post(messages, json=body)
            assert reply.status_code == 200, (body, reply.text)

        telegram_chat = 10**9 + secrets.randbelow(10**9)
        telegram = await c.post("/webhooks/telegram", json=telegram_message(telegram_chat, unknown_intent),
                                headers={"X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET})
        assert telegram.status_code == 200, telegram.text

        wa_id = "4477" + "".join(secrets.choice("0123456789") for _ in range(8))
        raw = json.dumps(whatsapp_text(wa_id, unknown_intent, "wamid." + secrets.token_urlsafe(16))).encode()
        whatsapp = await c.post("/webhooks/whatsapp", content=raw, headers={
            "Content-Type": "application/json", "X-Hub-Signature-256": meta_signature(raw)})
        assert whatsapp.status_code == 200, whatsapp.text

        sms_from = "+4477" + "".join(secrets.choice("0123456789") for _ in range(8))
        params = twilio_params(sms_from, unknown_intent, "SM" + secrets.token_hex(16))
        twilio = await c.post("/webhooks/twilio", content=form(params), headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Twilio-Signature": twilio_signature(PUBLIC_BASE_URL + "/webhooks/twilio", params)})
        assert twilio.status_code == 200, twilio.text

    sio = socketio.AsyncClient(reconnection=False)
    answered: List[Any] = []
    confirmed: List[Any] = []
    sio.on("bot_uttered", answered.append)
    sio.on("session_confirm", confirmed.append)
    await sio.connect(service.url, transports=["websocket"], socketio_path="socket.io")
    await sio.emit("session_request", {"session_id": None})
    for _ in range(50):
        if confirmed:
            break
        await sio.sleep(0.1)
    await sio.emit("user_uttered", {"message": unknown_intent, "session_id": confirmed[0]})
    for _ in range(100):
        if answered:
            break
        await sio.sleep(0.1)
    await sio.disconnect()
    assert answered, "the Socket.IO message was answered"

    # The messaging channels answer in the background: wait until each has sent its reply.
    await platform.wait_for(lambda r: r["path"].endswith("/sendMessage") and r["json"].get("chat_id") == telegram_chat)
    await platform.wait_for(lambda r: r["path"].endswith("/messages") and r["json"].get("to") == wa_id)
    await platform.wait_for(lambda r: r["path"].endswith("/Messages.json") and r["form"].get("To") == sms_from)

    lines = await wait_for_log(service, lambda ls: sum(1 for line in ls if line["msg"] == "turn") >= 8)
    text = service.log_text()
    assert marker not in text, "what the person typed reached the log:\n" + "\n".join(
        line for line in text.splitlines() if marker in line)
    ids = {"REST sender": rest_sender, "conversation id": conversation_id, "Socket.IO session": confirmed[0],
           "Telegram chat": str(telegram_chat), "WhatsApp number": wa_id, "SMS number": sms_from}
    assert [name for name, value in ids.items() if value in text] == [], "who the person is reached the log"
    warned = [line for line in lines if line["logger"] == "py.warnings" and line.get("error_type") == "UserWarning"]
    assert warned, "Rasa did warn about these messages: the warnings are logged, without their text"
    assert all(line["msg"] == WARNING_MSG and line["source"].startswith("rasa/") for line in warned), warned
    turns = [line for line in lines if line["msg"] == "turn"]
    assert {line["channel"] for line in turns} >= {"rest", "api", "socketio", "telegram", "whatsapp", "twilio"}, (
        "every channel's turn is logged")


async def test_identical_rejections_are_each_logged(service: Service) -> None:
    def rejections(lines: List[Dict[str, Any]]) -> Dict[str, List[int]]:
        found: Dict[str, List[int]] = {"/model/parse": [], "/api/v1/conversations/{conversation_id}/messages": []}
        for line in lines[first_new:]:
            if line["msg"] == "request" and line.get("route") in found:
                found[line["route"]].append(line["status"])
        return found

    first_new = len(service.log_lines())
    wrong = {"Authorization": "Bearer " + secrets.token_urlsafe(36)}
    statuses: Dict[str, List[int]] = {"admin": [], "unknown": []}
    async with httpx.AsyncClient(base_url=service.url, timeout=30) as c:
        for _ in range(20):
            statuses["admin"].append((await c.post("/model/parse", json={"text": "hi"}, headers=wrong)).status_code)
        for _ in range(20):
            unknown = f"/api/v1/conversations/{secrets.token_urlsafe(24)}/messages"
            statuses["unknown"].append((await c.post(unknown, json={"text": "hello"})).status_code)
    assert set(statuses["admin"]) <= {401, 429} and 401 in statuses["admin"], statuses
    assert set(statuses["unknown"]) <= {404, 429} and 404 in statuses["unknown"], statuses

    lines = await wait_for_log(service, lambda ls: all(len(v) >= 20 for v in rejections(ls).values()))
    logged = rejections(lines)
    assert logged["/model/parse"] == statuses["admin"], "every rejected admin token leaves a line"
    assert logged["/api/v1/conversations/{conversation_id}/messages"] == statuses["unknown"]


# ---- the same promises, in this process -----------------------------------------------------------------


@pytest.fixture
def capture_logs() -> Iterator[Any]:
    stream = io.StringIO()

    def start() -> io.StringIO:
        setup_logging("INFO", stream=stream)
        return stream

    yield start
    setup_logging("INFO")


async def test_rasa_cannot_make_the_service_drop_repeated_records(app_factory: Any, capture_logs: Any) -> None:
    from rasa.utils.common import configure_logging_and_warnings

    app = app_factory()
    stream = capture_logs()
    configure_logging_and_warnings(logging.WARNING)  # what loading the model does, after the app is built
    handler = next(h for h in logging.getLogger().handlers if getattr(h, "_kestrel", False))
    assert [type(f).__name__ for f in handler.filters if type(f).__name__ == "RepeatedLogFilter"] == []
    wrong = {"Authorization": "Bearer " + secrets.token_urlsafe(36)}
    async with client_for(app) as c:
        for _ in range(20):
            assert (await c.post("/model/parse", json={"text": "hi"}, headers=wrong)).status_code in (401, 429)
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert len([line for line in lines if line.get("route") == "/model/parse"]) == 20


@pytest.mark.parametrize("route", ["showwarning", "logging.captureWarnings"])
def test_warnings_are_logged_without_their_text(capture_logs: Any, capfd: Any, route: str) -> None:
    import rasa.shared.utils.io

    marker = "warnmarker" + secrets.token_hex(6)
    with warnings.catch_warnings():
        warnings.simplefilter("always")
        stream = capture_logs()
        if route == "logging.captureWarnings":
            logging.captureWarnings(True)  # as another library might
        try:
            rasa.shared.utils.io.raise_warning(f"Failed to parse arguments in line '/{marker}'.")
        finally:
            logging.captureWarnings(False)
    out, err = capfd.readouterr()
    logs = stream.getvalue()
    assert marker not in logs + out + err
    [line] = [json.loads(line) for line in logs.splitlines()]
    assert line["logger"] == "py.warnings" and line["msg"] == WARNING_MSG and line["level"] == "warning"
    if route == "showwarning":
        assert line["error_type"] == "UserWarning" and line["source"].startswith("rasa/"), line
