"""The NLU result for one message, as the reading in context needs it (actions/reading.py)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict, Optional, Tuple

# A situation the classifier ranked behind the intent acted on ("he'll post it and I want to die",
# "my son has paid them") counts when it is this confident; below that it is guesswork.
ALSO_SEEN = 0.15


@dataclass(frozen=True)
class Parse:
    """The NLU result for one message."""

    intent: Optional[str]
    text: str = ""
    ranking: Tuple[Tuple[str, float], ...] = ()
    entities: Tuple[Tuple[str, str], ...] = ()

    @classmethod
    def from_message(cls, message: Dict[str, Any]) -> "Parse":
        ranking = tuple(
            (str(r.get("name")), float(r.get("confidence") or 0.0)) for r in message.get("intent_ranking") or []
        )
        entities = tuple(
            (str(e.get("entity")), str(e.get("value"))) for e in message.get("entities") or [] if e.get("value")
        )
        return cls((message.get("intent") or {}).get("name"), message.get("text") or "", ranking, entities)

    @property
    def confidence(self) -> float:
        return self.ranking[0][1] if self.ranking else 1.0

    def entity(self, name: str) -> Optional[str]:
        return next((value for entity, value in self.entities if entity == name), None)

    def all_of(self, name: str) -> Tuple[str, ...]:
        return tuple(value for entity, value in self.entities if entity == name)

    def read_as(self, intent: str) -> "Parse":
        """The same message taken for `intent`, at the classifier's confidence, its other guesses kept behind."""
        return Parse(intent, self.text, ((intent, self.confidence),) + self.ranking[1:], self.entities)

    def runner_up(self, wanted: frozenset[str]) -> Optional[str]:
        """The best-ranked intent in `wanted` behind the one acted on, if confident enough to count."""
        for name, confidence in self.ranking[1:]:
            if name in wanted and confidence >= ALSO_SEEN:
                return name
        return None
