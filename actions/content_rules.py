"""Checks every reply must pass: contacts only from the resource file, and the product's hard rules
(never advise paying, never ask for images, never promise the images won't be shared, never blame).

Used by the tests and by the dialogue-script runner, on whatever text a person would read.
"""
from __future__ import annotations

import re
from typing import Iterable, List

from actions.facts import facts

URL = re.compile(r"https?://[^\s<>\"']+", re.IGNORECASE)
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# Digit runs with single spaces or dashes inside ("0800 068 4141", "08 08 16 89 111", "1-800-..."),
# not part of a time ("10:00") or a word; three digits or more is a phone number, two is an age.
NUMBER = re.compile(r"(?<![\w:/.£$€])\d(?:[ -]?\d)+(?![\w:])")

_BREAKING_RULES = {
    "advises paying": re.compile(
        r"\b(you should|you could|just|best to|better to|go ahead and) (pay|send (them|him|her) (the )?money)\b", re.I
    ),
    "asks for the images": re.compile(
        r"\b(send|show|upload|share) (me|us) (the|your|those|that) (pic|pics|picture|pictures|photo|photos|image|images|video|videos|nudes?)\b",
        re.I,
    ),
    "promises the images won't be shared": re.compile(
        r"\b(they|he|she) (won'?t|will not|will never|can'?t|cannot) (post|share|send|leak)\b"
        r"|\b(will|won'?t) (never )?be (posted|shared|seen)\b(?! by)"
        r"|\bnobody will (ever )?see\b|\bguarantee\b",
        re.I,
    ),
    "blames the person": re.compile(
        r"(?<!not )(?<!never )\b(it'?s|it is|this is) (all )?your (own )?fault\b|\byou shouldn'?t have\b|\byou were (stupid|silly|naive)\b",
        re.I,
    ),
}


def _digits(value: str) -> str:
    return re.sub(r"\D", "", value)


def _allowed() -> tuple[set[str], set[str], set[str]]:
    contacts = facts().known_contacts()
    urls = {c.rstrip("/").lower() for c in contacts if c.lower().startswith("http")}
    emails = {c.lower() for c in contacts if "@" in c and not c.lower().startswith("http")}
    numbers = {_digits(c) for c in contacts if not c.lower().startswith("http") and "@" not in c}
    return urls, emails, numbers


def unknown_contacts(text: str) -> List[str]:
    """Phone numbers, URLs and emails in `text` that the resource file does not list."""
    urls, emails, numbers = _allowed()
    found: List[str] = []
    for url in URL.findall(text):
        if url.rstrip(".,;:!?)").rstrip("/").lower() not in urls:
            found.append(url)
    without_urls = URL.sub(" ", text)
    for email in EMAIL.findall(without_urls):
        if email.lower() not in emails:
            found.append(email)
    for number in NUMBER.findall(EMAIL.sub(" ", without_urls)):
        if len(_digits(number)) >= 3 and _digits(number) not in numbers:
            found.append(number)
    return found


def broken_rules(text: str) -> List[str]:
    """Names of the hard rules this text breaks."""
    return [rule for rule, pattern in _BREAKING_RULES.items() if pattern.search(text)]


def problems(texts: Iterable[str]) -> List[str]:
    """Every unknown contact and broken rule across these texts, for one assertion in tests."""
    found: List[str] = []
    for text in texts:
        found += [f"unknown contact {c!r} in: {text[:80]!r}" for c in unknown_contacts(text)]
        found += [f"{rule}: {text[:80]!r}" for rule in broken_rules(text)]
    return found
