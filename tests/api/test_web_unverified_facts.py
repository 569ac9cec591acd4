"""Facts marked unverified in resources/: named at start-up and on /ready, and a refusal to start in
production until the deployer confirms each one (KESTREL_MODE, CONFIRMED_FACTS)."""
from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from kestrel_webtest import client_for, make_settings

from actions.facts import load_facts
from api.assistant import Assistant
from api.main import create_app
from api.settings import Settings, UnconfirmedFacts

pytestmark = pytest.mark.asyncio(loop_scope="session")

REPO = Path(__file__).resolve().parents[2]
KENT = load_facts("kent").unverified()


def idle_app(**overrides):
    settings = make_settings(**overrides)
    return create_app(settings, assistant=Assistant(settings))


def test_the_kent_example_has_unverified_items():
    assert "kent.police_online_report_url" in KENT


async def test_ready_names_each_unverified_item(app_factory):
    async with client_for(app_factory(kestrel_profile="kent")) as c:
        ready = await c.get("/ready")
    assert ready.status_code == 200
    assert ready.json() == {"status": "ready", "unverified": KENT}


async def test_ready_names_them_while_the_model_is_still_loading():
    async with client_for(idle_app(kestrel_profile="kent")) as c:
        ready = await c.get("/ready")
    assert ready.status_code == 503 and ready.json() == {"status": "stopped", "unverified": KENT}


async def test_confirmed_items_are_no_longer_named(app_factory):
    async with client_for(app_factory(kestrel_profile="kent", confirmed_facts=KENT[1:])) as c:
        assert (await c.get("/ready")).json()["unverified"] == KENT[:1]
    async with client_for(app_factory(kestrel_profile="kent", confirmed_facts=KENT)) as c:
        assert (await c.get("/ready")).json() == {"status": "ready"}


def test_start_up_warns_with_each_key_and_nothing_else(caplog):
    with caplog.at_level(logging.WARNING):
        idle_app(kestrel_profile="kent")
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING and r.name == "api.settings"]
    assert len(warnings) == 1
    message = warnings[0].getMessage()
    assert "UNVERIFIED" in message and all(key in message for key in KENT)


def test_a_confirmed_name_that_matches_nothing_is_reported(caplog):
    with caplog.at_level(logging.WARNING):
        idle_app(kestrel_profile="kent", confirmed_facts=[*KENT, "kent.police_online_report_ulr"])
    messages = [r.getMessage() for r in caplog.records if r.name == "api.settings"]
    assert messages == ["CONFIRMED_FACTS names items not marked unverified: kent.police_online_report_ulr"]


def test_production_refuses_to_start_with_unconfirmed_items():
    with pytest.raises(UnconfirmedFacts) as refused:
        idle_app(kestrel_profile="kent", kestrel_mode="production")
    assert all(key in str(refused.value) for key in KENT)
    with pytest.raises(UnconfirmedFacts) as refused:
        idle_app(kestrel_profile="kent", kestrel_mode="production", confirmed_facts=KENT[:-1])
    assert KENT[-1] in str(refused.value)
    assert not any(key in str(refused.value) for key in KENT[:-1]), "confirmed items are not named"


async def test_production_starts_once_every_item_is_confirmed():
    async with client_for(idle_app(kestrel_profile="kent", kestrel_mode="production", confirmed_facts=KENT)) as c:
        assert (await c.get("/health")).status_code == 200


def test_mode_and_confirmed_facts_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("KESTREL_MODE", " Production ")
    monkeypatch.setenv("CONFIRMED_FACTS", "services.nspcc, kent.police_online_report_url,")
    settings = Settings()
    assert settings.kestrel_mode == "production"
    assert settings.confirmed_facts == ["services.nspcc", "kent.police_online_report_url"]


def test_development_is_the_default_and_other_modes_are_refused(monkeypatch):
    monkeypatch.delenv("KESTREL_MODE", raising=False)
    monkeypatch.delenv("CONFIRMED_FACTS", raising=False)
    assert (Settings().kestrel_mode, Settings().confirmed_facts) == ("development", [])
    monkeypatch.setenv("KESTREL_MODE", "live")
    with pytest.raises(ValueError, match="kestrel_mode"):
        Settings()


def test_python_m_api_in_production_exits_with_the_keys_before_loading_anything():
    env = dict(os.environ, KESTREL_MODE="production", KESTREL_PROFILE="kent", CONFIRMED_FACTS="", PORT="1")
    result = subprocess.run(
        [sys.executable, "-m", "api"], cwd=REPO, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 1
    assert all(key in result.stderr for key in KENT) and "CONFIRMED_FACTS" in result.stderr
    assert "Traceback" not in result.stderr
