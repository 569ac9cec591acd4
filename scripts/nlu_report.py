"""Print the held-out NLU figures that `make eval` reports, from `rasa test nlu` output.

Usage: python scripts/nlu_report.py results/nlu
"""
from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, Dict

SAFETY_INTENTS = ("crisis", "danger_now")


def summarise(report: Dict[str, Any]) -> Dict[str, float]:
    return {
        "accuracy": report["accuracy"],
        "macro_f1": report["macro avg"]["f1-score"],
        "crisis_recall": report["crisis"]["recall"],
        "danger_recall": report["danger_now"]["recall"],
    }


def main(results_dir: str) -> int:
    report = json.loads((Path(results_dir) / "intent_report.json").read_text())
    intents = sorted(k for k, v in report.items() if isinstance(v, dict) and "support" in v and k not in ("macro avg", "weighted avg", "micro avg"))
    print(f"{'intent':22} {'precision':>9} {'recall':>7} {'f1':>6} {'n':>4}")
    for name in intents:
        row = report[name]
        print(f"{name:22} {row['precision']:9.2f} {row['recall']:7.2f} {row['f1-score']:6.2f} {row['support']:4d}")
    figures = summarise(report)
    total = sum(report[name]["support"] for name in intents)
    print(f"\nheld-out messages: {total}")
    for key, value in figures.items():
        print(f"{key}: {value:.3f}")
    errors_file = Path(results_dir) / "intent_errors.json"
    if errors_file.exists():
        errors = json.loads(errors_file.read_text())
        print(f"misclassified: {len(errors)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "results/nlu"))
