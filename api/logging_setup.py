"""Structured JSON logs that never carry what a person wrote or who they are.

Three layers, because one slip here exposes a victim:
1. Our own log calls pass only whitelisted fields (`log_fields`), and conversation ids only as a keyed hash.
2. Libraries that log user text at debug level (Rasa, uvicorn's access log with ids in URLs) are capped or
   silenced, whatever LOG_LEVEL says.
3. A redaction filter replaces, in every record, the text and conversation id of the turn being handled
   (kept in a context variable), in case some library puts them in an error message.
"""
from __future__ import annotations

import contextvars
import datetime as _dt
import hashlib
import hmac
import json
import logging
import secrets
import sys
from contextlib import contextmanager
from typing import Any, Dict, Iterator, MutableMapping, Optional, Tuple

import structlog

# Per-process key: hashes correlate log lines within one run but cannot be reversed or joined across runs.
_HASH_KEY = secrets.token_bytes(32)
_FIELDS_ATTR = "kestrel_fields"
_REDACTED = "[redacted]"

# Strings that must not reach any log line while the current turn is being handled.
_sensitive: contextvars.ContextVar[Tuple[str, ...]] = contextvars.ContextVar("kestrel_sensitive", default=())

# Only these keys of `log_fields(...)` are ever written; anything else is dropped.
SAFE_FIELDS = frozenset(
    {
        "route", "method", "status", "duration_ms", "conv", "channel", "event", "count", "model",
        "seconds", "reason", "limit", "pending", "error_type", "origin_allowed",
    }
)

# Libraries whose records below WARNING may contain user text or ids: never let them be more verbose.
_CAPPED_LOGGERS = (
    "rasa", "rasa_sdk", "socketio", "engineio", "apscheduler", "tensorflow", "absl",
    # HTTP clients log full URLs, which can carry ids or (for Telegram, issue 5) bot tokens.
    "httpx", "httpcore", "aiohttp",
)


def conv_hash(conversation_id: str) -> str:
    """A short keyed hash of a conversation id, for correlating log lines without storing the id."""
    return hmac.new(_HASH_KEY, conversation_id.encode("utf-8", "surrogatepass"), hashlib.sha256).hexdigest()[:12]


def log_fields(**fields: Any) -> Dict[str, Any]:
    """`extra=` for a log call: fields travel under one attribute so the formatter can whitelist them."""
    return {_FIELDS_ATTR: fields}


@contextmanager
def sensitive(*values: Optional[str]) -> Iterator[None]:
    """Mark strings (user text, ids) that the redaction filter must scrub for the duration of a block."""
    extra = tuple(v for v in values if v and len(v) >= 3)  # shorter strings would redact ordinary words
    token = _sensitive.set(_sensitive.get() + extra)
    try:
        yield
    finally:
        _sensitive.reset(token)


def _redact(text: str) -> str:
    for value in _sensitive.get():
        if value in text:
            text = text.replace(value, _REDACTED)
    return text


class RedactingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if _sensitive.get():
            # Freeze the message so later formatting cannot reintroduce the arguments.
            record.msg = _redact(record.getMessage())
            record.args = None
            if record.exc_info and not record.exc_text:
                record.exc_text = logging.Formatter().formatException(record.exc_info)
            if record.exc_text:
                record.exc_text = _redact(record.exc_text)
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: Dict[str, Any] = {
            "ts": _dt.datetime.fromtimestamp(record.created, _dt.timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        fields = getattr(record, _FIELDS_ATTR, None)
        if isinstance(fields, dict):
            entry.update({k: v for k, v in fields.items() if k in SAFE_FIELDS})
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["exc"] = record.exc_text
        return json.dumps(entry, ensure_ascii=False, default=str)


class UvicornLifecycleOnly(logging.Filter):
    """Below WARNING, keep only uvicorn's start/stop lines: its per-connection lines ("WebSocket ...
    [accepted]", "connection open") carry the client's IP address and port, which identify a person."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno >= logging.WARNING:
            return True
        path = record.pathname.replace("\\", "/")
        return "/uvicorn/" in path and "/uvicorn/protocols/" not in path


def _structlog_to_stdlib() -> None:
    """Rasa 3.6 logs some events through structlog with user text as keyword arguments
    (e.g. `rest.message.received.failure text=...`). Route structlog into stdlib logging and keep only
    the event name: the keyword arguments are dropped, not formatted."""

    def keep_event_only(_logger: Any, _name: str, event_dict: MutableMapping[str, Any]) -> str:
        return str(event_dict.get("event", ""))

    structlog.configure(
        processors=[structlog.stdlib.filter_by_level, keep_event_only],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=False,
    )


def setup_logging(level: str = "INFO", stream: Any = None) -> None:
    """Install the JSON handler on the root logger (idempotent: safe to call once per app)."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "_kestrel", False):
            root.removeHandler(handler)
    handler = logging.StreamHandler(stream or sys.stderr)
    handler._kestrel = True  # type: ignore[attr-defined]
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RedactingFilter())
    root.addHandler(handler)
    root.setLevel(level)

    numeric = logging.getLevelName(level)
    for name in _CAPPED_LOGGERS:
        logging.getLogger(name).setLevel(max(numeric, logging.WARNING))

    # uvicorn's access log prints request paths, which contain conversation ids. Our middleware writes
    # its own access line with the route template instead.
    access = logging.getLogger("uvicorn.access")
    access.handlers.clear()
    access.propagate = False
    access.disabled = True
    # uvicorn's error logger (start-up, tracebacks) goes through our JSON handler like everything else.
    for name in ("uvicorn", "uvicorn.error"):
        named = logging.getLogger(name)
        named.handlers.clear()
        named.propagate = True
        for old in [f for f in named.filters if isinstance(f, UvicornLifecycleOnly)]:
            named.removeFilter(old)
        named.addFilter(UvicornLifecycleOnly())

    _structlog_to_stdlib()
