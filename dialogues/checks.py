"""Checking what the assistant said against a script's expectations, and the safety checks every reply
must pass whatever the script says (actions.content_rules.problems: contacts only from the resource file,
never advise paying, never ask for images, never promise they won't be shared, never blame)."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Dict, List, Sequence

from actions.content_rules import problems
from dialogues.script import Expectations
from dialogues.services import contacts_of, crisis_services, describe_services, mentioned, missing_for_crisis


SAFETY_PREFIX = "safety check: "


@dataclass
class Reply:
    """One message from the assistant, as a person would see it."""

    text: str = ""
    buttons: List[Dict[str, str]] = field(default_factory=list)

    @classmethod
    def from_rasa(cls, message: Dict[str, Any]) -> "Reply":
        buttons = [
            {"title": str(b.get("title", "")), "payload": str(b.get("payload", ""))}
            for b in (message.get("buttons") or []) if isinstance(b, dict)
        ]
        return cls(text=str(message.get("text") or ""), buttons=buttons)


def plain(text: str) -> str:
    """Text for matching: no **bold** marks, curly quotes made straight, runs of spaces and line breaks
    made one space, lower case. Expectations are compared the same way, so "don't pay" matches
    "**Don't pay.**"."""
    text = text.replace("**", "").replace("\u2019", "'").replace("\u2018", "'").replace("\u201c", '"').replace("\u201d", '"')
    return re.sub(r"\s+", " ", text).strip().casefold()


def button_titles(replies: Sequence[Reply]) -> List[str]:
    return [b["title"] for r in replies for b in r.buttons]


def find_button(replies: Sequence[Reply], title: str) -> Dict[str, str] | None:
    wanted = plain(title)
    for reply in replies:
        for button in reply.buttons:
            if plain(button["title"]) == wanted:
                return button
    return None


def _quote_list(items: Sequence[str]) -> str:
    return ", ".join(f'"{i}"' for i in items) if items else "none"


def check(expect: Expectations, replies: Sequence[Reply], scope: str = "the reply") -> List[str]:
    """What in `replies` does not meet `expect`, each as one sentence. `scope` names what was checked
    ("the reply" for a turn, "the conversation" for the whole of it)."""
    failures: List[str] = []
    texts = [r.text for r in replies]
    whole = plain("\n".join(texts))
    for wanted in expect.contains:
        if plain(wanted) not in whole:
            failures.append(f'expected {scope} to contain "{wanted}"')
    for unwanted in expect.not_contains:
        if plain(unwanted) in whole:
            failures.append(f'expected {scope} NOT to contain "{unwanted}", but it does')
    for regex in expect.matches:
        if not regex.pattern.search(whole):
            failures.append(f"expected {scope} to match /{regex.source}/")
    for regex in expect.not_matches:
        if regex.pattern.search(whole):
            failures.append(f"expected {scope} NOT to match /{regex.source}/, but it does")
    titles = button_titles(replies)
    for title in expect.buttons:
        if find_button(replies, title) is None:
            failures.append(f'expected {scope} to offer the button "{title}"; buttons offered: {_quote_list(titles)}')
    for title in expect.not_buttons:
        if find_button(replies, title) is not None:
            failures.append(f'expected {scope} NOT to offer the button "{title}", but it does')
    seen = set().union(*(mentioned(t) for t in texts)) if texts else set()
    for service in expect.mentions:
        if service not in seen:
            failures.append(f"expected {scope} to mention {service} ({contacts_of(service).describe()})")
    for service in expect.not_mentions:
        if service in seen:
            failures.append(f"expected {scope} NOT to mention {service} ({contacts_of(service).describe()}), but it does")
    if expect.crisis is not None:
        crisis_here = any(is_crisis_response(t) for t in texts)
        if expect.crisis and not crisis_here:
            closest = min((missing_for_crisis(t) for t in texts), key=len, default=list(crisis_services()))
            failures.append(
                f"expected the crisis response in {scope} (one message giving {describe_services(list(crisis_services()))}); "
                f"the closest message lacks {', '.join(closest)}"
            )
        if not expect.crisis and crisis_here:
            failures.append(f"expected no crisis response in {scope}, but there is one")
    return failures


def is_crisis_response(text: str) -> bool:
    """A single message that gives every crisis line (999, Samaritans, Shout, Childline, Papyrus: whatever
    utter_crisis in content/responses.yml gives)."""
    return not missing_for_crisis(text)


def safety_problems(replies: Sequence[Reply]) -> List[str]:
    """The automatic checks, on everything a person reads: message text and button titles."""
    texts = [r.text for r in replies if r.text] + button_titles(replies)
    return [f"{SAFETY_PREFIX}{p}" for p in problems(texts)]
