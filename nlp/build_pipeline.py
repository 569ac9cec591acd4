"""Build the blank English spaCy pipeline (tokenizer + entity ruler) that config.yml loads by path.

No pretrained spaCy model can be downloaded here, so entities come from patterns kept in this repo.
Run: python nlp/build_pipeline.py [output_dir]   (default build/spacy_en)
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import spacy
from spacy.pipeline import EntityRuler

HERE = Path(__file__).resolve().parent
PATTERNS_FILE = HERE / "patterns.jsonl"
DEFAULT_OUTPUT = HERE.parent / "build" / "spacy_en"


def load_patterns(path: Path = PATTERNS_FILE) -> list[dict]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip() and not line.startswith("//")]


def build(output: Path = DEFAULT_OUTPUT) -> Path:
    nlp = spacy.blank("en")
    # LOWER so "Insta", "INSTA" and "insta" all match the same phrase pattern.
    ruler = nlp.add_pipe("entity_ruler", config={"phrase_matcher_attr": "LOWER"})
    assert isinstance(ruler, EntityRuler)
    ruler.add_patterns(load_patterns())
    output.mkdir(parents=True, exist_ok=True)
    nlp.to_disk(output)
    return output


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_OUTPUT
    print(f"spaCy pipeline written to {build(target)}")
