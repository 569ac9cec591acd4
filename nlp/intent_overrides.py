"""Deterministic intent overrides after the classifier.

- crisis / danger_now: explicit phrases force the intent, so the crisis reply never depends on a
  model's confidence (a safety net); a crisis probability above
  `crisis_threshold` does too, even when another intent ranks higher.
- idioms ("my mum will kill me") never become crisis or danger unless an explicit phrase says so, and
  the classifier's crisis or danger needs a word of that kind in the message (`crisis_words`,
  `danger_words`); its first guess of crisis may also stand on a broader hint (`crisis_hints`).
- helper: a situation told about someone else ("my son is being blackmailed") is a helper's message,
  whichever situation the classifier picked; and the reverse, "victim": a "helper" guess for a message
  that says it is happening to the writer ("im being blackmailed", "a pic of me") becomes the writer's own story.
- a demand that also says it has been paid, or that the pictures are already out ("used my mum's card to pay
  him", "my boss has received the photos"), is the paid or the shared story.

The classifier's ranking is kept behind the forced intent, so actions can still see that a crisis
message was also about blackmail, or that a helper's child has already paid.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Dict, List, Optional, Pattern, Sequence, Text

import yaml
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from actions.catalogue import catalogue
from actions.cues import OWN_PICTURES, payment_told, sharing_told

PHRASES_FILE = Path(__file__).resolve().parent.parent / "resources" / "intent_overrides.yml"
# Checked in this order: a message that is both crisis and danger gets the crisis reply (it says 999).
ALWAYS = ("crisis", "danger_now")
SITUATIONS = catalogue().situation_intents - {"helper"}
# Guesses that a message saying "I paid" or "they posted it" is often taken for: the demand itself, or a
# question asked alongside ("i did pay them tho. was that wrong").
READ_AS_UNPAID = {"blackmail_money", "blackmail_images", "ask_should_pay", "ask_new_account", "next_step"}
READ_AS_NOT_OUT = {"blackmail_money", "blackmail_images", "partner_threat", "already_paid"}

Patterns = Dict[str, List[Pattern[str]]]
Ranking = List[Dict[str, Any]]


def normalise(text: str) -> str:
    text = text.lower().replace("\u2019", "'").replace("\u2018", "'").replace("\u201c", '"').replace("\u201d", '"')
    # Quote marks around words ("his father will 'kill him'") are not apostrophes: drop them.
    return re.sub(r"(^|\s)['\"]+|['\"]+(?=\s|$|[.,!?;:])", r"\1", text)


def load_patterns(path: Path = PHRASES_FILE) -> Patterns:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    return {intent: [re.compile(p) for p in patterns] for intent, patterns in raw.items()}


def matches(text: str, patterns: List[Pattern[str]]) -> bool:
    return any(p.search(text) for p in patterns)


def forced_intent(
    text: str, predicted: Optional[str], patterns: Patterns, crisis_confidence: float = 0.0,
    crisis_threshold: float = 1.1, ranked: Sequence[str] = (),
) -> Optional[str]:
    lowered = normalise(text)
    for negated in patterns.get("reassurance", []):
        # "just so u know im not gonna hurt myself or anything": said to reassure, not a disclosure.
        lowered = negated.sub(" ", lowered)
    for intent in ALWAYS:
        if matches(lowered, patterns.get(intent, [])):
            return intent
    # "my dad will kill me", "i'm dead if she sees it": fear of being found out, not a crisis or a
    # threat to life. Only the explicit phrases above can make such a message crisis or danger.
    idiom = matches(lowered, patterns.get("idiom", []))
    # The classifier alone may call a message crisis or danger only when it has a word of that kind:
    # "thank you, you've been very kind" shares letters with farewells, not meaning.
    crisis_words = matches(lowered, patterns.get("crisis_words", [])) and not idiom
    danger_words = matches(lowered, patterns.get("danger_words", [])) and not idiom
    if crisis_confidence >= crisis_threshold and crisis_words:
        return "crisis"
    # Hints ("i won't be here for christmas", "tell my brother i'm sorry") are too common to raise a crisis
    # the classifier only suspects, but they let its first guess stand.
    crisis_hinted = crisis_words or (matches(lowered, patterns.get("crisis_hints", [])) and not idiom)
    if (predicted == "crisis" and not crisis_hinted) or (predicted == "danger_now" and not danger_words):
        return next((name for name in ranked if name not in ALWAYS and name != "nlu_fallback"), "out_of_scope")
    # "my cousin just messaged me, she got a pic of me": someone else is named, but the pictures are the writer's.
    own_pictures = bool(OWN_PICTURES.search(lowered))
    names_someone_else = matches(lowered, patterns.get("helper", [])) and not own_pictures
    if predicted in SITUATIONS and names_someone_else:
        return "helper"
    if predicted == "helper" and not names_someone_else:
        if matches(lowered, patterns.get("victim", [])) or own_pictures:
            # The writer's own, and the kind of story the classifier saw next ("fake pictures of me") still
            # decides which urgent advice they get.
            return outcome_told(lowered) or next((name for name in ranked if name in SITUATIONS), "blackmail_money")
        return None
    outcome = outcome_told(lowered)
    if outcome == "images_shared" and predicted in READ_AS_NOT_OUT:
        return outcome
    if outcome == "already_paid" and predicted in READ_AS_UNPAID:
        return outcome
    return None


def outcome_told(lowered: str) -> Optional[str]:
    """The story a message tells by saying the pictures are out or that money was paid, if either."""
    if sharing_told(lowered):
        return "images_shared"
    return "already_paid" if payment_told(lowered) else None


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class IntentOverrides(GraphComponent):
    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        # crisis_threshold 0.3 was chosen on tests/nlu_holdout.yml: every crisis message caught,
        # 2 of 301 others sent the crisis reply (which still gives the urgent advice when the message
        # was about blackmail).
        return {"phrases_file": str(PHRASES_FILE), "crisis_threshold": 0.3}

    def __init__(self, config: Dict[Text, Any]) -> None:
        self.patterns = load_patterns(Path(config["phrases_file"]))
        self.crisis_threshold = float(config["crisis_threshold"])

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "IntentOverrides":
        return cls(config)

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = message.get(TEXT)
            if text:
                self._override(message, text)
        return messages

    def _override(self, message: Message, text: str) -> None:
        predicted = (message.get(INTENT) or {}).get("name")
        ranking: Ranking = message.get(INTENT_RANKING_KEY) or []
        crisis = next((r.get("confidence") or 0.0 for r in ranking if r.get("name") == "crisis"), 0.0)
        forced = forced_intent(
            text, predicted, self.patterns, crisis, self.crisis_threshold, [str(r.get("name")) for r in ranking]
        )
        if not forced or forced == predicted:
            return
        rest = [r for r in ranking if r.get("name") != forced]
        confidence = 1.0 if forced in ALWAYS else _confidence_kept(forced, predicted, ranking)
        message.set(INTENT, {"name": forced, "confidence": confidence}, add_to_output=True)
        message.set(INTENT_RANKING_KEY, [{"name": forced, "confidence": confidence}] + rest, add_to_output=True)


def _confidence_kept(forced: str, predicted: Optional[str], ranking: Ranking) -> float:
    """How sure the reading is after a relabelling: only the explicit phrases are certain. A crisis or danger
    guess set aside leaves the next guess as sure as the classifier was of it; a story relabelled (someone
    else's, paid, shared) is as sure as the guess it replaced."""
    of = {str(r.get("name")): float(r.get("confidence") or 0.0) for r in ranking}
    if predicted in ALWAYS:
        return of.get(forced, 0.0)
    return of.get(str(predicted), 0.0)
