"""The widget's conversation behaviour, against the fake service (canned replies, so no model wording)."""

from __future__ import annotations

import json
import sys
import urllib.parse
from pathlib import Path

import pytest
from playwright.sync_api import expect

sys.path.insert(0, str(Path(__file__).resolve().parent))
from widget_helpers import BOT, NOTICE, USER, focused, open_widget, send_text, track_conversations, wait_bots  # noqa: E402

pytestmark = pytest.mark.browser


def test_launcher_opens_a_dialog_with_the_greeting(page, fake):
    page.goto(fake.url("/test"))
    launcher = page.locator(".k-launcher")
    expect(launcher).to_be_visible()
    expect(launcher).to_have_text("Get help")
    expect(launcher).to_have_attribute("aria-expanded", "false")
    expect(launcher).to_have_attribute("aria-haspopup", "dialog")
    assert fake.log()["created"] == [], "no conversation may be created before the person opens the chat"

    launcher.click()
    dialog = page.get_by_role("dialog", name="Get help")
    expect(dialog).to_be_visible()
    expect(launcher).to_be_hidden()
    expect(launcher).to_have_attribute("aria-expanded", "true")
    greeting = page.locator(BOT).first
    expect(greeting).to_contain_text("You're not in trouble.")
    expect(greeting.locator("strong")).to_have_text("You're not in trouble.")
    expect(greeting.locator(".k-reply")).to_have_count(3)
    assert focused(page) == "widget:k-input", "on a desktop, focus moves into the dialog's message box"
    assert len(fake.log()["created"]) == 1


def test_typing_indicator_and_quick_replies_of_the_current_step(page, fake):
    page.goto(fake.url("/test"))
    open_widget(page)
    fake.control(delay=1.0)
    page.locator(".k-reply", has_text="Someone wants money").click()
    typing = page.locator(".k-typing")
    expect(typing).to_be_visible()
    expect(page.locator(".k-panel [role=status]")).to_have_text("Kestrel is typing…")
    wait_bots(page, 3)
    expect(typing).to_be_hidden()
    expect(page.locator(".k-panel [role=status]")).to_have_text("")
    fake.control(delay=0)

    expect(page.locator(USER).last).to_have_text("You said: Someone wants money")
    expect(page.locator(BOT).nth(1)).to_contain_text("Don't pay them.")
    age = page.locator(BOT).nth(2).locator(".k-reply")
    expect(age).to_have_text(["Under 18", "18 or over", "I'd rather not say"])

    # The greeting's buttons belong to an earlier step: they stay on screen as history but do nothing.
    greeting_replies = page.locator(BOT).first.locator(".k-reply")
    for i in range(3):
        expect(greeting_replies.nth(i)).to_be_disabled()
    expect(age.first).to_be_enabled()
    greeting_replies.nth(1).dispatch_event("click")
    age.first.click()
    wait_bots(page, 4)
    expect(page.locator(BOT).nth(3)).to_contain_text("Step 1")
    expect(age.first).to_be_disabled()
    received = fake.log()["received"]
    assert [r["payload"] for r in received] == [
        "/blackmail_money", '/tell_age{"age_group":"under_18"}'
    ], "a button sends its payload, not its title"


def test_typing_and_shift_enter(page, fake):
    page.goto(fake.url("/test"))
    open_widget(page)
    box = page.locator(".k-input")
    box.fill("first line")
    box.press("Shift+Enter")
    box.type("second line")
    assert fake.log()["received"] == [], "Shift+Enter adds a line; it does not send"
    box.press("Enter")
    wait_bots(page, 2)
    expect(page.locator(USER).last.locator(".k-bubble")).to_have_text("first line\nsecond line")
    expect(box).to_have_value("")
    assert fake.log()["received"][0]["text"] == "first line\nsecond line"
    # Send button works too, and blank input sends nothing
    box.fill("   ")
    page.locator(".k-send").click()
    box.fill("with the button")
    page.locator(".k-send").click()
    wait_bots(page, 3)
    assert [r["text"] for r in fake.log()["received"]] == ["first line\nsecond line", "with the button"]


def test_formatting_links_and_phone_numbers(page, fake):
    page.goto(fake.url("/test"))
    open_widget(page)
    page.locator(".k-reply", has_text="Show formatting").click()
    wait_bots(page, 2)
    bubble = page.locator(BOT).nth(1).locator(".k-bubble")
    expect(bubble.locator("strong").first).to_have_text("Don't pay.")
    expect(bubble.locator("ul > li")).to_have_text([
        "Stop replying and block them",
        "Keep screenshots as evidence",
        "Report it at https://www.ceop.police.uk/Safety-Centre/ (opens in a new tab).",
    ])
    links = bubble.locator("a").evaluate_all(
        "els => els.map(a => [a.getAttribute('href'), a.firstChild.textContent, a.target, a.rel])"
    )
    got = {href: (text, target, rel) for href, text, target, rel in links}
    web = ("_blank", "noopener noreferrer")
    assert got == {
        "https://www.ceop.police.uk/Safety-Centre/": ("https://www.ceop.police.uk/Safety-Centre/", *web),
        "tel:08001111": ("0800 1111", "", ""),
        "tel:116123": ("116 123", "", ""),
        "tel:999": ("999", "", ""),
        "sms:85258": ("85258", "", ""),
        "tel:08081689111": ("08 08 16 89 111", "", ""),
        "https://childline.org.uk/remove": ("childline.org.uk/remove", *web),
        "https://www.childline.org.uk/remove": ("Report Remove", *web),
        "tel:101": ("tel:101", "", ""),
    }, links
    # the trailing full stop is not part of the link; the numbers in the last line are not links
    expect(bubble).to_contain_text("Not links: £999, 15 years old, 2,000 people, help@nspcc.org.uk, 200000.")
    assert bubble.locator("p").last.locator("a").count() == 0
    # blank line -> separate paragraphs; single line breaks -> <br>
    assert bubble.locator("p").count() == 3
    assert bubble.locator("p").first.locator("br").count() == 1


def test_expired_conversation_restarts_transparently_and_says_so(page, fake):
    page.goto(fake.url("/test"))
    ids = track_conversations(page)
    open_widget(page)
    http_expire = fake.url("/_fake/expire_all")
    page.request.post(http_expire)
    send_text(page, "hello again")
    notice = page.locator(NOTICE)
    expect(notice).to_contain_text("This is a new chat")
    wait_bots(page, 2)
    expect(page.locator(BOT).last).to_contain_text("You said: hello again")
    log = fake.log()
    assert len(log["created"]) == 2 and ids == log["created"]
    assert log["received"] == [{"conversation_id": ids[1], "text": "hello again", "payload": None}]
    # only one greeting on screen: the restart does not repeat it
    expect(page.locator(BOT).filter(has_text="What's happening?")).to_have_count(1)


def test_clear_conversation(page, fake):
    page.goto(fake.url("/test"))
    ids = track_conversations(page)
    open_widget(page)
    send_text(page, "something private")
    wait_bots(page, 2)
    page.locator(".k-clear").click()
    expect(page.locator(NOTICE)).to_contain_text("Conversation cleared")
    wait_bots(page, 1)
    expect(page.locator(USER)).to_have_count(0)
    expect(page.locator(".k-log")).not_to_contain_text("something private")
    expect(page.locator(BOT)).to_have_count(1)
    assert fake.wait_deleted(ids[0]), "clearing deletes the conversation on the server"
    assert len(ids) == 2, "and starts a fresh one"
    assert focused(page) == "widget:k-input"


def test_cross_origin_embed_derives_the_api_from_the_script_src(page, fake):
    """The page is on 127.0.0.1, the script on localhost: every API call must go to localhost."""
    port = urllib.parse.urlsplit(fake.base).port
    api_hosts = set()
    page.on("request", lambda r: api_hosts.add(urllib.parse.urlsplit(r.url).netloc) if "/api/v1/" in r.url else None)
    ids = track_conversations(page)
    page.goto(fake.url("/before"))
    page.goto(fake.url("/test?cross=1&csp=1&data-exit-url=/exit"))
    open_widget(page)
    send_text(page, "hello from another site")
    wait_bots(page, 2)
    assert api_hosts == {f"localhost:{port}"}
    page.locator(".k-leave").click()
    page.wait_for_url("**/exit")
    assert fake.wait_deleted(ids[0]), "the keepalive DELETE also works cross-origin (CORS preflight)"
    assert not [e for e in page.watch.console_errors if "Content Security Policy" in e]


def test_data_api_overrides_the_api_base(page, fake):
    port = urllib.parse.urlsplit(fake.base).port
    api_hosts = set()
    page.on("request", lambda r: api_hosts.add(urllib.parse.urlsplit(r.url).netloc) if "/api/v1/" in r.url else None)
    page.goto(fake.url(f"/test?data-api=http://localhost:{port}/"))
    open_widget(page)
    assert api_hosts == {f"localhost:{port}"}


def test_strings_title_and_position_are_configurable(page, fake):
    strings = {"send": "Go", "leave": "Exit", "leaveLabel": "Exit this site", "inputLabel": "Your words",
               "clear": "Start over"}
    q = urllib.parse.urlencode({
        "data-title": "Talk to us", "data-strings": json.dumps(strings), "data-position": "left", "data-lang": "xx",
    })
    page.goto(fake.url(f"/test?{q}"))
    launcher = page.locator(".k-launcher")
    expect(launcher).to_have_text("Talk to us")
    assert launcher.bounding_box()["x"] < 100, "data-position=left puts the launcher on the left"
    open_widget(page)
    expect(page.get_by_role("dialog", name="Talk to us")).to_be_visible()
    expect(page.locator(".k-send")).to_have_text("Go")
    expect(page.get_by_role("button", name="Exit this site")).to_have_text("Exit")
    expect(page.get_by_role("textbox", name="Your words")).to_be_visible()
    expect(page.locator(".k-clear")).to_have_text("Start over")
    # an unknown data-lang falls back to English for everything not overridden
    expect(page.locator(".k-hide")).to_have_text("Hide")


def test_strings_from_a_config_object_and_registered_language(page, fake):
    """window.KestrelWidgetConfig and window.KestrelWidgetLanguages, set before the script loads."""
    page.add_init_script(
        "window.KestrelWidgetLanguages = {cy: {send: 'Anfon'}};"
        "window.KestrelWidgetConfig = {lang: 'cy', strings: {hide: 'Cuddio'}};"
    )
    page.goto(fake.url("/test"))
    open_widget(page)
    expect(page.locator(".k-send")).to_have_text("Anfon")
    expect(page.locator(".k-hide")).to_have_text("Cuddio")
    expect(page.locator(".k-leave")).to_have_text("Leave now")


def test_plan_summary_ticks_and_numbered_lists(page, fake):
    page.goto(fake.url("/test?data-open=true"))
    expect(page.get_by_role("dialog")).to_be_visible()  # data-open="true" opens on load
    wait_bots(page, 1)
    send_text(page, "next")
    wait_bots(page, 2)
    bubble = page.locator(BOT).last.locator(".k-bubble")
    expect(bubble.locator("strong")).to_have_text("Your plan")
    expect(bubble.locator("ul.k-checks > li")).to_have_text(["Don't pay", "Block and report", "Talk to someone you trust"])
    assert bubble.locator("ul.k-checks").evaluate("e => getComputedStyle(e).listStyleType").startswith('"✓')
    expect(bubble.locator("ol > li")).to_have_text(["Don't reply", "Come back here"])


def test_a_reply_from_an_earlier_step_cannot_skip_a_step(page, fake):
    page.goto(fake.url("/test"))
    open_widget(page)
    page.locator(".k-reply", has_text="Someone wants money").click()
    wait_bots(page, 3)
    # A keyboard user presses a reply: when the next step arrives, focus moves to its reply
    page.locator(".k-reply", has_text="Under 18").focus()
    page.keyboard.press("Enter")
    wait_bots(page, 4)
    assert page.evaluate("document.activeElement.shadowRoot.activeElement.textContent") == "Done, what's next?"
    step_one_done = page.locator(BOT).nth(3).locator(".k-reply")
    send_text(page, "hello")  # the conversation moves on without pressing it
    wait_bots(page, 5)
    expect(step_one_done).to_be_disabled()
    step_one_done.click(force=True)  # a real click on the spot where it is
    page.wait_for_timeout(500)
    expect(page.locator(BOT)).to_have_count(5)
    assert "/next_step" not in [r["payload"] for r in fake.log()["received"]]
    expect(page.locator(BOT).last.locator(".k-reply")).to_be_enabled()


def test_a_double_tap_on_a_quick_reply_sends_it_once(page, fake):
    page.goto(fake.url("/test"))
    open_widget(page)
    page.locator(".k-reply", has_text="Show formatting").dblclick()
    wait_bots(page, 2)
    page.wait_for_timeout(300)
    assert [r["payload"] for r in fake.log()["received"]] == ["/format"]
