"""Which steps a person's plan has, worked out from what we know about their situation.

The plan is derived, never stored: only the current step's key lives in the `plan_step` slot, so a
change of situation or age (said mid-plan) reshapes the rest of the plan without migrating state.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import List, Optional

AGE_QUESTION = "age"
SUMMARY = "summary"

EMAIL_SCAM = "email_scam"
HELPER = "helper"
PAID = "paid"

# Intent -> situation slot value. The email scam gets its own short plan; the rest share one.
SITUATION_BY_INTENT = {
    "blackmail_money": "money",
    "blackmail_images": "images",
    "already_paid": PAID,
    "images_shared": "shared",
    "email_scam": EMAIL_SCAM,
    "partner_threat": "partner",
    "fake_images": "fake",
    "helper": HELPER,
}


@dataclass(frozen=True)
class Situation:
    """What we know, read from slots."""

    kind: Optional[str]
    age_group: Optional[str]
    is_helper: bool = False
    has_paid: bool = False

    @property
    def known(self) -> bool:
        return self.kind is not None or self.is_helper


def steps_for(situation: Situation) -> List[str]:
    if situation.kind == EMAIL_SCAM:
        return ["secure_accounts", "report_scam", "support"]
    steps = ["evidence"]
    if situation.has_paid:
        steps.append("bank")
    return steps + ["block_report", "police", "removal", "support"]


def next_step(situation: Situation, current: Optional[str]) -> str:
    """The step after `current` (the first when none), or SUMMARY after the last."""
    steps = steps_for(situation)
    if current not in steps:
        return steps[0]
    index = steps.index(current) + 1
    return steps[index] if index < len(steps) else SUMMARY


def position(situation: Situation, step: str) -> tuple[int, int]:
    steps = steps_for(situation)
    return steps.index(step) + 1, len(steps)


def is_in_plan(step: Optional[str]) -> bool:
    return step not in (None, AGE_QUESTION)
