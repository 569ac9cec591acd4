"""Services by their id in resources/services.yml, and finding which of them a reply mentions.

A reply "mentions" a service when one of its contacts (phone, text number, web address or email, exactly
as the resource file lists them) appears in it, so scripts keep passing when wording changes and fail when
a number does. Contacts are found with the same patterns as the safety checks (actions.content_rules).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import FrozenSet, List, Set, Tuple

import yaml

from actions.content_rules import EMAIL, NUMBER, URL
from actions.facts import facts

CONTACT_FIELDS = ("phone", "text_number", "url", "email")


@dataclass(frozen=True)
class Contacts:
    numbers: FrozenSet[str]  # digits only
    urls: FrozenSet[str]  # lower case, no trailing slash
    emails: FrozenSet[str]
    shown: Tuple[str, ...]  # as the resource file writes them, for messages

    def describe(self) -> str:
        return " or ".join(self.shown)


def _digits(value: str) -> str:
    return re.sub(r"\D", "", value)


def _url(value: str) -> str:
    return value.rstrip(".,;:!?)").rstrip("/").lower()


def service_ids() -> Set[str]:
    return set(facts().services)


@lru_cache(maxsize=None)
def contacts_of(service_id: str) -> Contacts:
    service = facts().services[service_id]
    numbers = {_digits(v) for v in (service.phone, service.text_number) if v}
    urls = {_url(service.url)} if service.url else set()
    emails = {service.email.lower()} if service.email else set()
    shown = tuple(v for v in (service.phone, service.text_number, service.url, service.email) if v)
    return Contacts(frozenset(numbers), frozenset(urls), frozenset(emails), shown)


def contacts_in(text: str) -> Tuple[Set[str], Set[str], Set[str]]:
    """Numbers (digits only), web addresses and emails that appear in `text`."""
    urls = {_url(u) for u in URL.findall(text)}
    rest = URL.sub(" ", text)
    emails = {e.lower() for e in EMAIL.findall(rest)}
    numbers = {_digits(n) for n in NUMBER.findall(EMAIL.sub(" ", rest))}
    return numbers, urls, emails


def mentioned(text: str) -> Set[str]:
    """Ids of every service whose contact appears in `text`."""
    numbers, urls, emails = contacts_in(text)
    found: Set[str] = set()
    for service_id in facts().services:
        c = contacts_of(service_id)
        if c.numbers & numbers or c.urls & urls or c.emails & emails:
            found.add(service_id)
    return found


@lru_cache(maxsize=None)
def crisis_services(variant: str = "utter_crisis") -> Tuple[str, ...]:
    """The services a crisis response gives (999, Samaritans, Shout, ...), read from the placeholders of
    `utter_crisis` (or its age variant) in content/responses.yml, so the check follows the content."""
    from actions.render import CONTENT_FILE

    responses = yaml.safe_load(CONTENT_FILE.read_text(encoding="utf-8"))["responses"]
    text = responses[variant][0]["text"]
    ids = sorted(service_ids(), key=len, reverse=True)
    found: List[str] = []
    for placeholder in re.findall(r"\{(\w+)\}", text):
        for service_id in ids:
            rest = placeholder[len(service_id) + 1:]
            if placeholder.startswith(service_id + "_") and rest in CONTACT_FIELDS:
                if service_id not in found:
                    found.append(service_id)
                break
    if not found:
        raise RuntimeError("utter_crisis in content/responses.yml names no service contact")
    return tuple(found)


def describe_services(ids: List[str]) -> str:
    return ", ".join(f"{i} ({contacts_of(i).describe()})" for i in ids)


def crisis_variants() -> Tuple[str, ...]:
    from actions.render import responses

    return tuple(name for name in responses() if name == "utter_crisis" or name.startswith("utter_crisis_") and
                 name not in ("utter_crisis_continue", "utter_crisis_urgent"))


def missing_for_crisis(text: str) -> List[str]:
    """The crisis services whose contact is not in `text` (empty: `text` is a crisis response, in the
    general wording or the one for adults)."""
    present = mentioned(text)
    return min(
        ([s for s in crisis_services(v) if s not in present] for v in crisis_variants()), key=len
    )

