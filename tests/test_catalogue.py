"""The catalogue (resources/catalogue.yml) against everything that must agree with it: domain.yml, the
NLU data, the rules, the replies, the dialogue scripts, the services and docs/intents.md. Adding a
situation or a question is a catalogue entry plus data; each check says what is missing where."""
from __future__ import annotations

import re
from pathlib import Path
from typing import Dict, List, Set

import pytest
import yaml

from actions.catalogue import CATALOGUE_FILE, STANDARD_PLAN, Catalogue, catalogue, parse
from actions.render import responses

ROOT = Path(__file__).resolve().parent.parent
CATALOGUE = catalogue()
# Rasa's own: answered by the fallback, never written in the catalogue.
RASA_INTENTS = {"nlu_fallback"}
MIN_EXAMPLES = 10


def _yaml(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8")) or {}


def _nlu_examples() -> Dict[str, int]:
    counts: Dict[str, int] = {}
    for path in sorted((ROOT / "data" / "nlu").glob("*.yml")):
        for block in _yaml(path).get("nlu", []):
            if "intent" in block:
                lines = [line for line in str(block.get("examples", "")).splitlines() if line.strip().startswith("- ")]
                counts[block["intent"]] = counts.get(block["intent"], 0) + len(lines)
    return counts


def _rule_intents() -> Set[str]:
    found: Set[str] = set()
    for path in sorted((ROOT / "data" / "rules").glob("*.yml")):
        for rule in _yaml(path).get("rules", []):
            found |= {step["intent"] for step in rule.get("steps", []) if "intent" in step}
    return found


def _docs_table(heading: str) -> Set[str]:
    """The intents in the table under `heading` in docs/intents.md."""
    text = (ROOT / "docs" / "intents.md").read_text(encoding="utf-8")
    section = text.split(f"## {heading}", 1)[1].split("\n## ", 1)[0]
    return set(re.findall(r"^\| `([a-z_]+)` \|", section, flags=re.M))


def test_every_intent_is_in_the_domain_and_the_domain_has_nothing_else():
    domain = set(_yaml(ROOT / "domain.yml")["intents"])
    missing = [i for i in CATALOGUE.intents if i not in domain]
    extra = sorted(domain - set(CATALOGUE.intents) - RASA_INTENTS)
    assert not missing, f"add to domain.yml intents: {missing}"
    assert not extra, f"in domain.yml but not in resources/catalogue.yml: {extra}"


def test_every_intent_has_training_examples():
    counts = _nlu_examples()
    thin = {i: counts.get(i, 0) for i in CATALOGUE.intents if counts.get(i, 0) < MIN_EXAMPLES}
    assert not thin, f"needs at least {MIN_EXAMPLES} NLU examples in data/nlu/ (found so far): {thin}"


def test_every_intent_has_a_rule_and_every_rule_intent_is_catalogued():
    rules = _rule_intents()
    missing = [i for i in CATALOGUE.intents if i not in rules and i not in ("affirm", "deny")]
    assert not missing, f"add a rule (intent -> action_respond) in data/rules/ for: {missing}"
    extra = sorted(rules - set(CATALOGUE.intents) - RASA_INTENTS)
    assert not extra, f"rules for intents the catalogue doesn't know: {extra}"


def test_every_situation_has_its_urgent_reply_and_plan_replies():
    known = responses()
    missing: List[str] = []
    for entry in CATALOGUE.situations:
        if entry.kind != "helper" and f"utter_urgent_{entry.kind}" not in known:
            missing.append(f"utter_urgent_{entry.kind}")
        if entry.plan != STANDARD_PLAN:
            for step in entry.plan:
                missing += [n for n in (f"utter_step_{step}", f"utter_title_{step}", f"utter_overview_{step}") if n not in known]
    missing += [spec["reply"] for spec in CATALOGUE.interrupting.values() if spec["reply"] not in known]
    assert not missing, f"add to content/responses.yml: {missing}"


def test_every_question_has_its_answer():
    missing = [f"utter_answer_{q}" for q in CATALOGUE.questions if f"utter_answer_{q}" not in responses()]
    assert not missing, f"add to content/responses.yml: {missing}"


def test_every_situation_and_interruption_has_dialogue_scripts():
    wanted = {e.intent: e.dialogues for e in CATALOGUE.situations}
    wanted.update({name: spec["dialogues"] for name, spec in CATALOGUE.interrupting.items()})
    missing = []
    for intent, name in wanted.items():
        path = ROOT / "tests" / "dialogues" / name
        if not path.exists() or not _yaml(path).get("scripts"):
            missing.append(f"{intent}: tests/dialogues/{name}")
    assert not missing, f"write dialogue scripts: {missing}"


def test_every_audience_service_is_in_the_facts():
    services = set(_yaml(ROOT / "resources" / "services.yml")["services"])
    unknown = sorted({s for by_age in CATALOGUE.audiences.values() for names in by_age.values() for s in names} - services)
    assert not unknown, f"not in resources/services.yml: {unknown}"
    gaps = [f"{who}.{age}" for who, by_age in CATALOGUE.audiences.items() for age in ("under18", "adult", "unknown")
            if age not in by_age]
    assert not gaps, f"audiences need a list for every age: {gaps}"


@pytest.mark.parametrize(
    "heading, intents",
    [
        ("Situations", {e.intent for e in CATALOGUE.situations} | set(CATALOGUE.interrupting)),
        ("Questions", set(CATALOGUE.questions)),
        ("Conversation moves", set(CATALOGUE.moves)),
    ],
)
def test_docs_list_exactly_the_catalogue(heading, intents):
    documented = _docs_table(heading)
    assert not intents - documented, f"docs/intents.md, {heading}: add {sorted(intents - documented)}"
    assert not documented - intents, f"docs/intents.md, {heading}: not in the catalogue {sorted(documented - intents)}"


def test_a_missing_piece_is_named():
    # A catalogue with a situation nobody wrote anything for: the checks above would name each gap.
    raw = yaml.safe_load(CATALOGUE_FILE.read_text(encoding="utf-8"))
    raw["situations"]["stolen_account"] = {"kind": "stolen", "plan": STANDARD_PLAN, "dialogues": "stolen.yml"}
    extended: Catalogue = parse(raw)
    assert "stolen_account" in extended.intents
    assert "stolen_account" not in set(_yaml(ROOT / "domain.yml")["intents"])
    assert "utter_urgent_stolen" not in responses()
