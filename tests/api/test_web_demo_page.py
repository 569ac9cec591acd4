"""The demo page at `/`: every phone number and age limit on it comes from the resource file."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from kestrel_webtest import client_for, make_settings

import api.pages as pages
from actions.facts import RESOURCES_DIR, load_facts
from api.assistant import Assistant
from api.main import create_app

pytestmark = pytest.mark.asyncio(loop_scope="session")

TEMPLATE = pages.STATIC_DIR / "index.html"


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
