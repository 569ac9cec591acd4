"""Turn what people say about age ("im 15", "fifteen", "over 18") into an age group."""
from __future__ import annotations

import re
from typing import Optional

UNDER_18 = "under18"
ADULT = "adult"
UNKNOWN = "unknown"
AGE_GROUPS = (UNDER_18, ADULT, UNKNOWN)

_WORDS = {
    "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
    "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20,
}
_UNDER = re.compile(
    r"\b(under|below|less than)\s*(18|eighteen)\b|\bu18\b|\b(kid|child|minor|teen(ager)?)\b"
    # "not even 18 yet", "nearly 18", "i turn 18 next month": still under 18.
    r"|\bnot (even )?(18|eighteen)\b|\b(nearly|almost|not quite)\s*(18|eighteen)\b"
    r"|\b(turn|turning)\s*(18|eighteen)\b|\bunder ?age\b"
)
_OVER = re.compile(r"\b(over|above)\s*(18|eighteen)\b|\b18\s*\+|\b(adult|grown ?up)\b")
_NUMBER = re.compile(r"(?<![\d£$€.,])\b(\d{1,2})\b(?![\d,.]*\s*(?:quid|pounds|dollars|k\b))")


def age_group_from_text(text: Optional[str]) -> Optional[str]:
    """The age group a message states, or None when it states none."""
    if not text:
        return None
    lowered = text.lower()
    if _UNDER.search(lowered):
        return UNDER_18
    if _OVER.search(lowered):
        return ADULT
    for word, value in _WORDS.items():
        if re.search(rf"\b{word}\b", lowered):
            return group_for_years(value)
    match = _NUMBER.search(lowered)
    if match:
        return group_for_years(int(match.group(1)))
    return None


def group_for_years(years: int) -> Optional[str]:
    if years < 5 or years > 99:
        return None
    return UNDER_18 if years < 18 else ADULT
