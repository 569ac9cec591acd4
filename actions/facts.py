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
from typing import Any, Dict, Iterable, List, Optional
from zoneinfo import ZoneInfo

import yaml

RESOURCES_DIR = Path(__file__).resolve().parent.parent / "resources"
LONDON = ZoneInfo("Europe/London")
DAY_KEYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


@dataclass(frozen=True)
class Service:
    key: str
    name: str
    phone: Optional[str] = None
    text_number: Optional[str] = None
    text_word: Optional[str] = None
    url: Optional[str] = None
    email: Optional[str] = None
    hours: Dict[str, Any] = field(default_factory=dict)
    min_age: Optional[int] = None
    max_age: Optional[int] = None
    audience: str = ""
    source: str = ""

    def is_open(self, now: dt.datetime) -> Optional[bool]:
        """True/False when the hours are known, None when the sheet gives none."""
        if not self.hours:
            return None
        if self.hours.get("always"):
            return True
        local = now.astimezone(LONDON)
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

    def suits_age(self, age_group: Optional[str]) -> bool:
        """Whether to list this service for someone in the given age group (unknown suits all)."""
        if age_group == "under18":
            return self.min_age is None or self.min_age < 18
        if age_group == "adult":
            return self.max_age is None or self.max_age >= 18
        return True


@dataclass(frozen=True)
class Platform:
    key: str
    name: str
    steps: str
    url: Optional[str] = None


@dataclass(frozen=True)
class Facts:
    services: Dict[str, Service]
    platforms: Dict[str, Platform]
    aliases: Dict[str, str]
    profile: Dict[str, Any]

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
            for attr in ("name", "phone", "text_number", "text_word", "url", "email"):
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


def _service(key: str, raw: Dict[str, Any]) -> Service:
    return Service(
        key=key,
        name=raw["name"],
        phone=raw.get("phone"),
        text_number=raw.get("text_number"),
        text_word=raw.get("text_word"),
        url=raw.get("url"),
        email=raw.get("email"),
        hours=raw.get("hours") or {},
        min_age=raw.get("min_age"),
        max_age=raw.get("max_age"),
        audience=raw.get("for", ""),
        source=str(raw["source"]),
    )


def load_facts(profile_name: Optional[str] = None, resources: Path = RESOURCES_DIR) -> Facts:
    raw = yaml.safe_load((resources / "services.yml").read_text(encoding="utf-8"))
    name = profile_name or os.environ.get("KESTREL_PROFILE", "uk")
    profile_file = resources / "profiles" / f"{name}.yml"
    if not profile_file.is_file():
        raise FileNotFoundError(f"Unknown deployer profile {name!r}: no {profile_file}")
    aliases = {
        alias: key for key, words in raw.get("platform_aliases", {}).items() for alias in words
    }
    return Facts(
        services={k: _service(k, v) for k, v in raw["services"].items()},
        platforms={
            k: Platform(key=k, name=v["name"], steps=v["steps"], url=v.get("url"))
            for k, v in raw["platforms"].items()
        },
        aliases=aliases,
        profile=yaml.safe_load(profile_file.read_text(encoding="utf-8")) or {},
    )


@lru_cache(maxsize=None)
def facts() -> Facts:
    return load_facts()
