"""Small pieces on their own: settings, text cleaning, metric labels, Socket.IO message shapes."""
from __future__ import annotations


import pytest

from api.metrics import Metrics
from api.settings import Settings
from api.channels.socketio.server import origin_checker
from api.channels.socketio.output import to_socketio_messages
from api.text_input import check_payload, clean_message, strip_controls



def test_settings_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("PORT", "9001")
    monkeypatch.setenv("CORS_ORIGINS", "https://a.example, https://b.example/")
    monkeypatch.setenv("RETENTION_MINUTES", "5")
    monkeypatch.setenv("ADMIN_TOKEN", "")
    monkeypatch.setenv("LOG_LEVEL", "debug")
    monkeypatch.setenv("MODEL_PATH", str(tmp_path))
    settings = Settings()
    assert settings.port == 9001
    assert settings.cors_origins == ["https://a.example", "https://b.example"]
    assert settings.retention_seconds == 300
    assert settings.admin_token is None, "an empty ADMIN_TOKEN is no token"
    assert settings.log_level == "DEBUG"
    assert settings.resolved_model_path() is None, "an empty models folder means no model"
    (tmp_path / "old.tar.gz").write_bytes(b"x")
    newest = tmp_path / "new.tar.gz"
    newest.write_bytes(b"x")
    import os

    os.utime(tmp_path / "old.tar.gz", (1, 1))
    assert settings.resolved_model_path() == newest


def test_settings_defaults(monkeypatch):
    for name in ("PORT", "CORS_ORIGINS", "RETENTION_MINUTES", "ADMIN_TOKEN", "KESTREL_PROFILE", "MAX_TEXT_CHARS"):
        monkeypatch.delenv(name, raising=False)
    settings = Settings()
    assert (settings.port, settings.cors_origins, settings.retention_minutes) == (8000, [], 30)
    assert (settings.admin_token, settings.kestrel_profile, settings.max_text_chars) == (None, "uk", 2000)


@pytest.mark.parametrize("bad", ["example.org", "ftp://x.example"])
def test_settings_reject_malformed_origins(monkeypatch, bad):
    monkeypatch.setenv("CORS_ORIGINS", bad)
    with pytest.raises(ValueError, match="must start with http"):
        Settings()


def test_turn_metrics_read_only_names_and_safe_values():
    metrics = Metrics()
    metrics.observe_turn_events(
        [
            {"event": "user", "text": "private words", "parse_data": {"intent": {"name": "blackmail_money"}}},
            {"event": "user", "text": "hi", "parse_data": {"intent": {"name": "greet"}}},
            {"event": "slot", "name": "reply_kind", "value": "crisis"},
            {"event": "slot", "name": "reply_kind", "value": "question"},
            {"event": "action", "name": "utter_greet"},
            {"event": "slot", "name": "plan_step", "value": "police"},
            {"event": "slot", "name": "plan_step", "value": "free text with spaces"},
            {"event": "slot", "name": "plan_step", "value": None},
            {"event": "slot", "name": "other", "value": "x"},
        ]
    )
    text = metrics.render().decode()
    assert 'kestrel_situations_recognised_total{intent="blackmail_money"} 1.0' in text
    assert 'intent="greet"' not in text
    assert "kestrel_crisis_responses_total 1.0" in text
    assert 'kestrel_plan_steps_reached_total{step="police"} 1.0' in text
    assert "free text" not in text and "private" not in text
    assert "_created" not in text, "no timestamps of first use"


def test_socketio_shapes_match_rasas_socketio_output():
    replies = [
        {"recipient_id": "r", "text": "First part\n\nSecond part", "buttons": [{"title": "Yes", "payload": "/affirm"}]},
        {"recipient_id": "r", "text": "plain"},
        {"recipient_id": "r", "image": "https://img.example/x.png"},
        {"recipient_id": "r", "attachment": {"type": "video"}},
    ]
    assert to_socketio_messages(replies) == [
        {"text": "First part", "quick_replies": []},
        {"text": "Second part", "quick_replies": [{"content_type": "text", "title": "Yes", "payload": "/affirm"}]},
        {"text": "plain"},
        {"attachment": {"type": "image", "payload": {"src": "https://img.example/x.png"}}},
        {"attachment": {"type": "video"}},
    ]


def test_origin_checker():
    check = origin_checker(["https://partner.example"])
    environ = {"HTTP_HOST": "kestrel.example", "wsgi.url_scheme": "https", "asgi.scope": {"scheme": "https"}}
    assert check("https://partner.example", environ)
    assert check("https://kestrel.example", environ), "the page's own origin"
    assert not check("https://evil.example", environ)
    assert check(None, environ), "non-browser clients send no Origin"


def test_text_cleaning():
    assert strip_controls("a\x00b\x1bc\u0085d\ud800e\n\tf") == "abcde\n\tf"
    assert clean_message("  hi  ", 10) == "  hi  "
    with pytest.raises(ValueError, match="limit is 3"):
        clean_message("abcd", 3)
    with pytest.raises(ValueError, match="empty"):
        clean_message("\x00 \x01", 3)
    assert check_payload('/tell_age{"age_group":"under18"}', 100) == '/tell_age{"age_group":"under18"}'
    with pytest.raises(ValueError):
        check_payload("tell_age", 100)
