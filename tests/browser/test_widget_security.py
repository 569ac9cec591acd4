"""Markup from the server stays inert; strict CSP; isolation from the host page both ways (fake service)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from playwright.sync_api import expect

sys.path.insert(0, str(Path(__file__).resolve().parent))
from widget_helpers import BOT, open_widget, send_text, wait_bots  # noqa: E402

pytestmark = pytest.mark.browser

ALLOWED_SCHEMES = ("https:", "http:", "tel:", "sms:")


def test_markup_and_script_in_messages_stay_inert(page, fake):
    page.goto(fake.url("/test"))
    open_widget(page)
    page.locator(".k-reply", has_text="Show markup").click()
    wait_bots(page, 2)
    bubble = page.locator(BOT).nth(1).locator(".k-bubble")
    expect(bubble).to_contain_text("<img src=x onerror=alert(1)>")
    expect(bubble).to_contain_text("<script>window.__kestrelPwned = 1; alert(2)</script>")
    expect(bubble).to_contain_text("<b>not bold</b>")
    expect(bubble).to_contain_text("markdown link (javascript:alert(4))")
    # a button whose title is markup is just a button with that text
    evil_button = page.locator(BOT).nth(1).locator(".k-reply")
    expect(evil_button).to_have_text("<img src=x onerror=alert(9)>")
    evil_button.click()
    wait_bots(page, 3)
    page.wait_for_timeout(500)  # give any onerror handler a chance to (not) run

    found = page.evaluate(
        """() => {
          const root = document.querySelector('kestrel-widget').shadowRoot;
          const all = [...root.querySelectorAll('*')];
          return {
            elements: [...new Set(all.map(e => e.tagName.toLowerCase()))].sort(),
            hrefs: [...root.querySelectorAll('[href]')].map(a => a.getAttribute('href')),
            handlers: all.flatMap(e => [...e.attributes].map(a => a.name)).filter(n => n.startsWith('on')),
            pwned: window.__kestrelPwned === 1,
            pageImgs: document.images.length,
          };
        }"""
    )
    assert found["pwned"] is False
    assert page.watch.dialogs == []
    assert found["handlers"] == []
    assert found["pageImgs"] == 0
    assert not {"img", "script", "iframe", "style", "b", "object", "embed"} & set(found["elements"]), found["elements"]
    assert all(h.startswith(ALLOWED_SCHEMES) for h in found["hrefs"]), found["hrefs"]
    assert page.watch.page_errors == []


def test_works_under_a_strict_content_security_policy(page, fake):
    """default-src 'none', script-src 'self', style-src 'self', no 'unsafe-inline', no 'unsafe-eval', and
    Trusted Types enforced (so any innerHTML assignment would throw)."""
    page.goto(fake.url("/test?csp=1&data-exit-url=/exit"))
    csp = page.evaluate("fetch(location.href).then(r => r.headers.get('content-security-policy'))")
    assert "require-trusted-types-for 'script'" in csp and "unsafe" not in csp
    launcher = page.locator(".k-launcher")
    # the stylesheet applied (adoptedStyleSheets is not blocked by style-src 'self')
    assert launcher.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(31, 71, 115)"
    assert launcher.evaluate("e => getComputedStyle(e).position") == "fixed"
    open_widget(page)
    page.locator(".k-reply", has_text="Show formatting").click()
    wait_bots(page, 2)
    send_text(page, "show markup")
    wait_bots(page, 3)
    send_text(page, "hello")
    wait_bots(page, 4)
    page.get_by_role("button", name="Leave now").click()
    page.wait_for_url(fake.url("/exit"))
    problems = [e for e in page.watch.console_errors + page.watch.page_errors
                if "Content Security Policy" in e or "Trusted" in e or "TrustedHTML" in e]
    assert problems == []
    assert page.watch.page_errors == []


def test_hostile_host_css_cannot_break_the_widget(page, fake):
    page.goto(fake.url("/test?hostile=1"))
    # the host's own button really is hidden by its CSS ...
    expect(page.locator("#host-button")).to_be_hidden()
    # ... but the widget is untouched
    launcher = page.locator(".k-launcher")
    expect(launcher).to_be_visible()
    style = launcher.evaluate(
        "e => { const s = getComputedStyle(e); return [s.fontFamily, s.color, s.letterSpacing, s.textTransform,"
        " s.fontSize] }"
    )
    assert "Comic" not in style[0] and style[1] == "rgb(255, 255, 255)" and style[2] == "normal"
    assert style[3] == "none" and style[4] == "17px"
    open_widget(page)
    bubble = page.locator(BOT).first.locator(".k-bubble")
    assert bubble.evaluate("e => getComputedStyle(e).fontSize") == "16px"
    assert bubble.evaluate("e => getComputedStyle(e).direction") == "ltr"
    expect(page.locator(".k-input")).to_be_visible()
    expect(page.locator(".k-reply").first).to_be_visible()
    box = page.locator(".k-panel").bounding_box()
    assert box["x"] + box["width"] <= 1280 and box["y"] + box["height"] <= 800
    send_text(page, "still works")
    wait_bots(page, 2)


HOST_STATE_JS = """() => {
  const pick = sel => { const s = getComputedStyle(document.querySelector(sel));
    return [s.fontFamily, s.fontSize, s.color, s.backgroundColor, s.margin, s.lineHeight, s.display]; };
  return {
    styles: ['html', 'body', 'h1', '#para', '#host-button', 'a'].map(pick),
    sheets: document.styleSheets.length,
    adopted: document.adoptedStyleSheets.length,
    headChildren: document.head.children.length,
    bodyScroll: [document.documentElement.scrollWidth, document.documentElement.scrollHeight],
    globals: Object.keys(window).filter(k => !k.startsWith('__pw')).sort(),
  };
}"""


def test_the_widget_does_not_change_the_host_page(page, fake):
    page.goto(fake.url("/test?widget=0"))
    without = page.evaluate(HOST_STATE_JS)
    page.goto(fake.url("/test"))
    page.locator(".k-launcher").wait_for()
    with_widget = page.evaluate(HOST_STATE_JS)
    assert set(with_widget["globals"]) - set(without["globals"]) == {"KestrelWidget"}
    without["globals"] = with_widget["globals"] = None
    assert with_widget == without
    open_widget(page)
    opened = page.evaluate(HOST_STATE_JS)
    opened["globals"] = None
    assert opened == without


def test_loading_the_script_twice_mounts_one_widget(page, fake):
    page.goto(fake.url("/test"))
    page.locator(".k-launcher").wait_for()
    page.evaluate(
        """() => new Promise(resolve => { const s = document.createElement('script');
             s.src = '/static/widget.js'; s.onload = resolve; document.body.appendChild(s); })"""
    )
    assert page.evaluate("document.querySelectorAll('kestrel-widget').length") == 1


def test_theming_through_css_custom_properties(page, fake):
    page.goto(fake.url("/test"))
    page.add_style_tag(content="kestrel-widget { --kestrel-accent: #00594f; --kestrel-font: Georgia, serif; }")
    launcher = page.locator(".k-launcher")
    expect(launcher).to_have_css("background-color", "rgb(0, 89, 79)")
    expect(launcher).to_have_css("font-family", "Georgia, serif")
