"""Held-out NLU accuracy: a data or config change that makes recognition worse fails here.

tests/nlu_holdout.yml was written separately from the training data; tests/nlu_holdout_blind.yml was
written later by someone who saw neither the training data nor the first set, and its individual
errors were never looked at while tuning. `make eval` prints the per-intent figures.
"""
from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Dict, List

import pytest
import pytest_asyncio
import yaml

from scripts.evaluate_nlu import DEFAULT_MODEL, Prediction, accuracy, predict, recall

FLOORS = {
    # file: (overall accuracy, crisis recall) — just under the figures measured on 2026-11-29.
    "tests/nlu_holdout.yml": (0.94, 1.0),
    "tests/nlu_holdout_blind.yml": (0.89, 0.93),
}


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def predictions() -> Dict[str, List[Prediction]]:
    return await predict(DEFAULT_MODEL, sorted(FLOORS))


@pytest.mark.parametrize("path", sorted(FLOORS))
def test_overall_accuracy_holds(predictions, path):
    measured = accuracy(predictions[path])
    print(f"{path}: accuracy {measured:.3f}")
    assert measured >= FLOORS[path][0]


@pytest.mark.parametrize("path", sorted(FLOORS))
def test_crisis_recall_holds(predictions, path):
    measured = recall(predictions[path], "crisis")
    print(f"{path}: crisis recall {measured:.3f}")
    assert measured >= FLOORS[path][1]


def test_every_intent_is_in_the_held_out_set(predictions):
    domain = yaml.safe_load(Path("domain.yml").read_text())
    counts = Counter(p.gold for p in predictions["tests/nlu_holdout.yml"])
    assert set(domain["intents"]) - {"repeat_step"} <= set(counts)
