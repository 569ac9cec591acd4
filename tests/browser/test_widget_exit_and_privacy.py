"""Quick exit (Leave now, Escape) and what the widget leaves on the device (fake service)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from playwright.sync_api import expect

sys.path.insert(0, str(Path(__file__).resolve().parent))
from widget_helpers import BOT, USER, open_widget, send_text, storage_snapshot, track_conversations, wait_bots  # noqa: E402

pytestmark = pytest.mark.browser

STORE_KEY = "kestrel-widget:v1"


def converse(page) -> None:
    open_widget(page)
    page.locator(".k-reply", has_text="Someone wants money").click()
    wait_bots(page, 3)
    send_text(page, "they have my pictures")
    wait_bots(page, 4)


@pytest.mark.parametrize("how", ["button", "escape-in-message-box", "escape-on-launcher"])
def test_quick_exit_replaces_the_page_and_deletes_the_conversation(page, fake, how):
    page.goto(fake.url("/before"))
    page.goto(fake.url("/test?data-exit-url=/exit"))
    ids = track_conversations(page)
    converse(page)
    if how == "button":
        page.get_by_role("button", name="Leave now").click()
    elif how == "escape-in-message-box":
        page.locator(".k-input").fill("half-typed message")
        page.locator(".k-input").press("Escape")
    else:
        page.locator(".k-hide").click()
        expect(page.locator(".k-launcher")).to_be_focused()
        page.keyboard.press("Escape")
    page.wait_for_url(fake.url("/exit"))
    assert fake.wait_deleted(ids[0]), "the conversation is deleted on the server"
    assert ids[0] not in fake.log()["live"]
    # Back does not return to the page with the chat: it goes to the page before it.
    page.go_back()
    assert page.url == fake.url("/before")
    assert storage_snapshot(page) == {"local": 0, "session": 0, "cookie": "", "idb": 0}


def test_escape_on_the_host_page_does_not_leave_by_default(page, fake):
    page.goto(fake.url("/test?data-exit-url=/exit"))
    open_widget(page)
    page.locator("#host-button").focus()
    page.keyboard.press("Escape")
    page.wait_for_timeout(300)
    assert page.url.startswith(fake.url("/test"))


def test_demo_page_escape_anywhere_goes_to_the_default_exit_url(page, fake):
    """The demo page uses data-escape="page" and the default exit URL (intercepted: nothing leaves this machine)."""
    page.goto(fake.url("/before"))
    page.goto(fake.url("/"))
    ids = track_conversations(page)
    page.get_by_role("button", name="Start the chat").click()
    wait_bots(page, 1)
    page.locator("h1").click()  # focus back on the host page
    page.keyboard.press("Escape")
    page.wait_for_url("https://www.bbc.co.uk/weather")
    assert fake.wait_deleted(ids[0])
    page.go_back()
    assert page.url == fake.url("/before")


def test_nothing_is_stored_on_the_device_by_default(page, fake):
    page.goto(fake.url("/test"))
    converse(page)
    page.locator(".k-hide").click()
    assert storage_snapshot(page) == {"local": 0, "session": 0, "cookie": "", "idb": 0}
    assert page.context.cookies() == []
    expect(page.locator(".k-sub")).to_have_text("An automatic helper. Nothing is saved on this device.")
    # and a reload forgets the conversation
    page.reload()
    page.locator(".k-launcher").click()
    wait_bots(page, 1)
    expect(page.locator(USER)).to_have_count(0)
    assert len(fake.log()["created"]) == 2


def test_host_cookies_are_never_sent_to_the_service(page, fake):
    page.context.add_cookies([{"name": "host_session", "value": "secret", "url": fake.url("/")}])
    page.goto(fake.url("/test"))
    converse(page)
    assert fake.log()["cookies_seen"] == 0, "API calls are made with credentials: 'omit'"


def test_persist_session_is_opt_in_and_survives_a_reload(page, fake):
    page.goto(fake.url("/test?data-persist=session&data-exit-url=/exit"))
    ids = track_conversations(page)
    converse(page)
    expect(page.locator(".k-sub")).to_contain_text("kept only until you close this tab")
    snap = storage_snapshot(page)
    assert snap["session"] == 1 and snap["local"] == 0 and snap["cookie"] == ""
    saved = page.evaluate(f"JSON.parse(sessionStorage.getItem('{STORE_KEY}'))")
    assert saved["id"] == ids[0] and saved["open"] is True and len(saved["transcript"]) == 6

    page.reload()
    expect(page.get_by_role("dialog")).to_be_visible()
    expect(page.locator(BOT)).to_have_count(4)
    expect(page.locator(USER).last).to_have_text("You said: they have my pictures")
    send_text(page, "still here")
    wait_bots(page, 5)
    assert len(fake.log()["created"]) == 1, "the same conversation carries on after the reload"
    assert fake.log()["received"][-1] == {"conversation_id": ids[0], "text": "still here", "payload": None}
    # restored buttons work for the latest step only
    expect(page.locator(BOT).nth(2).locator(".k-reply", has_text="Under 18")).to_be_disabled()
    page.reload()
    expect(page.locator(BOT).nth(2).locator(".k-reply", has_text="Under 18")).to_be_disabled()
    page.locator(BOT).last.locator(".k-reply", has_text="Next").click()
    wait_bots(page, 6)
    assert fake.log()["received"][-1]["payload"] == "/next_step"

    page.get_by_role("button", name="Leave now").click()
    page.wait_for_url(fake.url("/exit"))
    assert page.evaluate(f"sessionStorage.getItem('{STORE_KEY}')") is None, "Leave now clears what was stored"
    assert fake.wait_deleted(ids[0])


def test_clear_conversation_clears_persisted_storage(page, fake):
    page.goto(fake.url("/test?data-persist=session"))
    converse(page)
    page.locator(".k-clear").click()
    wait_bots(page, 1)
    saved = page.evaluate(f"JSON.parse(sessionStorage.getItem('{STORE_KEY}'))")
    texts = " ".join(e["text"] for e in saved["transcript"])
    assert "pictures" not in texts and "money" not in texts
    page.reload()
    expect(page.locator(USER)).to_have_count(0)
