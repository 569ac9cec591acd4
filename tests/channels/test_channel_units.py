"""Channel pieces on their own: keyed ids, the seen-set, payload mapping, text shaping, settings and the
setWebhook command."""
from __future__ import annotations

import pytest
from channel_fakes import PUBLIC_BASE_URL, TELEGRAM_SECRET, TELEGRAM_TOKEN, channel_settings
from pydantic import ValidationError

from api.channels.__main__ import main as channels_cli
from api.channels.ids import ConversationIds
from api.channels.menus import Menu, Menus
from api.store.memory import MemorySeen, MemoryValues
from api.channels.text import (
    chosen_number,
    has_phone_number,
    max_chars,
    numbers_first,
    short_titles,
    shorten,
    sms_fits,
    sms_parts,
    split_text,
    to_sms,
    to_telegram_html,
    to_whatsapp,
)
from api.settings import Settings


def test_conversation_ids_are_keyed_hashes():
    ids = ConversationIds(b"k" * 32)
    number = "+447700900123"
    conversation = ids.conversation("twilio", number)
    assert conversation == ids.conversation("twilio", number)
    assert conversation.startswith("twilio-") and "447700900123" not in conversation
    assert conversation != ids.conversation("whatsapp", number)
    assert conversation != ConversationIds(b"j" * 32).conversation("twilio", number)
    assert ids.delivery("twilio", "SM1") != ids.delivery("whatsapp", "SM1")


# ---- seen-set and payload mapping ------------------------------------------------------------------------


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.mark.asyncio(loop_scope="session")
async def test_seen_set_remembers_then_forgets_and_stays_bounded():
    clock = Clock()
    seen = MemorySeen(ttl=60, max_entries=3, clock=clock)
    assert await seen.first_time("a") and not await seen.first_time("a")
    clock.now += 59
    assert not await seen.first_time("a")
    clock.now += 2
    assert await seen.first_time("a")  # expired, so new again
    for key in "bcd":
        assert await seen.first_time(key)
    assert len(seen) == 3  # "a" was dropped to make room
    assert await seen.first_time("a")


@pytest.mark.asyncio(loop_scope="session")
async def test_a_menu_in_memory_expires_after_its_last_change():
    clock = Clock()
    store = MemoryValues(ttl=10, max_entries=10, timer=clock)
    await store.set("x", Menu(["/a"], {}).to_json())
    clock.now += 8
    await store.set("x", Menu(["/b"], {}).to_json())
    clock.now += 8
    assert Menu.from_json(await store.get("x") or "") == Menu(["/b"], {})
    clock.now += 3
    assert await store.get("x") is None and len(store) == 0


@pytest.mark.asyncio(loop_scope="session")
async def test_long_payloads_travel_as_tokens_and_map_back():
    menus = Menus(MemoryValues(ttl=60, max_entries=10))
    long_payload = '/tell_platform{"platform":"' + "x" * 80 + '"}'
    short, token = await menus.references("conv", ["/affirm", long_payload], max_bytes=64)
    assert short == "/affirm" and token.startswith("~") and len(token.encode()) <= 64
    assert await menus.resolve("conv", token) == long_payload
    assert await menus.resolve("other-conv", token) is None  # tokens belong to their conversation
    assert await menus.resolve("conv", "~nope") is None
    assert await menus.resolve("conv", "hello") is None  # not a payload
    assert await menus.resolve("conv", "/affirm") == "/affirm"


@pytest.mark.asyncio(loop_scope="session")
async def test_numbered_options_map_back_and_can_be_cleared():
    menus = Menus(MemoryValues(ttl=60, max_entries=10))
    await menus.number("conv", ["/a", "/b"])
    assert await menus.chosen("conv", chosen_number("2")) == "/b"
    assert await menus.chosen("conv", chosen_number("3")) is None
    assert await menus.chosen("conv", chosen_number("two")) is None
    await menus.number("conv", [])
    assert await menus.chosen("conv", 1) is None


@pytest.mark.asyncio(loop_scope="session")
async def test_a_menu_that_cannot_be_saved_never_stops_the_reply():
    class Broken(MemoryValues):
        async def set(self, conversation_id, value):
            raise ConnectionError("store down")

    menus = Menus(Broken(ttl=60))
    await menus.number("conv", ["/a"])  # logged, not raised
    refs = await menus.references("conv", ['/x{"y":"' + "z" * 80 + '"}'], max_bytes=64)
    assert refs[0].startswith("~") and await menus.resolve("conv", refs[0]) is None
    assert [chosen_number(t) for t in ("1", " 2. ", "3)", "12", "1 2", "123", "")] == [1, 2, 3, 12, None, None, None]


# ---- text shaping ----------------------------------------------------------------------------------------


def test_markdown_per_channel():
    text = "• **Don't pay.** <script> & 5 > 3"
    assert to_telegram_html(text) == "• <b>Don't pay.</b> &lt;script&gt; &amp; 5 &gt; 3"
    assert to_whatsapp(text) == "• *Don't pay.* <script> & 5 > 3"
    assert to_sms(text) == "- Don't pay. <script> & 5 > 3"


def test_button_titles_are_shortened_between_words_and_kept_distinct():
    assert shorten("They want money or they'll share pics of me", 20) == "They want money…"
    assert shorten("I need to talk to someone now", 20) == "I need to talk…"
    assert shorten("Under 18", 20) == "Under 18"
    assert len(shorten("Supercalifragilisticexpialidocious", 20)) == 20
    titles = short_titles(["I want to talk to a person", "I want to talk to a friend"], 20)
    assert len(set(titles)) == 2 and all(len(t) <= 20 for t in titles)


def test_sms_segments_and_splitting():
    one = sms_fits(1)
    assert one("a" * 160) and not one("a" * 161)
    assert one("€" * 80) and not one("€" * 81)  # extension characters count twice
    assert one("ж" * 70) and not one("ж" * 71)  # outside GSM-7: UCS-2
    assert sms_fits(2)("a" * 306) and not sms_fits(2)("a" * 307)
    long_word = "https://example.org/" + "x" * 400
    parts = split_text("short line\n" + long_word + "\nend", max_chars(160))
    assert all(len(p) <= 160 for p in parts) and "".join(parts).replace("\n", "") == "short line" + long_word + "end"


def test_numbers_come_first_only_when_a_reply_is_split():
    assert has_phone_number("call 116 123, free") and has_phone_number("call 999.")
    assert not has_phone_number("HOPELINE247 (up to 35)") and not has_phone_number("they want £200")
    text = "A kind opening line.\nPlease call:\n- Samaritans 116 123\nThe end."
    assert numbers_first(text) == "Please call:\n- Samaritans 116 123\nA kind opening line.\nThe end."
    assert sms_parts(text, 1) == [text]  # fits in one SMS: left as written
    long = "x " * 100 + "\n" + text
    assert "116 123" in sms_parts(long, 1)[0]


# ---- settings and the setWebhook command -------------------------------------------------------------------


def test_channel_settings_from_the_environment(monkeypatch):
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "")
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://kestrel.example.org/")
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", "abc")
    settings = Settings()
    assert settings.telegram_bot_token is None  # an empty line means off
    assert settings.public_base_url == "https://kestrel.example.org"
    assert "abc" not in repr(settings)  # secrets do not show in reprs or tracebacks
    with pytest.raises(ValidationError):
        Settings(telegram_webhook_secret="has spaces in it, not allowed")
    with pytest.raises(ValidationError):
        Settings(public_base_url="kestrel.example.org")
    with pytest.raises(ValidationError):
        Settings(channel_id_secret="short")


def test_set_webhook_command_registers_the_url_and_secret(platform, monkeypatch, capsys):
    for name, value in channel_settings(platform.url).items():
        monkeypatch.setenv(name.upper(), str(value))
    assert channels_cli(["telegram-webhook", "--drop-pending-updates"]) == 0
    [call] = platform.received(lambda r: r["path"] == f"/bot{TELEGRAM_TOKEN}/setWebhook")
    assert call["json"] == {
        "url": f"{PUBLIC_BASE_URL}/webhooks/telegram",
        "secret_token": TELEGRAM_SECRET,
        "allowed_updates": ["message", "callback_query"],
        "drop_pending_updates": True,
    }
    out = capsys.readouterr()
    assert "webhooks/telegram" in out.out and TELEGRAM_TOKEN not in out.out + out.err
    assert channels_cli(["telegram-webhook", "--info"]) == 0

    monkeypatch.delenv("TELEGRAM_WEBHOOK_SECRET")
    assert channels_cli(["telegram-webhook"]) == 2
    assert "TELEGRAM_WEBHOOK_SECRET" in capsys.readouterr().err
