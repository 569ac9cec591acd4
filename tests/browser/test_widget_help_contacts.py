"""Where to get help when the chat fails, and which numbers become links: both from the service's resource
file (through /api/v1/help-contacts or the host page's data-help), never from numbers written into the
widget (fake service)."""

from __future__ import annotations

import json
import re
import sys
import urllib.parse
from pathlib import Path

import pytest
from playwright.sync_api import expect

sys.path.insert(0, str(Path(__file__).resolve().parent))
from widget_helpers import BOT, open_widget, send_text, wait_bots  # noqa: E402

from actions.facts import load_facts  # noqa: E402

pytestmark = pytest.mark.browser

SERVICES = load_facts("uk").services
CHILDLINE, SAMARITANS, EMERGENCY = SERVICES["childline"], SERVICES["samaritans"], SERVICES["police_emergency"]
CONVERSATIONS = "**/api/v1/conversations**"
HELP = "**/api/v1/help-contacts"

# Made-up contacts, unlike any in the resource file, to tell where what is shown came from.
OTHER_HELP = {"values": {
    "childline_name": "Kidsline", "childline_phone": "0800 2222", "childline_under": "21",
    "childline_hours": "day and night",
    "samaritans_name": "Listeners", "samaritans_phone": "0800 3333", "samaritans_hours": "any time",
    "police_emergency_phone": "112",
}}


def tel(number: str) -> str:
    return "tel:" + re.sub(r"[^\d+]", "", number)


def refuse(route):
    route.abort("connectionrefused")


def goto_and_wait_for_help(page, url: str) -> None:
    with page.expect_response(lambda r: "/api/v1/help-contacts" in r.url and r.status == 200):
        page.goto(url)


def open_with_the_chat_down(page, opener: str = ".k-launcher"):
    page.route(CONVERSATIONS, refuse)
    page.locator(opener).click()
    alert = page.locator(".k-error[role=alert]")
    expect(alert).to_contain_text("We can't connect right now")
    return alert


def test_the_error_names_help_for_young_people_and_for_adults_from_the_resource_file(page, fake):
    # fetched as the page loads, before anything can go wrong
    goto_and_wait_for_help(page, fake.url("/test"))
    alert = open_with_the_chat_down(page)
    lines = alert.locator("li")
    expect(lines).to_have_count(3)
    expect(lines.nth(0)).to_have_text(
        f"Under {CHILDLINE.max_age + 1}: call {CHILDLINE.name} free on {CHILDLINE.phone}, {CHILDLINE.hours_text()}."
    )
    expect(lines.nth(1)).to_have_text(
        f"Any age: call {SAMARITANS.name} free on {SAMARITANS.phone}, {SAMARITANS.hours_text()}."
    )
    expect(lines.nth(2)).to_have_text(f"If you're in danger right now, call {EMERGENCY.phone}.")
    for service in (CHILDLINE, SAMARITANS, EMERGENCY):
        expect(alert.locator(f"a[href='{tel(service.phone)}']")).to_have_text(service.phone)


def test_the_contacts_shown_are_the_ones_the_service_sends(page, fake):
    fake.control(help=OTHER_HELP)
    goto_and_wait_for_help(page, fake.url("/test"))
    alert = open_with_the_chat_down(page)
    expect(alert.locator("li")).to_have_text([
        "Under 21: call Kidsline free on 0800 2222, day and night.",
        "Any age: call Listeners free on 0800 3333, any time.",
        "If you're in danger right now, call 112.",
    ])
    expect(alert.locator("a[href='tel:112']")).to_have_text("112")
    shown = alert.inner_text()
    for service in (CHILDLINE, SAMARITANS, EMERGENCY):
        assert service.phone not in shown


def test_a_line_for_a_service_the_profile_lacks_is_left_out(page, fake):
    values = {k: v for k, v in OTHER_HELP["values"].items() if not k.startswith("childline_")}
    fake.control(help={"values": values})
    goto_and_wait_for_help(page, fake.url("/test"))
    alert = open_with_the_chat_down(page)
    expect(alert.locator("li")).to_have_text([
        "Any age: call Listeners free on 0800 3333, any time.",
        "If you're in danger right now, call 112.",
    ])
    assert "{" not in alert.inner_text() and "Under" not in alert.inner_text()


def test_with_no_contacts_the_error_gives_no_number_until_they_arrive(page, fake):
    page.route(HELP, refuse)
    page.goto(fake.url("/test"))
    alert = open_with_the_chat_down(page)
    expect(alert).to_contain_text("look for the helplines on this website")
    expect(alert).to_contain_text("call the emergency services")
    assert not re.search(r"\d", alert.inner_text()), "no number the service did not give"
    expect(alert.locator("a[href^='tel:']")).to_have_count(0)

    # The service answers again: the next error fetches the contacts and shows them.
    page.unroute(HELP, refuse)
    page.get_by_role("button", name="Try again").click()
    expect(alert.locator(f"a[href='{tel(CHILDLINE.phone)}']")).to_have_text(CHILDLINE.phone)
    expect(alert.locator(f"a[href='{tel(SAMARITANS.phone)}']")).to_have_text(SAMARITANS.phone)
    expect(alert).not_to_contain_text("look for the helplines on this website")


def test_the_host_page_can_give_the_contacts_itself(page, fake):
    page.goto(fake.url("/test?" + urllib.parse.urlencode({"data-help": json.dumps(OTHER_HELP)})))
    alert = open_with_the_chat_down(page)
    expect(alert.locator("li").first).to_have_text("Under 21: call Kidsline free on 0800 2222, day and night.")
    expect(alert.locator("a[href='tel:112']")).to_have_text("112")
    assert fake.log()["help_requests"] == 0, "contacts the page gave are not fetched again"


def test_the_demo_page_gives_the_widget_the_resource_files_contacts(page, fake):
    # from the page itself (api/http/pages.py fills data-help), even with the service's endpoint out of reach
    page.route(HELP, refuse)
    page.goto(fake.url("/"))
    alert = open_with_the_chat_down(page, "[data-kestrel-open]")
    expect(alert.locator("li").first).to_contain_text(f"Under {CHILDLINE.max_age + 1}: call {CHILDLINE.name}")
    for service in (CHILDLINE, SAMARITANS, EMERGENCY):
        expect(alert.locator(f"a[href='{tel(service.phone)}']")).to_have_text(service.phone)
    assert fake.log()["help_requests"] == 0


def test_numbers_the_service_gives_are_links_and_none_are_built_in(page, fake):
    fake.control(help={"values": {
        "police_emergency_phone": "911", "tipline_phone": "1-800-843-5678", "samaritans_phone": "116 123",
    }})
    goto_and_wait_for_help(page, fake.url("/test"))
    open_widget(page)
    send_text(page, "Call 911, 1-800-843-5678 or 116 123, or 0800 1111. Not 999, 112, 101 or 18001 101.")
    wait_bots(page, 2)
    links = page.locator(BOT).last.locator("a").evaluate_all(
        "els => els.map(a => [a.getAttribute('href'), a.textContent])"
    )
    assert dict(links) == {
        "tel:911": "911",
        "tel:18008435678": "1-800-843-5678",
        "tel:116123": "116 123",
        "tel:08001111": "0800 1111",  # shaped like a UK number: no list needed
    }, links


def test_the_demo_page_is_filled_in_as_the_real_service_fills_it(page, fake):
    page.goto(fake.url("/"))
    side = page.locator("aside")
    assert "{" not in page.locator("body").inner_text(), "no unfilled placeholder"
    for service in (EMERGENCY, CHILDLINE, SAMARITANS):
        expect(side.locator(f"a[href='{tel(service.phone)}']")).to_have_text(service.phone)
    expect(side).to_contain_text(f"Childline (under {CHILDLINE.max_age + 1}")
