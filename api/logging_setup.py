"""Structured JSON logs that never carry what a person wrote or who they are.

Four layers, because one slip here exposes a victim:
1. Our own log calls pass only whitelisted fields (`log_fields`), and conversation ids only as a keyed hash.
2. Libraries that log user text at debug level (Rasa, uvicorn's access log with ids in URLs) are capped or
   silenced, whatever LOG_LEVEL says.
3. A redaction filter replaces, in every record, the text and conversation id of the turn being handled
   (kept in a context variable), in case some library puts them in an error message.
4. Python warnings are logged by category and source line only: Rasa quotes a whole message that starts with
   "/" in a UserWarning, and by default warnings are printed straight to stderr, past all of the above.

Every record is kept, however often it repeats: a flood of rejected requests is exactly what an operator
needs to see, so Rasa's RepeatedLogFilter is never allowed onto the service's handler.
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
import warnings
from contextlib import contextmanager
from typing import Any, Dict, Iterator, MutableMapping, Optional, TextIO, Tuple, Type, Union

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
        "seconds", "reason", "limit", "pending", "error_type", "origin_allowed", "source",
    }
)

# Libraries whose records below WARNING may contain user text or ids: never let them be more verbose.
_CAPPED_LOGGERS = (
    "rasa", "rasa_sdk", "socketio", "engineio", "apscheduler", "tensorflow", "absl",
    # HTTP clients log full URLs, which can carry ids or (for Telegram) bot tokens.
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


_WARNINGS_LOGGER = "py.warnings"


def _source(filename: str, lineno: int) -> str:
    """Where a warning was raised, without the install prefix (which says nothing useful)."""
    path = filename.replace("\\", "/")
    for marker in ("/site-packages/", "/dist-packages/"):
        if marker in path:
            path = path.rsplit(marker, 1)[1]
            break
    return f"{path}:{lineno}"


def _log_warning(
    message: Union[Warning, str],
    category: Type[Warning],
    filename: str,
    lineno: int,
    file: Optional[TextIO] = None,
    line: Optional[str] = None,
) -> None:
    """Replacement for warnings.showwarning. The message is left out: it can quote what a person typed
    (Rasa's "Failed to parse arguments in line '<the whole message>'"), and redaction only knows the text
    of the turn in progress. Category and source line are enough to find the warning and reproduce it."""
    logging.getLogger(_WARNINGS_LOGGER).warning(
        "python warning (text withheld)",
        extra=log_fields(error_type=category.__name__, source=_source(filename, lineno)),
    )


class WithholdWarningText(logging.Filter):
    """Warnings that reach logging some other way (logging.captureWarnings, by another library) carry
    the formatted warning text: withhold it there too."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name == _WARNINGS_LOGGER and not isinstance(getattr(record, _FIELDS_ATTR, None), dict):
            record.msg = "python warning (text withheld)"
            record.args = None
        return True


def _drops_records(log_filter: Any) -> bool:
    # Matched by name: importing rasa here would load TensorFlow before the model does.
    return type(log_filter).__name__ == "RepeatedLogFilter"


class ServiceHandler(logging.StreamHandler):
    """The JSON handler. Rasa's configure_logging_and_warnings (run when the model loads) adds a
    RepeatedLogFilter to every root handler, which drops a record identical to the one before: all but
    the first of a run of 401s, 404s or 429s, which share one message and differ only in fields."""

    _kestrel = True

    def addFilter(self, filter: Any) -> None:
        if not _drops_records(filter):
            super().addFilter(filter)


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
    handler = ServiceHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(WithholdWarningText())
    handler.addFilter(RedactingFilter())
    root.addHandler(handler)
    root.setLevel(level)
    warnings.showwarning = _log_warning

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
