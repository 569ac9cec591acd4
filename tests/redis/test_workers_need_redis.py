"""WORKERS > 1 without REDIS_URL is refused at start, with a clear message and a non-zero exit: each worker
would otherwise keep its own conversations, and a person's next message could land on a worker that has
never heard of them. (WORKERS=2 with Redis is exercised by test_redis_service.py.)"""
from __future__ import annotations

import os
import subprocess
import sys

import pytest
from kestrel_redistest import MODEL_DIR, REPO, free_port


@pytest.mark.parametrize("redis_url", [None, ""])
def test_several_workers_without_redis_are_refused(redis_url):
    env = dict(os.environ, WORKERS="3", PORT=str(free_port()), MODEL_PATH=str(MODEL_DIR))
    env.pop("REDIS_URL", None)
    if redis_url is not None:
        env["REDIS_URL"] = redis_url
    result = subprocess.run(
        [sys.executable, "-m", "api"], cwd=REPO, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode != 0
    assert "WORKERS=3 needs REDIS_URL" in result.stderr
    assert "model loaded" not in result.stderr, "refused before loading anything"
