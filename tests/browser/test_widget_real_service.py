"""The widget against the real service and trained model: a whole conversation, and quick exit erasing it.

Skipped (with the reason) only while no trained model exists in models/. Assertions look for meaning
("don't pay", "Under 18", "Your plan") rather than exact wording, so the assistant's copy can change.
"""

from __future__ import annotations

import re
import sys
import time
from pathlib import Path

import pytest
from playwright.sync_api import expect

sys.path.insert(0, str(Path(__file__).resolve().parent))
from widget_helpers import PHONE, http, BOT, bot_count, open_widget, send_text, track_conversations  # noqa: E402

pytestmark = pytest.mark.browser
REPLY_TIMEOUT = 30000
EXIT = "https://www.bbc.co.uk/weather"  # the demo page's exit URL; intercepted by the new_page fixture


def wait_reply(page, before: int) -> None:
    """Wait for the assistant's answer to the last thing sent (all its messages arrive together)."""
    page.locator(BOT).nth(before).wait_for(timeout=REPLY_TIMEOUT)
    expect(page.locator(".k-typing")).to_be_hidden(timeout=REPLY_TIMEOUT)
    expect(page.locator(".k-error")).to_be_hidden()


def new_texts(page, before: int) -> str:
    return "\n".join(page.locator(BOT).all_inner_texts()[before:])


def converse_to_plan(page) -> None:
    page.get_by_role("button", name="Start the chat").click()
    page.locator(BOT).first.wait_for(timeout=REPLY_TIMEOUT)
    expect(page.locator(BOT).first.locator(".k-reply").first).to_be_visible()

    before = bot_count(page)
    send_text(page, "someone has my nudes and wants money")
    wait_reply(page, before)
    urgent = new_texts(page, before)
    assert re.search(r"don.?t pay|do not pay", urgent, re.I), urgent

    under18 = page.locator(".k-reply", has_text=re.compile(r"^\s*Under 18\s*$", re.I)).last
    expect(under18).to_be_visible(timeout=REPLY_TIMEOUT)
    before = bot_count(page)
    under18.click()
    wait_reply(page, before)
    assert re.search(r"step 1", new_texts(page, before), re.I), new_texts(page, before)

    for turn in range(12):
        if "Your plan" in page.locator(".k-log").inner_text():
            break
        before = bot_count(page)
        next_button = page.locator(BOT).last.locator(".k-reply", has_text=re.compile(r"next|done", re.I))
        if turn % 2 == 0 and next_button.count():
            next_button.last.click()  # alternate clicking the button ...
        else:
            send_text(page, "done, what's next?")  # ... and typing
        wait_reply(page, before)
    expect(page.locator(BOT).filter(has_text=re.compile(r"Your plan"))).to_have_count(1)


def test_full_conversation_to_the_plan_by_clicking_and_typing(new_page, real_service, screenshots_dir):
    page = new_page()
    page.goto(real_service.url("/"))
    converse_to_plan(page)
    page.locator(BOT).filter(has_text=re.compile(r"Your plan")).scroll_into_view_if_needed()
    page.screenshot(path=str(screenshots_dir / "real-desktop.png"))
    assert page.watch.page_errors == []
    assert not [e for e in page.watch.console_errors if "Content Security Policy" in e]


def test_phone_conversation_screenshot(new_page, real_service, screenshots_dir):
    page = new_page(**PHONE)
    page.goto(real_service.url("/"))
    open_widget(page)
    before = bot_count(page)
    send_text(page, "someone has my nudes and wants money")
    wait_reply(page, before)
    page.screenshot(path=str(screenshots_dir / "real-phone.png"))


def conversation_gone(service, conversation_id: str, timeout: float = 15) -> bool:
    url = service.url(f"/api/v1/conversations/{conversation_id}/messages")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status, _ = http("POST", url, {"text": "hello"})
        if status == 404:
            return True
        time.sleep(0.3)
    return False


@pytest.mark.parametrize("how", ["leave-button", "escape"])
def test_quick_exit_deletes_the_conversation_on_the_server(new_page, real_service, how):
    page = new_page()
    page.goto(real_service.url("/"))
    ids = track_conversations(page)
    open_widget(page)
    before = bot_count(page)
    send_text(page, "someone has my nudes and wants money")
    wait_reply(page, before)
    assert len(ids) == 1
    if how == "leave-button":
        page.get_by_role("button", name="Leave now").click()
    else:
        page.locator(".k-input").press("Escape")
    page.wait_for_url(EXIT)
    assert conversation_gone(real_service, ids[0]), "after Leave/Escape, the conversation no longer exists"
    assert page.evaluate("sessionStorage.length + localStorage.length") == 0


def test_service_serves_the_widget_for_other_sites(real_service):
    """Deployers load widget.js cross-origin: it needs a JS content type, caching and CORP cross-origin."""
    import urllib.request

    with urllib.request.urlopen(real_service.url("/static/widget.js"), timeout=10) as res:
        headers = {k.lower(): v for k, v in res.headers.items()}
        body = res.read()
    assert "javascript" in headers["content-type"]
    assert "max-age=" in headers.get("cache-control", "") and "no-store" not in headers["cache-control"]
    assert headers.get("cross-origin-resource-policy") == "cross-origin"
    assert "etag" in headers
    assert b"KestrelWidget" in body


def test_a_lost_reply_resent_by_the_widget_moves_the_plan_once(new_page, real_service):
    """The service handles "done" but its reply never reaches the browser; the person presses Try again.
    The widget resends with the same Idempotency-Key, so the real service answers with the step it already
    moved to, and the next "done" shows the step after it: none is skipped."""
    page = new_page()
    page.goto(real_service.url("/"))
    open_widget(page)
    before = bot_count(page)
    send_text(page, "someone has my nudes and wants money")
    wait_reply(page, before)
    under18 = page.locator(".k-reply", has_text=re.compile(r"^\s*Under 18\s*$", re.I)).last
    expect(under18).to_be_visible(timeout=REPLY_TIMEOUT)
    before = bot_count(page)
    under18.click()
    wait_reply(page, before)
    before = bot_count(page)
    page.locator(BOT).last.locator(".k-reply", has_text=re.compile(r"^\s*Next step\s*$")).click()
    wait_reply(page, before)
    assert re.findall(r"step (\d+) of", new_texts(page, before), re.I) == ["1"], new_texts(page, before)

    messages = "**/api/v1/conversations/*/messages"
    keys = []

    def deliver_then_drop(route):
        keys.append(route.request.headers.get("idempotency-key"))
        route.fetch()  # the service gets and handles the message...
        route.abort("connectionreset")  # ...but its reply never reaches the browser

    page.route(messages, deliver_then_drop)
    before = bot_count(page)
    send_text(page, "done")
    expect(page.locator(".k-error")).to_be_visible(timeout=REPLY_TIMEOUT)
    page.unroute(messages, deliver_then_drop)
    with page.expect_request(messages) as resent:
        page.get_by_role("button", name="Try again").click()
    assert resent.value.headers.get("idempotency-key") == keys[0]
    wait_reply(page, before)
    assert re.findall(r"step (\d+) of", new_texts(page, before), re.I) == ["2"], new_texts(page, before)

    before = bot_count(page)
    send_text(page, "done")
    wait_reply(page, before)
    assert re.findall(r"step (\d+) of", new_texts(page, before), re.I) == ["3"], new_texts(page, before)
