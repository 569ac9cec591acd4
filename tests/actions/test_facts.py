"""Opening hours against the UK's three bank-holiday calendars, and the facts marked unverified."""
from __future__ import annotations

import datetime as dt
import textwrap
from pathlib import Path

import pytest
import yaml

from actions.contacts import service_lines
from actions.facts import RESOURCES_DIR, load_facts
from actions.render import text_of

def at(year: int, month: int, day: int, hour: int = 11) -> dt.datetime:
    """`hour` o'clock UTC: the same hour in London in winter, one hour later from late March."""
    return dt.datetime(year, month, day, hour, 0, tzinfo=dt.timezone.utc)


def resources(tmp_path: Path, service: str, profile: str = "", platform: str = "") -> Path:
    """A resources folder with one service, one platform and a profile called `here`."""
    (tmp_path / "profiles").mkdir()
    (tmp_path / "services.yml").write_text(
        "services:\n" + textwrap.indent(textwrap.dedent(service), "  ")
        + "platforms:\n  other:\n    name: the app\n    steps: Report them.\n"
        + textwrap.indent(textwrap.dedent(platform), "    "),
        encoding="utf-8",
    )
    (tmp_path / "profiles" / "here.yml").write_text(textwrap.dedent(profile) or "{}\n", encoding="utf-8")
    return tmp_path


WEEKDAY_LINE = """\
line:
  name: A weekday line
  phone: "0300 000 0000"
  hours: {days: [mon, tue, wed, thu, fri], open: "09:00", close: "17:00", closed_on_bank_holidays: true}
  source: "9.9"
"""


# ---- bank holidays ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "when",
    [
        at(2026, 12, 25),  # Christmas Day, a Friday
        at(2026, 12, 28),  # Monday: the bank holiday for Boxing Day, which falls on a Saturday
        at(2027, 1, 1),  # New Year's Day, a Friday
        at(2027, 3, 29, 10),  # Easter Monday 2027 (10:00 UTC is 11:00 BST)
    ],
)
def test_revenge_porn_helpline_is_closed_on_bank_holidays(when):
    facts = load_facts("uk")
    assert facts.services["revenge_porn_helpline"].is_open(when) is False
    for key in ("samaritans", "childline", "shout", "police_emergency"):
        assert facts.services[key].is_open(when) is True, f"{key} is open round the clock, holidays included"


def test_revenge_porn_helpline_is_open_on_the_working_days_between_christmas_and_new_year():
    helpline = load_facts("uk").services["revenge_porn_helpline"]
    opening = [day for day in range(24, 32) if helpline.is_open(at(2026, 12, day))]
    assert opening == [24, 29, 30, 31] and helpline.is_open(at(2027, 1, 4)) is True


def test_the_line_people_see_does_not_say_open_on_christmas_day():
    closed = service_lines(["revenge_porn_helpline"], at(2026, 12, 25))[0]
    assert text_of("utter_human_open").strip() not in closed
    assert text_of("utter_human_open").strip() in service_lines(["revenge_porn_helpline"], at(2026, 12, 29))[0]


def test_every_service_closed_on_bank_holidays_says_so_in_its_hours():
    raw = yaml.safe_load((RESOURCES_DIR / "services.yml").read_text(encoding="utf-8"))["services"]
    flagged = [key for key, svc in raw.items() if (svc.get("hours") or {}).get("closed_on_bank_holidays")]
    assert "revenge_porn_helpline" in flagged
    for key in flagged:
        service = load_facts("uk").services[key]
        assert service.bank_holidays, key
        assert "bank holiday" in service.hours_text(), key


# Weekdays that are a bank holiday in some of the UK's three calendars but not all.
SOMETIMES_HOLIDAYS = {
    "St Andrew's Day (Mon 30 Nov 2026)": at(2026, 11, 30),
    "Scotland's second New Year holiday (Mon 4 Jan 2027, for Sat 2 Jan)": at(2027, 1, 4),
    "St Patrick's Day (Wed 17 Mar 2027)": at(2027, 3, 17),
    "Easter Monday (29 Mar 2027, 11:00 BST)": at(2027, 3, 29, 10),
    "Battle of the Boyne (Mon 12 Jul 2027)": at(2027, 7, 12, 10),
    "Summer bank holiday in Scotland (Mon 2 Aug 2027)": at(2027, 8, 2, 10),
    "Late summer bank holiday (Mon 30 Aug 2027)": at(2027, 8, 30, 10),
}


@pytest.mark.parametrize(
    "nation, closed",
    [
        ("england_wales", {"Easter Monday", "Late summer"}),
        ("scotland", {"St Andrew's", "Scotland's second", "Summer bank holiday in Scotland"}),
        ("northern_ireland", {"St Patrick's", "Easter Monday", "Battle of the Boyne", "Late summer"}),
    ],
)
def test_the_deployers_nation_chooses_the_calendar(tmp_path, nation, closed):
    line = load_facts("here", resources(tmp_path, WEEKDAY_LINE, f"bank_holidays: {nation}\n")).services["line"]
    shut = {name for name, when in SOMETIMES_HOLIDAYS.items() if not line.is_open(when)}
    assert shut == {name for name in SOMETIMES_HOLIDAYS if name.startswith(tuple(closed))}


def test_england_and_wales_is_the_default_calendar(tmp_path):
    line = load_facts("here", resources(tmp_path, WEEKDAY_LINE)).services["line"]
    assert line.bank_holidays == ("england_wales",)
    assert line.is_open(at(2027, 3, 29, 10)) is False and line.is_open(at(2027, 1, 4)) is True


def test_a_uk_wide_line_keeps_its_own_nations_holidays_and_the_deployers(tmp_path):
    service = WEEKDAY_LINE.replace("true}", "true, bank_holidays: england_wales}")
    line = load_facts("here", resources(tmp_path, service, "bank_holidays: scotland\n")).services["line"]
    assert line.bank_holidays == ("england_wales", "scotland")
    assert line.is_open(at(2027, 3, 29, 10)) is False, "Easter Monday, where the line is staffed"
    assert line.is_open(at(2027, 1, 4)) is False, "a holiday where the deployer is: never say open by mistake"
    assert line.is_open(at(2027, 1, 5)) is True


def test_the_real_helpline_keeps_englands_holidays_in_a_scottish_deployment(tmp_path):
    (tmp_path / "profiles").mkdir()
    (tmp_path / "services.yml").write_text((RESOURCES_DIR / "services.yml").read_text(encoding="utf-8"))
    (tmp_path / "profiles" / "scot.yml").write_text("bank_holidays: scotland\n")
    helpline = load_facts("scot", tmp_path).services["revenge_porn_helpline"]
    assert helpline.is_open(at(2027, 3, 29, 10)) is False  # Easter Monday: a holiday in England only


def test_a_line_without_the_flag_ignores_bank_holidays(tmp_path):
    service = WEEKDAY_LINE.replace(", closed_on_bank_holidays: true", "")
    line = load_facts("here", resources(tmp_path, service)).services["line"]
    assert line.bank_holidays == () and line.is_open(at(2026, 12, 25)) is True


@pytest.mark.parametrize(
    "service, profile, message",
    [
        (WEEKDAY_LINE, "bank_holidays: wales\n", "bank_holidays must be one of"),
        (WEEKDAY_LINE, "bank_holidays: uk\n", "bank_holidays must be one of"),
        (WEEKDAY_LINE.replace("true}", "true, bank_holidays: cornwall}"), "", "bank_holidays must be one of"),
        (WEEKDAY_LINE.replace(", closed_on_bank_holidays: true", ", bank_holidays: scotland"), "",
         "needs closed_on_bank_holidays"),
    ],
)
def test_a_calendar_that_does_not_exist_stops_loading(tmp_path, service, profile, message):
    with pytest.raises(ValueError, match=message):
        load_facts("here", resources(tmp_path, service, profile))


# ---- unverified facts -----------------------------------------------------------------------------------


def test_every_unverified_service_in_the_resource_file_is_reported():
    raw = yaml.safe_load((RESOURCES_DIR / "services.yml").read_text(encoding="utf-8"))
    flagged = [f"services.{k}" for k, v in raw["services"].items() if v.get("verified") is False]
    flagged += [f"platforms.{k}" for k, v in raw["platforms"].items() if v.get("verified") is False]
    for name in ("uk", "kent"):
        unverified = load_facts(name).unverified()
        assert set(flagged) <= set(unverified), name


def test_the_kent_example_reports_its_online_report_address():
    assert "kent.police_online_report_url" in load_facts("kent").unverified()
    assert not [k for k in load_facts("uk").unverified() if k.startswith("uk.")]


def test_unverified_keys_name_services_platforms_and_profile_items(tmp_path):
    folder = resources(
        tmp_path,
        WEEKDAY_LINE + "  verified: false\n",
        "police_online_report_url: https://example.org/report\nunverified:\n  police_online_report_url: '2.6'\n",
        platform="verified: false\n",
    )
    assert load_facts("here", folder).unverified() == [
        "services.line", "platforms.other", "here.police_online_report_url",
    ]


def test_a_whole_profile_marked_unverified_is_reported(tmp_path):
    assert load_facts("here", resources(tmp_path, WEEKDAY_LINE, "verified: false\n")).unverified() == ["here"]


@pytest.mark.parametrize(
    "service, profile, message",
    [
        (WEEKDAY_LINE + '  verified: "no"\n', "", "verified must be true or false"),
        (WEEKDAY_LINE, "unverified:\n  police_online_report_ulr: '2.6'\n", "does not set: police_online_report_ulr"),
        (WEEKDAY_LINE, "unverified: [police_online_report_url]\n", "unverified must map"),
    ],
)
def test_a_mistyped_verification_flag_stops_loading(tmp_path, service, profile, message):
    with pytest.raises(ValueError, match=message):
        load_facts("here", resources(tmp_path, service, profile))
