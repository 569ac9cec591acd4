"""A short ADMIN_TOKEN stops the service from starting, with a message naming the rule but not the value."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import ValidationError

from api.settings import Settings

REPO = Path(__file__).resolve().parents[2]


def test_settings_refuse_an_admin_token_under_32_characters():
    with pytest.raises(ValidationError, match="at least 32"):
        Settings(admin_token="a" * 31)
    assert Settings(admin_token="a" * 32).admin_token == "a" * 32
    assert Settings(admin_token="").admin_token is None, "empty still means the admin route is off"


def test_python_m_api_refuses_to_start_with_a_short_token():
    short = "hunter2-short-token"
    env = dict(os.environ, ADMIN_TOKEN=short, PORT="1")  # never bound: the check comes first
    done = subprocess.run([sys.executable, "-m", "api"], cwd=REPO, env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 1
    assert "ADMIN_TOKEN" in done.stderr and "at least 32" in done.stderr
    assert "Traceback" not in done.stderr
    assert short not in done.stderr + done.stdout
