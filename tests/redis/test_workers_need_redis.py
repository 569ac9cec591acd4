"""Settings that would run several processes on shared conversations are refused at start, with a clear
message and a non-zero exit, before anything is loaded:

* WORKERS > 1 without REDIS_URL: each worker would keep its own conversations, and a person's next message
  could land on a worker that has never heard of them;
* WORKERS > 1, or REDIS_URL, without CHANNEL_ID_SECRET: each process would hash messaging ids with its own
  random key, so an SMS reaching another worker or replica would start a new conversation.

(WORKERS=2 with Redis is exercised by test_redis_service.py.)"""
from __future__ import annotations

import os
import subprocess
import sys
from typing import Dict, Optional

import pytest
from kestrel_redistest import CHANNEL_ID_SECRET, MODEL_DIR, REPO, free_port


def run_api(**env: Optional[str]) -> subprocess.CompletedProcess:
    full: Dict[str, str] = dict(os.environ, PORT=str(free_port()), MODEL_PATH=str(MODEL_DIR))
    for name in ("REDIS_URL", "CHANNEL_ID_SECRET", "WORKERS"):
        full.pop(name, None)
    full.update({name: value for name, value in env.items() if value is not None})
    return subprocess.run([sys.executable, "-m", "api"], cwd=REPO, env=full, capture_output=True, text=True,
                          timeout=60)


@pytest.mark.parametrize("redis_url", [None, ""])
def test_several_workers_without_redis_are_refused(redis_url):
    result = run_api(WORKERS="3", REDIS_URL=redis_url, CHANNEL_ID_SECRET=CHANNEL_ID_SECRET)
    assert result.returncode != 0
    assert "WORKERS=3 needs REDIS_URL" in result.stderr
    assert "model loaded" not in result.stderr, "refused before loading anything"


@pytest.mark.parametrize(
    "env, named",
    [
        ({"WORKERS": "2", "REDIS_URL": "redis://127.0.0.1:9/0"}, "WORKERS=2 needs CHANNEL_ID_SECRET"),
        ({"REDIS_URL": "redis://127.0.0.1:9/0"}, "REDIS_URL needs CHANNEL_ID_SECRET"),
        ({"WORKERS": "2", "REDIS_URL": "redis://127.0.0.1:9/0", "CHANNEL_ID_SECRET": ""},
         "WORKERS=2 needs CHANNEL_ID_SECRET"),
    ],
)
def test_sharing_conversations_without_a_channel_id_secret_is_refused(env, named):
    result = run_api(**env)
    assert result.returncode == 1
    assert named in result.stderr
    assert "the same random value everywhere" in result.stderr
    assert "Traceback" not in result.stderr and "model loaded" not in result.stderr


def test_one_process_in_memory_needs_no_channel_id_secret():
    from api.__main__ import sharing_refusal
    from api.settings import Settings

    assert sharing_refusal(Settings()) is None
    assert sharing_refusal(Settings(redis_url="redis://cache:6379/0", channel_id_secret=CHANNEL_ID_SECRET)) is None
    assert sharing_refusal(Settings(workers=2, redis_url="redis://cache:6379/0")) is not None
