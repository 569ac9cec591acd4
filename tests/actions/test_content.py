"""Every response, rendered with the facts, passes the content rules: no number or address outside
the resource file, never advise paying, ask for images, promise, or blame."""
import re

import pytest

from actions.content_rules import broken_rules, problems, unknown_contacts
from actions.facts import facts, load_facts
from actions.render import render, responses

FILLERS = {
    "platform_steps": "Report them, then block.", "platform_name": "Snapchat", "number": "2", "total": "5",
    "title": "Report and block them", "summary_lines": "✓ one", "support_lines": "• Samaritans",
    "service_name": "Samaritans", "audience": "", "contact": "call 116 123", "status": "Open now.",
    "hours": "any time", "phone": "116 123", "word": "SHOUT", "number_": "85258", "label": "under 19",
    "overview_lines": "1. one", "local_police": "your local police",
}


@pytest.mark.parametrize("name", sorted(responses()))
def test_every_response_passes_the_content_rules(name):
    rendered = render(name, **FILLERS)
    assert not problems([rendered["text"]] + [b["title"] for b in rendered["buttons"]])


def test_the_checker_catches_a_made_up_number_and_address():
    assert unknown_contacts("call 0800 123 4567 or see https://example.org/help") == [
        "https://example.org/help", "0800 123 4567"
    ]


def test_the_checker_catches_broken_rules():
    assert broken_rules("You should pay them and it'll stop") == ["advises paying"]
    assert broken_rules("Send me the pictures so I can check") == ["asks for the images"]
    assert broken_rules("Don't worry, they won't post it") == ["promises the images won't be shared"]
    assert broken_rules("It's your own fault really") == ["blames the person"]
    assert broken_rules("It's not your fault. Don't pay.") == []


def test_content_has_no_literal_contact_details():
    """Numbers and addresses live in resources/, never typed into the words."""
    raw = open("content/responses.yml", encoding="utf-8").read()
    assert not re.search(r"https?://|\b\d{3,}\b|@\w", raw)


def test_every_service_cites_its_source_item():
    for service in facts().services.values():
        assert re.fullmatch(r"\d\.\d{1,2}", service.source), service.key


def test_the_kent_profile_adds_its_online_form():
    kent = load_facts("kent")
    assert "https://www.kent.police.uk/ro/report/" in kent.template_vars()["police_online"]
    assert "https://www.kent.police.uk/ro/report/" in kent.known_contacts()


def test_unknown_profile_is_a_clear_error():
    with pytest.raises(FileNotFoundError, match="Unknown deployer profile"):
        load_facts("nowhere")
