"""Talking to the platforms: webhook bodies read strictly, signatures compared in constant time, refused
requests logged without their content, and replies POSTed with a few retries."""
from __future__ import annotations

import asyncio
import hmac
import json
import logging
import math
from typing import Any, Optional

import httpx
from fastapi.responses import JSONResponse

from api.logging_setup import log_fields

logger = logging.getLogger("api.channels")

PLATFORM_TIMEOUT_SECONDS = 10.0
SEND_ATTEMPTS = 3


class DeliveryFailed(Exception):
    def __init__(self, status: Optional[int], reason: str) -> None:
        super().__init__(reason)
        self.status = status


async def post(http: httpx.AsyncClient, url: str, **kwargs: Any) -> httpx.Response:
    """POST with a few retries on network errors, 429 and 5xx. A retried timeout can duplicate a message;
    for a crisis reply a duplicate is far better than nothing."""
    last: Optional[BaseException] = None
    status: Optional[int] = None
    for attempt in range(SEND_ATTEMPTS):
        if attempt:
            await asyncio.sleep(0.5 * attempt)
        try:
            response = await http.post(url, **kwargs)
        except httpx.HTTPError as e:
            last = e
            continue
        status = response.status_code
        if status < 400:
            return response
        if status != 429 and status < 500:
            break
        retry_after = response.headers.get("retry-after", "")
        if retry_after.isdigit():
            await asyncio.sleep(min(float(retry_after), 5.0))
    raise DeliveryFailed(status, type(last).__name__ if last else f"http_{status}")


def rejected(channel: str, status: int, reason: str, detail: Optional[str] = None) -> JSONResponse:
    """A webhook request that failed authentication (or could not have come from the platform). Logged
    without anything from the request."""
    logger.warning("channel request rejected", extra=log_fields(channel=channel, status=status, reason=reason))
    if detail is None:
        detail = "Missing signature." if status == 401 else "Invalid signature."
    return JSONResponse({"detail": detail}, status_code=status)


def _no_constant(name: str) -> Any:
    raise ValueError(f"non-standard JSON constant {name}")


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):  # 1e999 is Infinity by another name
        raise ValueError("number out of range")
    return value


def platform_json(raw: bytes) -> Any:
    """A webhook body as JSON, refusing what the platforms never send: NaN/Infinity (which later fail to
    serialise) and nesting past the parser's recursion limit. Any refusal is a ValueError, so a signed but
    unusable body is a 400, never a 500 that the platform would keep redelivering."""
    try:
        return json.loads(raw, parse_constant=_no_constant, parse_float=_finite)
    except RecursionError:
        raise ValueError("JSON nested too deeply") from None


def constant_time_equal(supplied: str, expected: str) -> bool:
    return hmac.compare_digest(supplied.encode("utf-8", "surrogatepass"), expected.encode("utf-8"))
