"""The service facts (numbers, addresses, ages, hours) from resources/, and what is open now.

Every phone number and URL the assistant shows must come from resources/services.yml or the deployer
profile; tests enforce that, so nothing else in the code base may spell one out.
"""
from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Tuple
from zoneinfo import ZoneInfo

import holidays
import yaml

RESOURCES_DIR = Path(__file__).resolve().parent.parent / "resources"
LONDON = ZoneInfo("Europe/London")
DAY_KEYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
# England and Wales share one calendar; Scotland and Northern Ireland each have their own.
BANK_HOLIDAY_NATIONS = {"england_wales": "ENG", "scotland": "SCT", "northern_ireland": "NIR"}
DEFAULT_BANK_HOLIDAYS = "england_wales"


@lru_cache(maxsize=None)
def _bank_holidays(nation: str) -> holidays.HolidayBase:
    # Years are filled in on first lookup, so the calendar stays right however long the process runs.
    return holidays.country_holidays("GB", subdiv=BANK_HOLIDAY_NATIONS[nation])


def is_bank_holiday(day: dt.date, nation: str) -> bool:
    return day in _bank_holidays(nation)


def _nation(value: Any, where: str) -> str:
    if value not in BANK_HOLIDAY_NATIONS:
        raise ValueError(f"{where}: bank_holidays must be one of {', '.join(BANK_HOLIDAY_NATIONS)}, not {value!r}")
    return str(value)


def _verified(value: Any, where: str) -> bool:
    # Only a literal false counts: "no" or "false" in quotes would otherwise read as verified.
    if not isinstance(value, bool):
        raise ValueError(f"{where}: verified must be true or false, not {value!r}")
    return value


@dataclass(frozen=True)
class Service:
    key: str
    name: str
    phone: Optional[str] = None
    text_number: Optional[str] = None
    text_word: Optional[str] = None
    press: Optional[str] = None  # a key to press during a call ("55" for the Silent Solution)
    url: Optional[str] = None
    email: Optional[str] = None
    hours: Dict[str, Any] = field(default_factory=dict)
    min_age: Optional[int] = None
    max_age: Optional[int] = None
    audience: str = ""
    label: str = ""  # who it is for, in a few words: "under 19"
    source: str = ""
    # The nations whose bank holidays close it; empty when bank holidays change nothing.
    bank_holidays: Tuple[str, ...] = ()
    verified: bool = True

    def is_open(self, now: dt.datetime) -> Optional[bool]:
        """True/False when the hours are known, None when the sheet gives none."""
        if not self.hours:
            return None
        local = now.astimezone(LONDON)
        if any(is_bank_holiday(local.date(), nation) for nation in self.bank_holidays):
            return False
        if self.hours.get("always"):
            return True
        if DAY_KEYS[local.weekday()] not in self.hours.get("days", []):
            return False
        current = local.strftime("%H:%M")
        return self.hours["open"] <= current < self.hours["close"]

    def hours_text(self) -> str:
        if not self.hours:
            return ""
        if self.hours.get("always"):
            return "any time, day or night"
        days = self.hours.get("days", [])
        span = "Monday to Friday" if days == DAY_KEYS[:5] else ", ".join(d.title() for d in days)
        text = f"{span}, {self.hours['open']} to {self.hours['close']}"
        if self.hours.get("note"):
            text += f", {self.hours['note']}"
        return text



@dataclass(frozen=True)
class Platform:
    key: str
    name: str
    steps: str
    url: Optional[str] = None
    verified: bool = True


@dataclass(frozen=True)
class Facts:
    services: Dict[str, Service]
    platforms: Dict[str, Platform]
    aliases: Dict[str, str]
    profile: Dict[str, Any]
    profile_name: str = ""

    def platform_for(self, mention: Optional[str]) -> Optional[Platform]:
        """The platform a user's word refers to, or None when we have no specific steps for it."""
        if not mention:
            return None
        key = self.aliases.get(mention.strip().lower().removeprefix("on ").strip())
        return self.platforms.get(key) if key else None

    def template_vars(self) -> Dict[str, str]:
        """Flat `{service}_{field}` values for filling response templates."""
        values: Dict[str, str] = {"organisation": self.profile.get("organisation", "Kestrel")}
        for key, svc in self.services.items():
            for attr in ("name", "phone", "text_number", "text_word", "url", "email", "press"):
                value = getattr(svc, attr)
                if value:
                    values[f"{key}_{attr}"] = value
            if svc.hours:
                values[f"{key}_hours"] = svc.hours_text()
        online = self.profile.get("police_online_report_url")
        label = self.profile.get("police_online_report_label") or "your local police force's website"
        values["police_online"] = f"{label}: {online}" if online else label
        return values

    def known_contacts(self) -> List[str]:
        """Every phone number, text number, URL and email the assistant may show."""
        found: List[str] = []
        for svc in self.services.values():
            found += [v for v in (svc.phone, svc.text_number, svc.url, svc.email) if v]
        found += [p.url for p in self.platforms.values() if p.url]
        if self.profile.get("police_online_report_url"):
            found.append(self.profile["police_online_report_url"])
        return found

    def open_now(self, keys: Iterable[str], now: dt.datetime) -> List[Service]:
        return [self.services[k] for k in keys if self.services[k].is_open(now)]

    def unverified(self) -> List[str]:
        """Keys of the items marked unverified (services.nspcc, kent.police_online_report_url): the names
        a deployer lists in CONFIRMED_FACTS once they have checked each one."""
        keys = [f"services.{k}" for k, svc in self.services.items() if not svc.verified]
        keys += [f"platforms.{k}" for k, p in self.platforms.items() if not p.verified]
        if self.profile.get("verified") is False:
            keys.append(self.profile_name)
        keys += [f"{self.profile_name}.{k}" for k in self.profile.get("unverified") or {}]
        return keys


def _closing_nations(key: str, hours: Dict[str, Any], deployer_nation: str) -> Tuple[str, ...]:
    own = hours.get("bank_holidays")
    if not hours.get("closed_on_bank_holidays"):
        if own is not None:
            raise ValueError(f"services.{key}: bank_holidays needs closed_on_bank_holidays: true")
        return ()
    nations = [deployer_nation]
    if own is not None:
        # A UK-wide line closes on its own nation's bank holidays; it rarely says whether it also keeps
        # the caller's. A wrong "Open now" sends someone to a phone nobody answers, so both count.
        nations.insert(0, _nation(own, f"services.{key}"))
    return tuple(dict.fromkeys(nations))


def _service(key: str, raw: Dict[str, Any], deployer_nation: str = DEFAULT_BANK_HOLIDAYS) -> Service:
    hours = raw.get("hours") or {}
    return Service(
        key=key,
        name=raw["name"],
        phone=raw.get("phone"),
        text_number=raw.get("text_number"),
        text_word=raw.get("text_word"),
        press=raw.get("press"),
        url=raw.get("url"),
        email=raw.get("email"),
        hours=hours,
        min_age=raw.get("min_age"),
        max_age=raw.get("max_age"),
        audience=raw.get("for", ""),
        label=raw.get("label", ""),
        source=str(raw["source"]),
        bank_holidays=_closing_nations(key, hours, deployer_nation),
        verified=_verified(raw.get("verified", True), f"services.{key}"),
    )


def _check_profile(name: str, profile: Dict[str, Any]) -> None:
    where = f"profiles/{name}.yml"
    _nation(profile.get("bank_holidays", DEFAULT_BANK_HOLIDAYS), where)
    _verified(profile.get("verified", True), where)
    unverified = profile.get("unverified") or {}
    if not isinstance(unverified, dict):
        raise ValueError(f"{where}: unverified must map each unchecked key to its facts-sheet item")
    # A misspelt key would leave the real item looking verified.
    missing = [k for k in unverified if profile.get(k) in (None, "")]
    if missing:
        raise ValueError(f"{where}: unverified names keys the profile does not set: {', '.join(missing)}")


def load_facts(profile_name: Optional[str] = None, resources: Path = RESOURCES_DIR) -> Facts:
    raw = yaml.safe_load((resources / "services.yml").read_text(encoding="utf-8"))
    name = profile_name or os.environ.get("KESTREL_PROFILE") or "uk"
    profile_file = resources / "profiles" / f"{name}.yml"
    if not profile_file.is_file():
        raise FileNotFoundError(f"Unknown deployer profile {name!r}: no {profile_file}")
    profile = yaml.safe_load(profile_file.read_text(encoding="utf-8")) or {}
    _check_profile(name, profile)
    nation = profile.get("bank_holidays", DEFAULT_BANK_HOLIDAYS)
    aliases = {
        alias: key for key, words in raw.get("platform_aliases", {}).items() for alias in words
    }
    return Facts(
        services={k: _service(k, v, nation) for k, v in raw["services"].items()},
        platforms={
            k: Platform(
                key=k, name=v["name"], steps=v["steps"], url=v.get("url"),
                verified=_verified(v.get("verified", True), f"platforms.{k}"),
            )
            for k, v in raw["platforms"].items()
        },
        aliases=aliases,
        profile=profile,
        profile_name=name,
    )


@lru_cache(maxsize=None)
def facts() -> Facts:
    return load_facts()
