"""The demo page at `/` and the widget: every phone number and age limit they show comes from the resource
file, and what the page says about evidence and privacy is true."""
from __future__ import annotations

import html
import json
import re
from pathlib import Path

import pytest
from kestrel_webtest import client_for, make_settings

import api.http.pages as pages
from actions.facts import RESOURCES_DIR, load_facts
from api.assistant import Assistant
from api.main import create_app

pytestmark = pytest.mark.asyncio(loop_scope="session")

TEMPLATE = pages.STATIC_DIR / "index.html"
WIDGET = pages.STATIC_DIR / "widget.js"


def idle_app(**overrides):
    # The page needs no model: an assistant that is never started keeps these tests fast.
    settings = make_settings(**overrides)
    return create_app(settings, assistant=Assistant(settings))


def visible_text_and_links(page: str) -> str:
    links = " ".join(re.findall(r'href="([^"]*)"', page))
    return re.sub(r"<[^>]+>", " ", page) + " " + links


async def test_the_page_fills_every_number_and_age_from_the_resource_file():
    found = re.findall(r"[^\s{}]*\d[^\s{}]*", visible_text_and_links(TEMPLATE.read_text(encoding="utf-8")))
    assert found == [], "numbers and ages belong in resources/services.yml"

    facts = load_facts("uk")
    async with client_for(idle_app()) as c:
        response = await c.get("/")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    page = response.text
    assert "{" not in visible_text_and_links(page), "every placeholder is filled in"
    for key in ("police_emergency", "police_non_emergency", "childline", "samaritans"):
        phone = facts.services[key].phone
        assert phone and f'href="tel:{phone.replace(" ", "")}">{phone}</a>' in page, key
    assert f"If you're under {facts.services['ceop'].max_age + 1} you can also report to CEOP" in page
    assert "Childline (under 19," in page
    assert not re.search(r"up to 19|19 or under|under 20", page)


def test_a_changed_number_in_the_resource_file_changes_the_page(tmp_path: Path):
    (tmp_path / "profiles").mkdir()
    services = (RESOURCES_DIR / "services.yml").read_text(encoding="utf-8")
    (tmp_path / "services.yml").write_text(services.replace('"0800 1111"', '"0800 2222"'), encoding="utf-8")
    (tmp_path / "profiles" / "uk.yml").write_text((RESOURCES_DIR / "profiles" / "uk.yml").read_text())
    page = pages.render_demo_page(TEMPLATE.read_text(encoding="utf-8"), load_facts("uk", tmp_path))
    assert '<a href="tel:08002222">0800 2222</a>' in page and "0800 1111" not in page


async def test_the_unfilled_template_is_not_served_as_a_static_file():
    async with client_for(idle_app()) as c:
        assert (await c.get("/static/index.html")).status_code == 404
        assert (await c.get("/static/demo.css")).status_code == 200


async def test_help_contacts_for_the_widget_come_from_the_resource_file():
    facts = load_facts("uk")
    partner = "https://partner.example"
    async with client_for(idle_app(cors_origins=[partner])) as c:
        response = await c.get("/api/v1/help-contacts", headers={"Origin": partner})
    assert response.status_code == 200
    values = response.json()["values"]
    for key in ("police_emergency", "childline", "samaritans"):
        assert values[f"{key}_phone"] == facts.services[key].phone
        assert values[f"{key}_name"] == facts.services[key].name
    assert values["childline_under"] == str(facts.services["childline"].max_age + 1)
    assert values["childline_hours"] == facts.services["childline"].hours_text()
    # a third party's page may ask on every view: public facts, cacheable, readable cross-origin
    assert response.headers["cache-control"] == f"public, max-age={pages.STATIC_MAX_AGE}"
    assert response.headers["access-control-allow-origin"] == partner


async def test_the_demo_page_gives_the_widget_the_same_contacts():
    async with client_for(idle_app()) as c:
        page = (await c.get("/")).text
    attribute = re.search(r'<script src="/static/widget.js"[^>]*\sdata-help="([^"]*)"', page)
    assert attribute, "the widget's tag carries its help contacts"
    assert json.loads(html.unescape(attribute.group(1))) == pages.widget_help(load_facts("uk"))


def test_the_widget_types_no_phone_number_or_age():
    script = WIDGET.read_text(encoding="utf-8")
    facts = load_facts("uk")
    for service in facts.services.values():
        for number in filter(None, (service.phone, service.text_number)):
            digits = re.split(r"[\s.-]+", number)
            pattern = r"(?<![\w.#-])" + r"[\s.-]?".join(map(re.escape, digits)) + r"(?![\w%])"
            assert not re.search(pattern, script), f"{number} ({service.name}) belongs in resources/services.yml"
    ages = re.findall(r"\b(?:under|over|up to|aged?)\s+\d+|\b\d+\s+or\s+(?:under|over)\b", script, re.I)
    assert ages == [], "age limits come from the resource file ({childline_under})"


async def test_what_the_page_says_about_evidence_and_privacy_is_true():
    async with client_for(idle_app(retention_minutes=5)) as c:
        page = (await c.get("/")).text
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))
    # The widget on this page stores nothing (no data-persist): the chat lives in the open tab only.
    assert "data-persist" not in page
    assert "nothing is saved on your device" not in text.lower()
    assert "kept only in this tab while it's open, and closing the tab clears it" in text
    assert "Leave now clears it and deletes it from our system at once" in text
    assert "deletes it after 5 minutes without a message" in text, "the deployer's RETENTION_MINUTES"
    # Evidence: what to capture, and never the picture itself (a copy of it is a new image for under-18s).
    assert "Screenshot the messages" not in text
    assert "screenshots of the threats, their username and profile link, the dates and times" in text
    under = load_facts("uk").services["ceop"].max_age + 1
    assert f"Never screenshot or save the picture or video itself: if you're under {under}," in text
