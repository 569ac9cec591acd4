"""rasa-webchat 1.0.1 (botfront's widget, its UMD build from npm) against the real service in Chromium.

A partner's site (conftest's `partner_site`, a real HTTP server on another port) embeds it the way Rasa
teams do and talks to the service cross-origin over Socket.IO. What docs/rasa-clients.md says about
rasa-webchat is checked here: a conversation with quick replies, bullets that stay a list, the transcript
kept where the embed says, resuming after a reload, an ended session told so, and a refused origin hiding
the widget.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import secrets
from pathlib import Path
from urllib.parse import urlencode

import pytest
from playwright.sync_api import expect

from actions.render import text_of

pytestmark = pytest.mark.browser

REPLY_TIMEOUT = 30000
BOT = ".rw-response"
QUICK_REPLY = ".rw-replies .rw-reply"
BLACKMAIL = "someone has my nudes and wants money"


@pytest.fixture
def open_webchat(new_page, partner_site, partner_service):
    def open_page(origin: str = "", storage: str = "session"):
        page = new_page()
        page.context.route("https://fonts.googleapis.com/**", lambda route: route.abort())  # its CSS imports a font
        query = urlencode({"service": partner_service.base, "storage": storage})
        page.goto(f"{origin or partner_site.origin}/?{query}")
        return page

    return open_page


def bot_count(page) -> int:
    return page.locator(BOT).count()


def wait_for_more(page, before: int) -> str:
    """Wait for the answer to what was just sent; its text, once the messages have stopped coming."""
    page.locator(BOT).nth(before).wait_for(timeout=REPLY_TIMEOUT)
    count = -1
    while count != bot_count(page):  # the messages of one turn arrive back to back
        count = bot_count(page)
        page.wait_for_timeout(700)
    return "\n".join(page.locator(BOT).all_inner_texts()[before:])


def start(page) -> str:
    page.locator(".rw-launcher").click()
    return wait_for_more(page, 0)


def say(page, text: str) -> str:
    before = bot_count(page)
    page.locator(".rw-new-message").fill(text)
    page.locator(".rw-new-message").press("Enter")
    return wait_for_more(page, before)


def press(page, title: str) -> str:
    before = bot_count(page)
    page.locator(QUICK_REPLY, has_text=re.compile(rf"^\s*{re.escape(title)}\s*$")).last.click()
    return wait_for_more(page, before)


def stored_session(page, where: str) -> dict:
    raw = page.evaluate(f"{where}.getItem('chat_session')")
    return json.loads(raw) if raw else {}


def test_a_conversation_with_quick_replies_and_bullets_that_stay_a_list(open_webchat, screenshots_dir):
    page = open_webchat()
    greeting = start(page)
    assert "Kestrel" in greeting
    expect(page.locator(QUICK_REPLY).first).to_be_visible()

    urgent = say(page, BLACKMAIL)
    assert re.search(r"don.?t pay", urgent, re.I), urgent
    # Every bullet of the urgent reply is a list item of its own, each on a line below the last.
    bullets = [line for line in text_of("utter_urgent_money").split("\n") if line.startswith("•")]
    items = page.locator(f"{BOT} .rw-markdown li")
    expect(items).to_have_count(len(bullets))
    tops = [items.nth(i).bounding_box()["y"] for i in range(items.count())]
    assert all(lower > upper + 10 for upper, lower in zip(tops, tops[1:])), tops
    page.locator(BOT).filter(has=page.locator("ul")).screenshot(path=str(screenshots_dir / "rasa-webchat-bullets.png"))

    after_age = press(page, "Under 18")
    assert after_age and text_of("utter_ask_situation") not in after_age
    assert page.watch.page_errors == []


def test_the_safe_embed_keeps_nothing_after_the_tab_and_resumes_after_a_reload(open_webchat):
    page = open_webchat(storage="session")
    start(page)
    say(page, BLACKMAIL)
    session = stored_session(page, "sessionStorage")
    assert session.get("session_id", "").startswith("sio-")
    assert BLACKMAIL in json.dumps(session), "the transcript lives in sessionStorage"
    assert BLACKMAIL not in page.evaluate("JSON.stringify(localStorage)"), "and not in localStorage"

    page.reload()
    expect(page.locator(".rw-client", has_text=BLACKMAIL)).to_be_visible(timeout=REPLY_TIMEOUT)
    carried_on = press(page, "Under 18")
    assert text_of("utter_ask_situation") not in carried_on, "the same conversation, not a new one"
    assert stored_session(page, "sessionStorage")["session_id"] == session["session_id"]


def test_rasa_webchats_default_embed_keeps_the_transcript_in_local_storage(open_webchat):
    # Why docs/rasa-clients.md says to set params.storage: the default survives closing the browser.
    page = open_webchat(storage="default")
    start(page)
    say(page, BLACKMAIL)
    assert BLACKMAIL in json.dumps(stored_session(page, "localStorage"))


def test_an_ended_session_is_told_so_and_greeted_again(open_webchat):
    page = open_webchat()
    start(page)
    say(page, BLACKMAIL)
    # As after the conversation expired, or the service restarted without Redis: an id the server no longer has.
    gone = "sio-" + secrets.token_urlsafe(24)
    page.evaluate("""(id) => {
        const session = JSON.parse(sessionStorage.getItem('chat_session'));
        session.session_id = id;
        sessionStorage.setItem('chat_session', JSON.stringify(session));
    }""", gone)
    page.reload()
    notice = page.locator(BOT, has_text=text_of("utter_session_restarted"))
    expect(notice).to_have_count(1, timeout=REPLY_TIMEOUT)
    expect(page.locator(".rw-client", has_text=BLACKMAIL)).to_be_visible(), "the old transcript is still shown"
    texts = page.locator(BOT).all_inner_texts()
    after = wait_for_more(page, texts.index(text_of("utter_session_restarted")) + 1)
    assert "Kestrel" in after, "greeted again, after the notice"
    assert stored_session(page, "sessionStorage")["session_id"] not in ("", gone)


def test_a_page_on_an_origin_the_service_does_not_allow_gets_no_widget(open_webchat, partner_site):
    # rasa-webchat shows itself only once the server confirms a session: refused, it stays hidden, silently.
    page = open_webchat(origin=partner_site.other_origin)
    page.wait_for_timeout(5000)
    expect(page.locator(".rw-launcher")).to_be_hidden()
    allowed = open_webchat()
    expect(allowed.locator(".rw-launcher")).to_be_visible(timeout=REPLY_TIMEOUT)


def test_the_documented_embed_pins_the_tested_file():
    """docs/rasa-clients.md's integrity hash is that of the rasa-webchat build these tests drive."""
    repo = Path(__file__).resolve().parents[2]
    built = repo / "tests" / "browser" / "node_modules" / "rasa-webchat" / "lib" / "index.js"
    digest = "sha384-" + base64.b64encode(hashlib.sha384(built.read_bytes()).digest()).decode()
    assert f'integrity="{digest}"' in (repo / "docs" / "rasa-clients.md").read_text(encoding="utf-8")
