"""Which steps a person's plan has, worked out from what we know about their situation.

The plan is derived, never stored: only the current step's key lives in the `plan_step` slot, so a
change of situation, age or role (said mid-plan) reshapes the rest of the plan without migrating state.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import List, Optional

from actions.age import ADULT, UNDER_18
from actions.catalogue import catalogue

AGE_QUESTION = "age"
OVERVIEW = "overview"
SUMMARY = "summary"

EMAIL_SCAM = "email_scam"
HELPER = "helper"
PAID = "paid"
SHARED = "shared"

# Who is talking: the person it is happening to, or someone helping them.
VICTIM = "victim"
PARENT = "parent"
TEACHER = "teacher"
FRIEND = "friend"
OTHER_HELPER = "helper"
ROLES = (VICTIM, PARENT, TEACHER, FRIEND, OTHER_HELPER)

# Intent -> situation slot value (resources/catalogue.yml). The email scam has its own short plan; the
# rest share one.
SITUATION_BY_INTENT = catalogue().kind_by_intent


@dataclass(frozen=True)
class Situation:
    """What we know, read from slots."""

    kind: Optional[str]
    age_group: Optional[str]
    is_helper: bool = False
    has_paid: bool = False
    role: Optional[str] = None
    pictured_under18: bool = False
    pictured_adult_too: bool = False  # some pictures from under 18, some from 18 or over
    is_shared: bool = False
    country: Optional[str] = None  # where they are, when outside the UK: us, australia, canada, ireland, other
    fears_outing: bool = False  # afraid of being outed as LGBT+
    harm_done: bool = False  # has taken something or hurt themselves, and no help is said to be on its way

    @property
    def known(self) -> bool:
        return self.kind is not None or self.is_helper

    @property
    def audience(self) -> str:
        """victim, parent, teacher, friend or helper: whose words the replies use."""
        if not self.is_helper:
            return VICTIM
        return self.role if self.role in ROLES and self.role != VICTIM else OTHER_HELPER

    def but(self, **changes: object) -> "Situation":
        return replace(self, **changes)  # type: ignore[arg-type]


def steps_for(situation: Situation) -> List[str]:
    short = list(catalogue().short_plan(situation.kind or ""))
    if short:
        # Money already sent: the bank comes straight after the first step, whatever the plan; an under-18
        # is told to tell an adult they trust before the support lines, whatever the plan.
        if situation.audience == VICTIM and situation.age_group == UNDER_18 and "trusted_adult" not in short:
            short.insert(len(short) - 1 if short[-1] == "support" else len(short), "trusted_adult")
        return short[:1] + ["bank"] + short[1:] if situation.has_paid else short
    steps: List[str] = []
    if situation.audience == TEACHER:
        # Schools: the designated safeguarding lead first; they make the police referral.
        steps.append("dsl")
    steps.append("evidence")
    if situation.has_paid:
        steps.append("bank")
    if situation.is_shared or situation.kind == SHARED:
        # Once something is out, getting it taken down matters most after saving where it is.
        steps.append("removal")
    steps.append("block_report")
    if situation.audience in (VICTIM, FRIEND) and situation.age_group != ADULT:
        # Under 18 (or not said): an adult they trust, early, before the police step. A friend helping
        # a friend is usually young too: the same step, in a friend's words.
        steps.append("trusted_adult")
    steps.append("police")
    if "removal" not in steps:
        steps.append("removal")
    steps.append("support")
    return steps


def next_step(situation: Situation, current: Optional[str]) -> str:
    """The step after `current` (the first when none, or after the overview), or SUMMARY after the last."""
    steps = steps_for(situation)
    if current not in steps:
        return steps[0]
    index = steps.index(current) + 1
    return steps[index] if index < len(steps) else SUMMARY


def position(situation: Situation, step: str) -> tuple[int, int]:
    steps = steps_for(situation)
    return steps.index(step) + 1, len(steps)
