"""Cleaning of what people type, shared by every channel.

Any UTF-8 is welcome (emoji, Arabic, Hebrew and the direction marks they use), but control characters are
stripped: they carry no meaning for the assistant and can corrupt logs or terminals downstream. Lone
surrogates (which JSON's \\ud800 escapes can produce) are stripped too, since they cannot be encoded back
to UTF-8 and would otherwise turn a bad request into a server error.
"""
from __future__ import annotations

import json
import re
import unicodedata
from typing import Any, Dict, Optional

_KEEP = {"\n", "\t"}
_STRIP_CATEGORIES = {"Cc", "Cs"}

# Written so that Python's `re` and the ECMA regexes of JSON Schema read them the same way: the OpenAPI
# schema then states exactly what the service accepts, and generated clients/tests agree with it.
_WHITESPACE = r"\t\n\v\f\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
_CONTROLS = r"\x00-\x1f\x7f-\x9f"
# At least one character that is neither whitespace nor a control character (JSON Schema `pattern`
# matches anywhere in the string).
MEANINGFUL_PATTERN = f"[^{_WHITESPACE}{_CONTROLS}]"
_MEANINGFUL_RE = re.compile(MEANINGFUL_PATTERN)
# A Rasa intent payload, as sent by buttons: /intent or /intent{"entity": "value"}.
PAYLOAD_PATTERN = r"^/[A-Za-z_][A-Za-z0-9_.\-]*(\{[^\x00-\x1f\x7f\u2028\u2029]*\})?$"
_PAYLOAD_RE = re.compile(PAYLOAD_PATTERN)

MAX_METADATA_BYTES = 4096
MAX_SENDER_CHARS = 128


def strip_controls(value: str) -> str:
    return "".join(ch for ch in value if ch in _KEEP or unicodedata.category(ch) not in _STRIP_CATEGORIES)


def _check_length(value: str, max_chars: int, field: str) -> None:
    # Measured on what was sent, as the schema's maxLength is.
    if len(value) > max_chars:
        raise ValueError(f"{field} is too long: the limit is {max_chars} characters (got {len(value)})")


def is_blank(value: str) -> bool:
    """Nothing left to read once control characters and whitespace are set aside."""
    return not _MEANINGFUL_RE.search(strip_controls(value))


def clean_message(value: str, max_chars: int, field: str = "text") -> str:
    """Refuse over-long or empty text; strip control characters from the rest."""
    _check_length(value, max_chars, field)
    cleaned = strip_controls(value)
    if not _MEANINGFUL_RE.search(cleaned):
        raise ValueError(f"{field} must not be empty or only whitespace")
    return cleaned


def check_payload(value: str, max_chars: int) -> str:
    """Payloads come from buttons, not keyboards: taken exactly as sent, or refused."""
    _check_length(value, max_chars, "payload")
    if not _PAYLOAD_RE.fullmatch(value):
        raise ValueError('payload must look like /intent or /intent{"entity": "value"}')
    return value


def check_sender(value: str) -> str:
    _check_length(value, MAX_SENDER_CHARS, "sender")
    cleaned = strip_controls(value)
    if not _MEANINGFUL_RE.search(cleaned):
        raise ValueError("sender must not be empty")
    return cleaned


def check_metadata(value: Optional[Dict[str, Any]]) -> Optional[Dict[str, Any]]:
    if value is None:
        return None
    try:
        size = len(json.dumps(value, ensure_ascii=False).encode("utf-8", "strict"))
    except (TypeError, ValueError, UnicodeEncodeError):
        raise ValueError("metadata must be plain JSON") from None
    if size > MAX_METADATA_BYTES:
        raise ValueError(f"metadata is too large: the limit is {MAX_METADATA_BYTES} bytes")
    return value
