"""`python -m api` (what `make run` starts) serves the assistant, with JSON logs free of ids and text."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx

from kestrel_webtest import BLACKMAIL_TEXT, MODEL_DIR, free_port

REPO = Path(__file__).resolve().parents[2]


def test_python_m_api_serves_and_logs_safely(tmp_path):
    port = free_port()
    log_file = tmp_path / "stderr.log"
    env = dict(os.environ, PORT=str(port), HOST="127.0.0.1", MODEL_PATH=str(MODEL_DIR), LOG_LEVEL="INFO")
    env.pop("ADMIN_TOKEN", None)
    with open(log_file, "w") as stderr:
        server = subprocess.Popen([sys.executable, "-m", "api"], cwd=REPO, env=env, stdout=stderr, stderr=stderr)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 600
        ready = None
        while time.monotonic() < deadline and server.poll() is None:
            try:
                ready = httpx.get(base + "/ready", timeout=2)
                if ready.status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        assert ready is not None and ready.status_code == 200, log_file.read_text()[-3000:]

        with httpx.Client(base_url=base, timeout=30) as c:
            created = c.post("/api/v1/conversations")
            assert created.status_code == 201
            conversation_id = created.json()["conversation_id"]
            reply = c.post(f"/api/v1/conversations/{conversation_id}/messages", json={"text": BLACKMAIL_TEXT})
            assert reply.status_code == 200 and reply.json()["messages"]
            assert c.post("/model/parse", json={"text": "hi"}).status_code == 404, "no ADMIN_TOKEN, no parse"
    finally:
        server.terminate()
        server.wait(30)

    lines = [json.loads(line) for line in log_file.read_text().splitlines() if line.startswith("{")]
    messages = [line["msg"] for line in lines]
    assert "model loaded" in messages
    loaded_at = messages.index("model loaded")
    assert "turn" in messages[loaded_at:], "info lines keep coming after the model has loaded"
    assert any(line.get("route") == "/api/v1/conversations/{conversation_id}/messages" for line in lines)
    text = log_file.read_text()
    assert conversation_id not in text and "nudes" not in text
