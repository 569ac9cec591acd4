"""The conversation's catalogue (resources/catalogue.yml): situations, questions, interrupting intents,
conversation moves and audiences. The one loader: the plan, the reading of each message, the intent
overrides and /metrics all take their lists from here, so a new situation is a data change.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Dict, List, Mapping, Tuple, Union

import yaml

CATALOGUE_FILE = Path(__file__).resolve().parent.parent / "resources" / "catalogue.yml"
STANDARD_PLAN = "standard"
AGE_KEYS = ("under18", "adult", "unknown")


@dataclass(frozen=True)
class SituationEntry:
    intent: str
    kind: str  # the `situation` slot's value
    plan: Union[str, Tuple[str, ...]]  # STANDARD_PLAN, or the steps of a short plan of its own
    dialogues: str  # the dialogue-script file under tests/dialogues/ that exercises it


@dataclass(frozen=True)
class Catalogue:
    situations: Tuple[SituationEntry, ...]
    interrupting: Mapping[str, Mapping[str, str]]
    questions: Tuple[str, ...]
    moves: Tuple[str, ...]
    audiences: Mapping[str, Mapping[str, Tuple[str, ...]]]

    @property
    def kind_by_intent(self) -> Dict[str, str]:
        return {s.intent: s.kind for s in self.situations}

    @property
    def situation_intents(self) -> frozenset[str]:
        return frozenset(s.intent for s in self.situations)

    def short_plan(self, kind: str) -> Tuple[str, ...]:
        """The steps of a situation with a plan of its own, or () for the standard plan."""
        entry = next((s for s in self.situations if s.kind == kind), None)
        return entry.plan if entry and isinstance(entry.plan, tuple) else ()

    def support_services(self, audience: str, age: str) -> List[str]:
        return list(self.audiences[audience][age])

    @property
    def intents(self) -> List[str]:
        """Every intent the conversation knows, in catalogue order."""
        return [s.intent for s in self.situations] + list(self.interrupting) + list(self.questions) + list(self.moves)


def parse(raw: Mapping[str, object]) -> Catalogue:
    situations = raw["situations"]
    assert isinstance(situations, dict)
    entries = tuple(
        SituationEntry(
            intent=intent, kind=str(spec["kind"]),
            plan=spec["plan"] if spec["plan"] == STANDARD_PLAN else tuple(spec["plan"]),
            dialogues=str(spec["dialogues"]),
        )
        for intent, spec in situations.items()
    )
    audiences = raw["audiences"]
    assert isinstance(audiences, dict)
    return Catalogue(
        situations=entries,
        interrupting={name: dict(spec) for name, spec in dict(raw["interrupting"]).items()},  # type: ignore[call-overload]
        questions=tuple(raw["questions"]),  # type: ignore[arg-type]
        moves=tuple(raw["moves"]),  # type: ignore[arg-type]
        audiences={who: {age: tuple(services) for age, services in by_age.items()} for who, by_age in audiences.items()},
    )


@lru_cache(maxsize=1)
def catalogue(path: Path = CATALOGUE_FILE) -> Catalogue:
    return parse(yaml.safe_load(path.read_text(encoding="utf-8")))
