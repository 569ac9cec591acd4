"""Held-out NLU accuracy: a data or config change that makes recognition worse fails here.

tests/nlu_holdout.yml was written separately from the training data; the others later, one at a time, by
people who saw neither (each file's header says when). Every set's errors have been studied, each after its
one blind measurement, except those of CU, the newest, measured blind once and not studied. Older sets, once
studied, became training data (data/nlu/outside_*.yml) and are no longer measured here. `make eval` prints
the per-intent figures.
"""
from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Dict, List

import pytest
import pytest_asyncio
import yaml

from scripts.evaluate_nlu import DEFAULT_MODEL, DEFAULT_SETS, Prediction, accuracy, false_crisis, predict, recall

FLOORS = {
    # file: (overall accuracy, crisis recall) — about one and a half points under the figures measured on
    # 2026-12-04 (README, Accuracy). Sets BW to CS were studied for crisis and danger misses (and their other
    # errors read for what was missing); CU, the newest, has not been studied.
    "tests/nlu_holdout.yml": (0.96, 1.0),
    "tests/nlu_holdout_bw.yml": (0.94, 1.0),
    "tests/nlu_holdout_bz.yml": (0.94, 1.0),
    "tests/nlu_holdout_cb.yml": (0.95, 1.0),
    "tests/nlu_holdout_ce.yml": (0.95, 1.0),
    "tests/nlu_holdout_cg.yml": (0.96, 1.0),
    "tests/nlu_holdout_ci.yml": (0.95, 1.0),
    "tests/nlu_holdout_ck.yml": (0.95, 1.0),
    "tests/nlu_holdout_cm.yml": (0.95, 1.0),
    "tests/nlu_holdout_co.yml": (0.95, 1.0),
    "tests/nlu_holdout_cq.yml": (0.94, 1.0),
    "tests/nlu_holdout_cs.yml": (0.95, 1.0),
    "tests/nlu_holdout_cu.yml": (0.95, 1.0),
}


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def predictions() -> Dict[str, List[Prediction]]:
    return await predict(DEFAULT_MODEL, sorted(FLOORS))


def test_every_held_out_set_has_a_floor():
    assert set(FLOORS) == set(DEFAULT_SETS)


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


@pytest.mark.parametrize("path", sorted(FLOORS))
def test_crisis_replies_to_other_messages_stay_rare(predictions, path):
    measured = false_crisis(predictions[path])
    print(f"{path}: false crisis {measured:.3f}")
    assert measured <= 0.02


def test_every_intent_is_in_the_held_out_set(predictions):
    domain = yaml.safe_load(Path("domain.yml").read_text())
    counts = Counter(p.gold for p in predictions["tests/nlu_holdout.yml"])
    assert set(domain["intents"]) - {"repeat_step"} <= set(counts)
