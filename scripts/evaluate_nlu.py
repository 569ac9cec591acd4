"""Held-out NLU figures, measured the way a person meets them: the full pipeline, fallbacks and the
safety-net overrides included. (`rasa test nlu` scores a fallback by the intent beneath it, which
over-reports what users get.)

Usage: python -m scripts.evaluate_nlu [model] [holdout.yml ...]
"""
from __future__ import annotations

import asyncio
import logging
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Sequence, Tuple

import yaml

DEFAULT_MODEL = "models/kestrel.tar.gz"
# Every held-out message set in tests/: a new one is measured without being listed here too.
DEFAULT_SETS = tuple(str(path) for path in sorted(Path("tests").glob("nlu_holdout*.yml")))


@dataclass(frozen=True)
class Prediction:
    gold: str
    predicted: str
    text: str


def labelled(path: str) -> List[Tuple[str, str]]:
    """(intent, text) pairs from a Rasa NLU YAML file."""
    rows = []
    for block in yaml.safe_load(Path(path).read_text(encoding="utf-8"))["nlu"]:
        for line in block["examples"].splitlines():
            if line.strip().startswith("- "):
                rows.append((block["intent"], line.strip()[2:]))
    return rows


async def predict(model: str, paths: Sequence[str]) -> Dict[str, List[Prediction]]:
    from rasa.core.agent import Agent
    from rasa.utils.common import configure_logging_and_warnings

    # Rasa logs every parsed text at debug level: held-out messages must not be printed, or a blind set
    # stops being blind the first time someone reads the output.
    from rasa.utils.log_utils import configure_structlog

    configure_logging_and_warnings(logging.WARNING)
    configure_structlog(logging.WARNING)
    agent = Agent.load(model)
    results: Dict[str, List[Prediction]] = {}
    for path in paths:
        rows = []
        for gold, text in labelled(path):
            parsed = await agent.parse_message(text)
            rows.append(Prediction(gold, parsed["intent"]["name"], text))
        results[path] = rows
    return results


def accuracy(rows: List[Prediction]) -> float:
    return sum(r.gold == r.predicted for r in rows) / len(rows)


def recall(rows: List[Prediction], intent: str) -> float:
    mine = [r for r in rows if r.gold == intent]
    return sum(r.predicted == intent for r in mine) / len(mine) if mine else float("nan")


def precision(rows: List[Prediction], intent: str) -> float:
    said = [r for r in rows if r.predicted == intent]
    return sum(r.gold == intent for r in said) / len(said) if said else float("nan")


def report(path: str, rows: List[Prediction]) -> str:
    counts = Counter(r.gold for r in rows)
    lines = [f"== {path}", f"{'intent':22} {'precision':>9} {'recall':>7} {'n':>4}"]
    for intent in sorted(counts):
        lines.append(f"{intent:22} {precision(rows, intent):9.2f} {recall(rows, intent):7.2f} {counts[intent]:4d}")
    fallbacks = sum(r.predicted == "nlu_fallback" for r in rows)
    lines += [
        f"messages: {len(rows)}",
        f"accuracy: {accuracy(rows):.3f}",
        f"crisis recall: {recall(rows, 'crisis'):.3f}",
        f"crisis precision: {precision(rows, 'crisis'):.3f}",
        f"false crisis: {false_crisis(rows):.3f} of messages that are not crisis",
        f"danger recall: {recall(rows, 'danger_now'):.3f}",
        f"fell back (asked to rephrase): {fallbacks}",
    ]
    return "\n".join(lines)


def false_crisis(rows: List[Prediction]) -> float:
    """Share of messages that are not crisis which got the crisis reply."""
    others = [r for r in rows if r.gold != "crisis"]
    return sum(r.predicted == "crisis" for r in others) / len(others) if others else float("nan")


def main(argv: List[str]) -> int:
    model = argv[0] if argv else DEFAULT_MODEL
    paths = argv[1:] or list(DEFAULT_SETS)
    for path, rows in asyncio.run(predict(model, paths)).items():
        print(report(path, rows) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
