"""Leaving fast when the exit site is slow: a second Escape, what shows meanwhile, Shift three times.

Keys and clicks go through CDP (widget_helpers.native_key/native_click): Chromium stops a pending
navigation on an Escape the page does not prevent, and only real input events reproduce that.

While a navigation is pending, Chromium holds DevTools commands to the page (page.evaluate, screenshots)
until the next page commits, so what the page shows meanwhile is reported by the page itself, through
console messages, from a script that runs before the widget's.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from playwright.sync_api import expect

sys.path.insert(0, str(Path(__file__).resolve().parent))
from widget_helpers import native_click, native_key, open_widget  # noqa: E402

pytestmark = pytest.mark.browser

SLOW_EXIT = "/slow-exit"  # the fake service answers it after 2 seconds
NO_CONTENT_EXIT = "/no-content"  # 204: the browser stays on the page that started leaving
HOST_TITLE = "Host page"
ALL_HOST_CONTENT = ["h1", "#para", "#host-button", "#open-chat"]

# What the page shows: the overlay (if any) and whether it is what is on top everywhere in the window,
# the title, and which of the host page's own elements are still rendered.
BLANK_STATE_JS = """() => {
  const host = document.querySelector('kestrel-widget');
  const cover = host.shadowRoot.querySelector('.k-cover');
  const w = innerWidth, h = innerHeight;
  const points = [[w / 2, h / 2], [4, 4], [w - 4, 4], [4, h - 4], [w - 4, h - 4], [w / 2, 30]];
  return {
    url: location.href,
    title: document.title,
    cover: cover && !cover.hidden ? cover.textContent : null,
    coverOnTop: !!cover && points.every(([x, y]) =>
      document.elementFromPoint(x, y) === host && host.shadowRoot.elementFromPoint(x, y) === cover),
    hostContentShown: ['h1', '#para', '#host-button', '#open-chat']
      .filter(s => document.querySelector(s).checkVisibility()),
  };
}"""

# Registered before the widget's own listeners: after each key or click, report the state once the
# widget has handled the event (next task) and again two frames later (painted). Each report carries
# the phase the test had set when the event happened: console messages arrive late, and a report of
# the click that opened the chat must not be read as one from leaving.
REPORTER_JS = """(() => {
  const state = %s;
  const report = (label, phase) =>
    console.log('kestrel-test ' + JSON.stringify(Object.assign({label, phase}, state())));
  const watch = (e) => {
    const phase = window.kestrelTestPhase || 'opening';
    setTimeout(() => report(e.type + ':task', phase), 0);
    requestAnimationFrame(() => requestAnimationFrame(() => report(e.type + ':frame', phase)));
  };
  window.addEventListener('keydown', watch, true);
  window.addEventListener('click', watch, true);
})();""" % BLANK_STATE_JS


def help_page(page, fake, query: str = "", exit_url: str = SLOW_EXIT) -> None:
    page.goto(fake.url("/before"))
    page.goto(fake.url(f"/test?data-exit-url={exit_url}{query}"))
    open_widget(page)


def page_reports(page) -> list[dict]:
    reports: list[dict] = []

    def on_console(message) -> None:
        if message.text.startswith("kestrel-test "):
            reports.append(json.loads(message.text[len("kestrel-test "):]))

    page.on("console", on_console)
    page.add_init_script(script=REPORTER_JS)
    return reports


def start_leaving(page, how: str) -> None:
    if how == "escape":
        page.locator(".k-input").focus()
        native_key(page, "Escape")
    else:
        native_click(page, page.get_by_role("button", name="Leave now"))


def wait_for_exit(page, fake) -> None:
    try:
        page.wait_for_url(fake.url(SLOW_EXIT), timeout=8000)
    except PlaywrightTimeoutError:
        pytest.fail(f"never reached the exit site: still on {page.url}")


def assert_blank(state: dict, help_url: str) -> None:
    assert state["url"] == help_url, "still waiting for the exit site"
    assert state["cover"] == "Loading…", f"a neutral overlay is shown ({state['label']})"
    assert state["coverOnTop"], "the overlay covers the whole window"
    assert state["hostContentShown"] == [], "the page's own content is hidden, not only covered"
    assert state["title"] == "Loading…", "the tab title no longer names the page"


@pytest.mark.parametrize("how", ["escape", "leave-now"])
def test_a_second_escape_does_not_cancel_leaving(page, fake, how):
    help_page(page, fake)
    start_leaving(page, how)
    # People in a hurry press Escape again, and again: to the browser, each one means "Stop".
    for _ in range(3):
        page.wait_for_timeout(150)
        native_key(page, "Escape")
    assert page.url.startswith(fake.url("/test")), "the exit site was still loading when Escape was pressed"
    wait_for_exit(page, fake)
    page.go_back()
    assert page.url == fake.url("/before"), "Back skips the page with the chat"


@pytest.mark.parametrize("how", ["escape", "leave-now"])
def test_the_page_is_blanked_at_once_while_the_exit_site_loads(page, fake, how):
    reports = page_reports(page)
    help_page(page, fake)
    help_url = page.url
    assert page.evaluate(BLANK_STATE_JS)["hostContentShown"] == ALL_HOST_CONTENT
    page.evaluate("window.kestrelTestPhase = 'leaving'")
    start_leaving(page, how)
    page.wait_for_timeout(500)
    leaving = [r for r in reports if r["phase"] == "leaving"]
    event = "keydown" if how == "escape" else "click"
    labels = [r["label"] for r in leaving]
    assert f"{event}:task" in labels and f"{event}:frame" in labels, labels
    for state in leaving:
        assert_blank(state, help_url)
    wait_for_exit(page, fake)


def test_the_page_stays_blank_if_the_exit_site_sends_no_page(page, fake):
    help_page(page, fake, exit_url=NO_CONTENT_EXIT)
    help_url = page.url
    native_click(page, page.get_by_role("button", name="Leave now"))
    page.wait_for_timeout(500)
    assert_blank({**page.evaluate(BLANK_STATE_JS), "label": "after a 204"}, help_url)


def test_a_page_restored_from_the_back_forward_cache_is_shown_again(page, fake):
    help_page(page, fake, exit_url=NO_CONTENT_EXIT)
    native_click(page, page.get_by_role("button", name="Leave now"))
    page.wait_for_timeout(300)
    assert page.evaluate(BLANK_STATE_JS)["cover"] == "Loading…"
    # What the browser fires when Back brings a page out of the back/forward cache (which Playwright's
    # Chromium has switched off, so the event is sent by hand).
    page.evaluate("window.dispatchEvent(new PageTransitionEvent('pageshow', {persisted: true}))")
    state = page.evaluate(BLANK_STATE_JS)
    assert state["cover"] is None
    assert state["title"] == HOST_TITLE
    assert state["hostContentShown"] == ALL_HOST_CONTENT
    expect(page.locator(".k-launcher")).to_be_visible()
    expect(page.locator(".k-panel")).to_be_hidden()


def test_shift_three_times_leaves_when_the_deployer_turns_it_on(page, fake):
    help_page(page, fake, "&data-shift-exit=true")
    expect(page.locator(".k-hint")).to_have_text("Press Esc, or Shift 3 times, to leave this site fast.")
    page.locator("#host-button").focus()  # anywhere on the page, not only in the chat
    for _ in range(3):
        native_key(page, "Shift")
    native_key(page, "Escape")
    wait_for_exit(page, fake)


def test_shift_does_not_leave_when_typing_or_by_default(page, fake):
    help_page(page, fake, "&data-shift-exit=true")
    page.locator(".k-input").focus()
    for key in ("Shift", "Shift", "a", "Shift", "a", "Shift", "Shift", "a"):  # capitals while typing
        native_key(page, key)
    page.wait_for_timeout(300)
    assert page.url.startswith(fake.url("/test"))
    expect(page.locator(".k-input")).to_have_value("aaa")

    help_page(page, fake)
    expect(page.locator(".k-hint")).to_have_text("Press Esc to leave this site fast.")
    for _ in range(4):
        native_key(page, "Shift")
    page.wait_for_timeout(300)
    assert page.url.startswith(fake.url("/test")), "off unless the deployer asks for it"
