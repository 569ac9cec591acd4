"""WCAG 2.2 AA: axe-core, keyboard-only use, focus management, reduced motion, zoom, phones (fake service)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from playwright.sync_api import expect

sys.path.insert(0, str(Path(__file__).resolve().parent))
from widget_helpers import DESKTOP, PHONE, BOT, focused, open_widget, send_text, wait_bots  # noqa: E402

pytestmark = pytest.mark.browser

AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
VIEWPORTS = {"desktop": DESKTOP, "phone": PHONE}


def settled_box(locator) -> dict:
    """Bounding box once the opening animation (if any) has finished, rounded to whole CSS pixels."""
    locator.evaluate("e => Promise.all(e.getAnimations().map(a => a.finished))")
    return {k: round(v) for k, v in locator.bounding_box().items()}


def run_axe(page, axe_source) -> list[dict]:
    page.add_script_tag(path=str(axe_source))
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})", AXE_TAGS
    )
    return [
        {"id": v["id"], "impact": v["impact"], "help": v["help"],
         "nodes": [n["target"] for n in v["nodes"]][:5], "summary": v["nodes"][0].get("failureSummary", "")}
        for v in result["violations"]
    ]


def start_conversation(page) -> None:
    page.get_by_role("button", name="Start the chat").click()
    wait_bots(page, 1)
    page.locator(".k-reply", has_text="Someone wants money").click()
    wait_bots(page, 3)
    send_text(page, "show formatting")
    wait_bots(page, 4)


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_axe_finds_no_wcag_22_aa_violations_on_the_demo_page_with_the_widget_open(
    new_page, fake, axe_source, viewport
):
    page = new_page(**VIEWPORTS[viewport])
    page.goto(fake.url("/"))
    violations = run_axe(page, axe_source)
    assert violations == [], json.dumps(violations, indent=1)  # closed: launcher on the page
    start_conversation(page)
    violations = run_axe(page, axe_source)
    assert violations == [], json.dumps(violations, indent=1)


def test_axe_finds_no_violations_in_the_error_state(page, fake, axe_source):
    with page.expect_response(lambda r: "/api/v1/help-contacts" in r.url):
        page.goto(fake.url("/test"))
    page.route("**/api/v1/**", lambda r: r.abort("connectionrefused"))
    page.locator(".k-launcher").click()
    expect(page.locator(".k-error")).to_be_visible()
    expect(page.locator(".k-error li")).to_have_count(3)  # with the help contacts' list
    page.locator(".k-input").fill("a" * 1950)  # the character counter shows too
    violations = run_axe(page, axe_source)
    assert violations == [], json.dumps(violations, indent=1)


def test_keyboard_only_run_through(page, fake):
    page.goto(fake.url("/test?data-exit-url=/exit"))
    # Tab from the top of the page reaches the launcher
    for _ in range(10):
        page.keyboard.press("Tab")
        if focused(page) == "widget:k-launcher":
            break
    assert focused(page) == "widget:k-launcher"
    outline = page.locator(".k-launcher").evaluate("e => getComputedStyle(e).outlineStyle + ' ' + getComputedStyle(e).outlineWidth")
    assert outline == "solid 3px", "focus is clearly visible"

    page.keyboard.press("Enter")
    expect(page.get_by_role("dialog")).to_be_visible()
    assert focused(page) == "widget:k-input"
    wait_bots(page, 1)

    page.keyboard.type("someone wants money from me")
    page.keyboard.press("Enter")
    wait_bots(page, 3)
    assert focused(page) == "widget:k-input", "focus stays in the message box after sending"

    # Shift+Tab from the message box reaches the newest quick replies; Space and Enter press them
    page.keyboard.press("Shift+Tab")
    assert focused(page) == "widget:k-reply"
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Shift+Tab")
    assert page.evaluate("document.activeElement.shadowRoot.activeElement.textContent") == "Under 18"
    page.keyboard.press("Space")
    wait_bots(page, 4)
    expect(page.locator(BOT).last).to_contain_text("Step 1")
    # The pressed button is retired with its step; focus moves on to the new step's reply
    assert page.evaluate("document.activeElement.shadowRoot.activeElement.textContent") == "Done, what's next?"
    page.keyboard.press("Enter")
    wait_bots(page, 5)
    expect(page.locator(BOT).last).to_contain_text("Your plan")
    assert focused(page) == "widget:k-input", "no reply to move to: the message box, still inside the widget"

    # every control in the panel is reachable with Tab, in a sensible order
    order = []
    page.locator(".k-title").focus()
    for _ in range(40):
        page.keyboard.press("Tab")
        f = focused(page)
        if not f.startswith("widget:") or (order and f == order[0]):
            break
        order.append(f)
    assert order[:3] == ["widget:k-hbtn k-leave", "widget:k-hbtn k-hide", "widget:k-log"]
    assert order[-3:] == ["widget:k-input", "widget:k-send", "widget:k-clear"]

    # Hide returns focus to the launcher; Enter opens again with focus back inside
    page.locator(".k-hide").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("dialog")).to_be_hidden()
    assert focused(page) == "widget:k-launcher"
    page.keyboard.press("Enter")
    assert focused(page) == "widget:k-input"
    expect(page.locator(BOT)).to_have_count(5)  # nothing was lost by hiding

    page.keyboard.press("Escape")
    page.wait_for_url(fake.url("/exit"))


def test_focus_returns_to_the_page_control_that_opened_the_chat(page, fake):
    page.goto(fake.url("/test"))
    page.locator("#open-chat").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("dialog")).to_be_visible()
    wait_bots(page, 1)
    page.locator(".k-hide").click()
    assert focused(page) == "page:open-chat"


def test_dialog_semantics_and_live_regions(page, fake):
    page.goto(fake.url("/test"))
    open_widget(page)
    dialog = page.locator(".k-panel")
    expect(dialog).to_have_attribute("role", "dialog")
    expect(dialog).to_have_attribute("aria-labelledby", "k-title")
    expect(dialog).to_have_attribute("aria-describedby", "k-sub")
    assert dialog.get_attribute("aria-modal") is None, "a side panel on a desktop is not modal"
    log = page.locator(".k-log")
    expect(log).to_have_attribute("role", "log")
    expect(log).to_have_attribute("aria-live", "polite")
    expect(page.get_by_role("group", name="Choose a reply")).to_be_visible()
    expect(page.get_by_role("textbox", name="Type your message")).to_be_visible()
    # screen readers hear who said what
    expect(page.locator(BOT).first.locator(".k-sr")).to_have_text("Kestrel said: ")
    send_text(page, "hi")
    wait_bots(page, 2)
    expect(page.locator(".k-msg.k-user .k-sr")).to_have_text("You said: ")
    # all targets are at least 24 by 24 CSS pixels (WCAG 2.5.8), most 44
    sizes = page.locator(".k-panel button").evaluate_all(
        "els => els.filter(e => e.offsetParent).map(e => [e.className, e.getBoundingClientRect().height])"
    )
    assert all(h >= 24 for _, h in sizes), sizes
    assert all(h >= 44 for cls, h in sizes if cls != "k-clear"), sizes


def test_phone_is_full_screen_and_modal_with_focus_kept_inside(new_page, fake):
    page = new_page(**PHONE)
    page.goto(fake.url("/test"))
    page.locator(".k-launcher").tap()
    wait_bots(page, 1)
    assert settled_box(page.locator(".k-panel")) == {"x": 0, "y": 0, "width": 390, "height": 844}
    expect(page.locator(".k-panel")).to_have_attribute("aria-modal", "true")
    # on a touch screen focus goes to the title, so the keyboard does not cover the greeting
    assert focused(page) == "widget:k-title"
    expect(page.locator(".k-hint")).to_be_hidden()  # no Esc key on a phone
    seen = set()
    for _ in range(12):
        page.keyboard.press("Tab")
        f = focused(page)
        assert f.startswith("widget:"), f"focus escaped the full-screen dialog to {f}"
        seen.add(f)
    for _ in range(12):
        page.keyboard.press("Shift+Tab")
        assert focused(page).startswith("widget:")
    assert {"widget:k-hbtn k-leave", "widget:k-input", "widget:k-clear"} <= seen


@pytest.mark.parametrize("zoom,size", [(200, {"width": 640, "height": 400}), (400, {"width": 320, "height": 200})])
def test_readable_and_usable_when_zoomed(new_page, fake, zoom, size):
    """A 1280x800 window at 200% (and 400%) zoom lays out like a 640x400 (320x200) CSS-pixel viewport."""
    page = new_page(viewport=size, device_scale_factor=zoom / 100)
    page.goto(fake.url("/test"))
    # At 400% the launcher would cover the page's own "Chat with us" button and steps aside for it.
    page.locator("#open-chat").click()
    wait_bots(page, 1)
    panel = page.locator(".k-panel")
    assert settled_box(panel) == {"x": 0, "y": 0, **size}, "full screen when zoomed in"
    assert panel.evaluate("e => e.scrollWidth <= e.clientWidth"), "no sideways scrolling"
    for sel in [".k-leave", ".k-hide", ".k-input", ".k-send", ".k-clear"]:
        if zoom > 200:  # 400%: everything is reachable by scrolling the panel, nothing is cut off
            page.locator(sel).scroll_into_view_if_needed()
        b = page.locator(sel).bounding_box()
        assert b and b["x"] >= 0 and b["x"] + b["width"] <= size["width"] + 0.5, sel
        assert b["y"] >= 0 and b["y"] + b["height"] <= size["height"] + 0.5, sel
    # the conversation scrolls inside the panel and the newest message can be reached
    send_text(page, "a longer message to make the log scroll " * 3)
    wait_bots(page, 2)
    page.locator(BOT).last.scroll_into_view_if_needed()
    expect(page.locator(BOT).last).to_be_in_viewport()


LEAVE_ON_TOP_JS = """() => {
  const r = document.querySelector('kestrel-widget').shadowRoot;
  const leave = r.querySelector('.k-leave');
  const b = leave.getBoundingClientRect();
  const inside = b.top >= 0 && b.left >= 0 && b.bottom <= innerHeight && b.right <= innerWidth;
  return inside && r.elementFromPoint(b.left + b.width / 2, b.top + b.height / 2) === leave;
}"""


def test_leave_now_is_on_screen_at_400_percent_zoom(new_page, fake):
    page = new_page(viewport={"width": 320, "height": 200}, device_scale_factor=4)
    page.goto(fake.url("/test"))
    page.locator("#open-chat").click()
    wait_bots(page, 1)
    settled_box(page.locator(".k-panel"))
    assert page.evaluate(LEAVE_ON_TOP_JS), "Leave now is on screen, uncovered, as soon as the chat opens"

    send_text(page, "a longer message, so that the panel has to scroll " * 3)
    wait_bots(page, 2)
    assert page.evaluate(LEAVE_ON_TOP_JS), "and stays there as the conversation scrolls"
    header_bottom = page.locator(".k-header").bounding_box()
    header_bottom = header_bottom["y"] + header_bottom["height"]
    assert page.locator(BOT).last.bounding_box()["y"] >= header_bottom - 0.5, "the newest message starts below it"
    # a control reached with the keyboard is not hidden under it
    page.keyboard.press("Shift+Tab")
    assert focused(page) == "widget:k-reply"
    assert page.locator(".k-reply").last.bounding_box()["y"] >= header_bottom - 0.5


SWEEP_JS = """async () => {
  const cta = document.querySelector('[data-kestrel-open]');
  const launcher = document.querySelector('kestrel-widget').shadowRoot.querySelector('.k-launcher');
  const frames = () => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
  const meet = (a, b) => a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
  const out = {covered: [], shown: 0, asideWithoutButton: []};
  const end = document.documentElement.scrollHeight - innerHeight;
  for (let y = 0; y <= end + 20; y += 20) {
    window.scrollTo(0, y);
    await frames();
    const a = launcher.getBoundingClientRect(), b = cta.getBoundingClientRect();
    if (getComputedStyle(launcher).visibility === 'visible') {
      out.shown += 1;
      if (meet(a, b)) out.covered.push(scrollY);
    } else if (b.bottom < 0 || b.top > innerHeight) {
      out.asideWithoutButton.push(scrollY);
    }
  }
  return out;
}"""


@pytest.mark.parametrize("size", [(390, 844), (360, 640), (320, 568)], ids=lambda s: f"{s[0]}x{s[1]}")
def test_the_launcher_never_covers_the_demo_pages_start_button_at_phone_width(new_page, fake, size):
    page = new_page(**{**PHONE, "viewport": {"width": size[0], "height": size[1]}})
    page.goto(fake.url("/"))
    result = page.evaluate(SWEEP_JS)
    assert result["covered"] == [], f"the launcher covers 'Start the chat' at scroll positions {result['covered']}"
    assert result["shown"] > 0 and result["asideWithoutButton"] == [], (
        "the launcher steps aside only while the page's own button is on screen", result
    )
    # where they would meet, the page's button is the one that works
    cta = page.get_by_role("button", name="Start the chat")
    cta.scroll_into_view_if_needed()
    cta.tap()
    wait_bots(page, 1)
    expect(page.get_by_role("dialog")).to_be_visible()


def test_reduced_motion_turns_animations_off(new_page, fake):
    page = new_page(reduced_motion="reduce")
    page.goto(fake.url("/test"))
    fake.control(delay=1.0)
    page.locator(".k-launcher").click()
    expect(page.locator(".k-typing")).to_be_visible()
    names = page.evaluate(
        """() => { const r = document.querySelector('kestrel-widget').shadowRoot;
                   return [...r.querySelectorAll('.k-panel, .k-dots span')].map(e => getComputedStyle(e).animationName) }"""
    )
    assert set(names) == {"none"}
    fake.control(delay=0)

    page2 = new_page(reduced_motion="no-preference")
    fake.control(delay=1.0)
    page2.goto(fake.url("/test"))
    page2.locator(".k-launcher").click()
    expect(page2.locator(".k-typing")).to_be_visible()
    assert page2.locator(".k-dots span").first.evaluate("e => getComputedStyle(e).animationName") == "k-blink"
    fake.control(delay=0)


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_screenshots(new_page, fake, screenshots_dir, viewport):
    page = new_page(**VIEWPORTS[viewport])
    page.goto(fake.url("/"))
    page.get_by_role("button", name="Start the chat").click()
    wait_bots(page, 1)
    page.locator(".k-reply", has_text="Someone wants money").click()
    wait_bots(page, 3)
    page.locator(".k-title").focus()
    path = screenshots_dir / f"widget-{viewport}.png"
    page.screenshot(path=str(path))
    assert path.stat().st_size > 10_000
