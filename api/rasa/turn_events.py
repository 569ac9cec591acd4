"""Capture the new Rasa events of a turn, in-process, without a second read of the tracker.

Rasa's tracker store streams each save's new events to its event broker. This broker keeps them in a
list bound to the turn being handled (a context variable set by the assistant around `handle_message`),
so the caller can derive metrics from them. Works the same for any tracker store that streams events.
"""
from __future__ import annotations

import contextvars
from typing import Any, Dict, List, Optional

from rasa.core.brokers.broker import EventBroker

_current_turn: contextvars.ContextVar[Optional[List[Dict[str, Any]]]] = contextvars.ContextVar(
    "kestrel_turn_events", default=None
)


class TurnEventBroker(EventBroker):
    def publish(self, event: Dict[str, Any]) -> None:
        sink = _current_turn.get()
        if sink is not None:
            sink.append(event)

    def is_ready(self) -> bool:
        return True


def collect_into(sink: List[Dict[str, Any]]) -> contextvars.Token:
    """Start collecting this task's events into `sink`; pass the token to `stop_collecting`."""
    return _current_turn.set(sink)


def stop_collecting(token: contextvars.Token) -> None:
    _current_turn.reset(token)
