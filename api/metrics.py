"""Prometheus metrics: HTTP traffic by route template, and what the assistant did, never who or what was said.

Turn-level counters are fed from the Rasa events of each turn (see `TurnEventCollector`): only intent
names, action names and `plan_step` values are read, and only values from fixed, small sets become labels.
"""
from __future__ import annotations

import re
import time
from typing import Any, Callable, Dict, Iterable

from prometheus_client import (
    CONTENT_TYPE_LATEST,  # noqa: F401  (re-exported for the /metrics route)
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
    generate_latest,
)

from actions.catalogue import catalogue

# `*_created` series would timestamp the first crisis or situation of each kind: a needless clue about
# when someone used the service. Counts alone are enough.
disable_created_metrics()

# Every situation and interrupting intent in the catalogue (resources/catalogue.yml) is counted.
SITUATION_INTENTS = catalogue().situation_intents | frozenset(catalogue().interrupting)
# The one action records the kind of reply it gave in this slot (actions/turn.py).
REPLY_KIND_SLOT = "reply_kind"
CRISIS_REPLIES = frozenset({"crisis", "crisis_again"})
PLAN_STEP_SLOT = "plan_step"
# plan_step values become label values: accept only short identifiers or numbers, so a slot that ever
# held free text could not leak it into /metrics or blow up the number of series.
_SAFE_LABEL = re.compile(r"^[A-Za-z0-9_]{1,40}$")

_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


class Metrics:
    def __init__(self) -> None:
        # A registry per instance (not the global one) so several apps in one test process don't collide.
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.requests = Counter(
            "kestrel_http_requests_total", "HTTP requests by route template, method and status",
            ["route", "method", "status"], registry=r,
        )
        self.latency = Histogram(
            "kestrel_http_request_duration_seconds", "HTTP request latency by route template",
            ["route", "method"], buckets=_LATENCY_BUCKETS, registry=r,
        )
        self.active_conversations = Gauge(
            "kestrel_active_conversations", "Conversations currently held (not yet deleted or expired)",
            registry=r,
        )
        self.situations = Counter(
            "kestrel_situations_recognised_total", "User messages classified as a situation, by intent",
            ["intent"], registry=r,
        )
        self.crisis_responses = Counter(
            "kestrel_crisis_responses_total", "Times the crisis response was given", registry=r,
        )
        self.plan_steps = Counter(
            "kestrel_plan_steps_reached_total", "Times a plan step was reached, by step", ["step"], registry=r,
        )
        self.turns = Counter(
            "kestrel_turns_total", "Conversation turns handled, by channel and outcome",
            ["channel", "outcome"], registry=r,
        )
        self.turn_latency = Histogram(
            "kestrel_turn_duration_seconds", "Time from receiving a message to having the replies",
            ["channel"], buckets=_LATENCY_BUCKETS, registry=r,
        )
        self.pending_turns = Gauge(
            "kestrel_pending_turns", "Turns queued or running on the model thread", registry=r,
        )
        self.model_ready = Gauge("kestrel_model_ready", "1 when the model is loaded", registry=r)

    def track_active_conversations(self, count: Callable[[], int]) -> None:
        self.active_conversations.set_function(lambda: float(count()))

    def track_pending_turns(self, count: Callable[[], int]) -> None:
        self.pending_turns.set_function(lambda: float(count()))

    def observe_turn_events(self, events: Iterable[Dict[str, Any]]) -> None:
        """Count situations, crisis responses and plan steps from one turn's new Rasa events."""
        for event in events:
            kind = event.get("event")
            if kind == "user":
                intent = ((event.get("parse_data") or {}).get("intent") or {}).get("name")
                if intent in SITUATION_INTENTS:
                    self.situations.labels(intent=intent).inc()
            elif kind == "slot" and event.get("name") == REPLY_KIND_SLOT and event.get("value") in CRISIS_REPLIES:
                self.crisis_responses.inc()
            elif kind == "slot" and event.get("name") == PLAN_STEP_SLOT:
                value = event.get("value")
                if value is not None and _SAFE_LABEL.match(str(value)):
                    self.plan_steps.labels(step=str(value)).inc()

    def render(self) -> bytes:
        return generate_latest(self.registry)


class Stopwatch:
    def __init__(self) -> None:
        self._start = time.perf_counter()

    @property
    def seconds(self) -> float:
        return time.perf_counter() - self._start
