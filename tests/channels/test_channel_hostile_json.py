"""Correctly signed webhooks whose JSON Python can parse but the service cannot use (nesting deeper than
the parser's recursion limit, the non-standard Infinity/NaN constants) are refused with 400, never 500:
Telegram and Meta redeliver a 5xx again and again, so a 500 would turn one bad update into a loop."""
from __future__ import annotations

import json
import secrets

import pytest
from channel_fakes import TELEGRAM_SECRET, meta_signature, telegram_message, whatsapp_text

pytestmark = pytest.mark.asyncio(loop_scope="session")

DEPTH = 20_000  # far past Python's recursion limit, well under the 64 KiB body limit


def nested(around: dict, key_path: tuple) -> bytes:
    """`around` as JSON with the value at `key_path` replaced by DEPTH nested lists."""
    marker = "__NESTED__"
    target = around
    for key in key_path[:-1]:
        target = target[key]
    target[key_path[-1]] = marker
    return json.dumps(around).replace(f'"{marker}"', "[" * DEPTH + "]" * DEPTH).encode()


def with_constant(around: dict, key_path: tuple, constant: str) -> bytes:
    marker = "__CONSTANT__"
    target = around
    for key in key_path[:-1]:
        target = target[key]
    target[key_path[-1]] = marker
    return json.dumps(around).replace(f'"{marker}"', constant).encode()


def telegram_bodies() -> list:
    chat = 10**9 + secrets.randbelow(10**9)
    return [
        nested(telegram_message(chat, "hello"), ("message", "text")),
        with_constant(telegram_message(chat, "hello"), ("update_id",), "Infinity"),
        with_constant(telegram_message(chat, "hello"), ("message", "date"), "-Infinity"),
        with_constant(telegram_message(chat, "hello"), ("message", "chat", "id"), "NaN"),
    ]


def whatsapp_bodies() -> list:
    wa_id = "4477" + "".join(secrets.choice("0123456789") for _ in range(8))
    message = lambda: whatsapp_text(wa_id, "hello", "wamid." + secrets.token_urlsafe(12))  # noqa: E731
    return [
        nested(message(), ("entry",)),
        with_constant(message(), ("entry", 0, "changes", 0, "value", "messages", 0, "timestamp"), "Infinity"),
        with_constant(message(), ("entry", 0, "changes", 0, "value", "messages", 0, "from"), "NaN"),
    ]


@pytest.mark.parametrize("index", range(4), ids=["nested", "infinity", "minus-infinity", "nan"])
async def test_telegram_hostile_json_is_400(client, index):
    body = telegram_bodies()[index]
    response = await client.post("/webhooks/telegram", content=body, headers={
        "Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET})
    assert response.status_code == 400


@pytest.mark.parametrize("index", range(3), ids=["nested", "infinity", "nan"])
async def test_whatsapp_hostile_json_is_400(client, index):
    body = whatsapp_bodies()[index]
    response = await client.post("/webhooks/whatsapp", content=body, headers={
        "Content-Type": "application/json", "X-Hub-Signature-256": meta_signature(body)})
    assert response.status_code == 400
