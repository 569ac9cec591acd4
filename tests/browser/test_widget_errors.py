"""Clear errors and retry when the service is unreachable, busy, not ready or refuses a message (fake service)."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
from playwright.sync_api import expect

sys.path.insert(0, str(Path(__file__).resolve().parent))
from widget_helpers import BOT, USER, focused, open_widget, send_text, wait_bots  # noqa: E402

from actions.facts import load_facts  # noqa: E402

pytestmark = pytest.mark.browser

API = "**/api/v1/**"


def abort(route):
    route.abort("connectionrefused")


def test_unreachable_at_start_shows_error_with_help_and_retry(page, fake):
    # the widget fetches its help contacts as the page loads, before the service goes away
    with page.expect_response(lambda r: "/api/v1/help-contacts" in r.url):
        page.goto(fake.url("/test"))
    page.route(API, abort)
    page.locator(".k-launcher").click()
    alert = page.locator(".k-error[role=alert]")
    expect(alert).to_be_visible()
    expect(alert).to_contain_text("We can't connect right now")
    # while the service is down, a frightened person of any age still gets somewhere to turn
    services = load_facts("uk").services
    for key in ("childline", "samaritans", "police_emergency"):
        phone = services[key].phone
        expect(alert.locator(f"a[href='tel:{phone.replace(' ', '')}']")).to_have_text(phone)
    expect(page.locator(".k-typing")).to_be_hidden()

    page.unroute(API, abort)
    retry = page.get_by_role("button", name="Try again")
    retry.focus()
    page.keyboard.press("Enter")
    wait_bots(page, 1)
    expect(alert).to_be_hidden()
    expect(page.locator(BOT).first).to_contain_text("What's happening?")
    assert focused(page) == "widget:k-input", "after a retry from the keyboard, focus is not lost"


def test_failed_message_is_kept_and_sent_once_on_retry(page, fake):
    page.goto(fake.url("/test"))
    open_widget(page)
    page.route(API, abort)
    send_text(page, "are you there?")
    expect(page.locator(".k-error")).to_contain_text("We can't connect right now")
    expect(page.locator(USER).last).to_contain_text("are you there?")
    page.unroute(API, abort)
    page.get_by_role("button", name="Try again").click()
    wait_bots(page, 2)
    expect(page.locator(BOT).last).to_contain_text("You said: are you there?")
    expect(page.locator(".k-error")).to_be_hidden()
    assert [r["text"] for r in fake.log()["received"]] == ["are you there?"]


def test_messages_typed_while_waiting_are_queued_in_order(page, fake):
    page.goto(fake.url("/test"))
    open_widget(page)
    fake.control(delay=0.5)
    send_text(page, "one")
    send_text(page, "two")
    send_text(page, "three")
    wait_bots(page, 4)
    fake.control(delay=0)
    assert [r["text"] for r in fake.log()["received"]] == ["one", "two", "three"]
    expect(page.locator(BOT).nth(3)).to_contain_text("You said: three")


def test_not_ready_503_retries_by_itself(page, fake):
    page.goto(fake.url("/test"))
    fake.control(fail=[{"status": 503, "retry_after": 1}])
    page.locator(".k-launcher").click()
    expect(page.locator(".k-error")).to_contain_text("isn't ready yet")
    expect(page.get_by_role("button", name="Try again")).to_be_visible()
    wait_bots(page, 1, timeout=10000)  # no click: it tried again by itself
    expect(page.locator(".k-error")).to_be_hidden()


def test_rate_limited_429_honours_retry_after(page, fake):
    page.goto(fake.url("/test"))
    open_widget(page)
    fake.control(fail=[{"status": 429, "retry_after": 2}])
    send_text(page, "slow down?")
    expect(page.locator(".k-error")).to_contain_text("We'll send yours in 2 seconds")
    wait_bots(page, 2, timeout=10000)
    expect(page.locator(BOT).last).to_contain_text("You said: slow down?")
    assert [r["text"] for r in fake.log()["received"]] == ["slow down?"]


def test_rejected_message_says_why_and_the_next_one_works(page, fake):
    page.goto(fake.url("/test"))
    open_widget(page)
    fake.control(fail=[{"status": 422}])
    send_text(page, "x")
    expect(page.locator(".k-error")).to_contain_text("couldn't be sent")
    expect(page.locator(".k-error")).to_contain_text("2,000 characters")
    expect(page.get_by_role("button", name="Try again")).to_have_count(0)
    send_text(page, "second try")
    wait_bots(page, 2)
    expect(page.locator(".k-error")).to_be_hidden()


def test_long_messages_are_capped_with_a_counter(page, fake):
    page.goto(fake.url("/test"))
    open_widget(page)
    box = page.locator(".k-input")
    assert box.get_attribute("maxlength") == "2000"
    box.fill("a" * 1900)
    expect(page.locator(".k-count")).to_have_text("100 characters left")
    box.fill("short")
    expect(page.locator(".k-count")).to_be_hidden()


def test_a_message_whose_reply_was_lost_is_resent_with_the_same_idempotency_key(page, fake):
    page.goto(fake.url("/test"))
    open_widget(page)
    messages = "**/api/v1/conversations/*/messages"

    def deliver_then_drop(route):
        route.fetch()  # the service gets and handles the message...
        route.abort("connectionreset")  # ...but its reply never reaches the browser

    page.route(messages, deliver_then_drop)
    send_text(page, "done")
    expect(page.locator(".k-error")).to_be_visible()
    page.unroute(messages, deliver_then_drop)
    page.get_by_role("button", name="Try again").click()
    wait_bots(page, 2)
    send_text(page, "next")
    wait_bots(page, 3)

    log = fake.log()
    assert [r["text"] for r in log["received"]] == ["done", "done", "next"]
    first, resent, following = log["idempotency_keys"]
    assert first and re.fullmatch(r"[\x21-\x7e]{1,128}", first)
    assert resent == first, "the resend carries the first delivery's key, so the service applies it once"
    assert following != first, "each new message gets its own key"
