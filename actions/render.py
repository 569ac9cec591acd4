"""Render responses from content/responses.yml with the facts filled in, so actions send finished text.

Rendering here (not in Rasa's NLG) lets action tests see the exact words a person reads, and lets one
test check every number and address shown against the resource file.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional

import yaml
from rasa_sdk.executor import CollectingDispatcher

from actions.facts import facts

CONTENT_FILE = Path(__file__).resolve().parent.parent / "content" / "responses.yml"
Button = Dict[str, str]


class MissingResponse(KeyError):
    pass


@lru_cache(maxsize=None)
def responses() -> Dict[str, List[Dict[str, Any]]]:
    return yaml.safe_load(CONTENT_FILE.read_text(encoding="utf-8"))["responses"]


@lru_cache(maxsize=None)
def fact_values() -> Dict[str, str]:
    """The facts as template values, built once: the resource file doesn't change while serving."""
    return facts().template_vars()


def first_existing(candidates: Iterable[str]) -> str:
    """The first response name that exists, for specific-then-general variants."""
    tried = list(candidates)
    for name in tried:
        if name in responses():
            return name
    raise MissingResponse(f"none of {tried} is in {CONTENT_FILE.name}")


def render(name: str, **values: str) -> Dict[str, Any]:
    """The response's first variant with placeholders filled: {"text": ..., "buttons": [...]}."""
    variants = responses().get(name)
    if not variants:
        raise MissingResponse(name)
    variant = variants[0]
    fill = {**fact_values(), **values}
    text = variant.get("text", "").format_map(fill)
    buttons = [
        {"title": b["title"].format_map(fill), "payload": b["payload"]}
        for b in variant.get("buttons", [])
    ]
    return {"text": text, "buttons": buttons}


def say(
    dispatcher: CollectingDispatcher,
    name: str,
    buttons: Optional[List[Button]] = None,
    **values: str,
) -> str:
    """Send one rendered response; extra buttons go after the response's own. Returns the text."""
    rendered = render(name, **values)
    dispatcher.utter_message(text=rendered["text"], buttons=rendered["buttons"] + (buttons or []))
    return rendered["text"]


def text_of(name: str, **values: str) -> str:
    return render(name, **values)["text"]
