"""WhatsApp through Meta's Cloud API: `GET /webhooks/whatsapp` (verify-token handshake) and
`POST /webhooks/whatsapp` (messages), replies through the Graph API messages endpoint.

Every POST is checked before anything reads it: X-Hub-Signature-256 must be the HMAC-SHA256 of the raw
body with the app secret, compared in constant time. Up to three buttons become interactive reply
buttons, more a list message; the platform's title limits (20 and 24 characters) shorten the titles
shown, never the payloads behind them.
"""
from __future__ import annotations

import hashlib
import hmac
import logging
from dataclasses import dataclass
from typing import Any, Dict, Iterator, List, Optional, Tuple

import httpx
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response

from api.channels.base import CHOOSE_PROMPT, Channel, Inbound, Reply
from api.channels.platform import constant_time_equal, platform_json, post, rejected
from api.channels.runtime import ChannelRuntime
from api.channels.text import max_chars, shorten, short_titles, split_text, to_plain, to_whatsapp
from api.logging_setup import log_fields

logger = logging.getLogger("api.channels")

PATH = "/webhooks/whatsapp"
SIGNATURE_HEADER = "X-Hub-Signature-256"
TEXT_LIMIT = 4096
BODY_LIMIT = 1024  # the body of an interactive message
MAX_REPLY_BUTTONS = 3
MAX_LIST_ROWS = 10
BUTTON_TITLE_CHARS = 20
BUTTON_ID_CHARS = 256
ROW_TITLE_CHARS = 24
ROW_DESCRIPTION_CHARS = 72
ROW_ID_CHARS = 200
LIST_BUTTON = "Choose one"
_IGNORED_TYPES = {"reaction", "system", "ephemeral"}


# The settings (environment variables) that switch this channel on: all of them are needed.
REQUIRED = ("whatsapp_access_token", "whatsapp_app_secret", "whatsapp_verify_token", "whatsapp_phone_number_id")


def signature_of(app_secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(app_secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class Address:
    wa_id: str


def parse_messages(payload: Dict[str, Any], phone_number_id: str) -> Iterator[Tuple[str, Inbound, Optional[float]]]:
    """(message id, message, sent at) for each message to our number; statuses, reactions and other
    numbers' messages are skipped."""
    for entry in payload.get("entry") or []:
        for change in (entry or {}).get("changes") or []:
            value = (change or {}).get("value") or {}
            if change.get("field") != "messages" or not isinstance(value, dict):
                continue
            if str((value.get("metadata") or {}).get("phone_number_id")) != phone_number_id:
                continue
            for message in value.get("messages") or []:
                parsed = _parse_message(message)
                if parsed is not None:
                    yield parsed


def _parse_message(message: Any) -> Optional[Tuple[str, Inbound, Optional[float]]]:
    if not isinstance(message, dict):
        return None
    message_id, sender, kind = message.get("id"), message.get("from"), message.get("type")
    if not isinstance(message_id, str) or not isinstance(sender, str) or kind in _IGNORED_TYPES:
        return None
    text: Optional[str] = None
    button: Optional[str] = None
    if kind == "text":
        text = (message.get("text") or {}).get("body")
    elif kind == "interactive":
        interactive = message.get("interactive") or {}
        reply = interactive.get("button_reply") or interactive.get("list_reply") or {}
        button = reply.get("id")
    elif kind == "button":  # a quick-reply button on a template message
        button = (message.get("button") or {}).get("payload")
    timestamp = message.get("timestamp")
    sent_at = float(timestamp) if isinstance(timestamp, str) and timestamp.isdigit() else None
    inbound = Inbound(
        user=sender,
        text=text if isinstance(text, str) else None,
        button=button if isinstance(button, str) else None,
        address=Address(sender),
    )
    return message_id, inbound, sent_at


class WhatsAppChannel(Channel):
    name = "whatsapp"

    def __init__(self, runtime: ChannelRuntime) -> None:
        super().__init__(runtime)
        s = runtime.settings
        assert s.whatsapp_access_token is not None
        self.url = f"{s.whatsapp_api_base}/{s.whatsapp_api_version}/{s.whatsapp_phone_number_id}/messages"
        self.headers = {"Authorization": f"Bearer {s.whatsapp_access_token.get_secret_value()}"}

    async def _send(self, http: httpx.AsyncClient, inbound: Inbound, message: Dict[str, Any]) -> None:
        body = {"messaging_product": "whatsapp", "recipient_type": "individual", "to": inbound.address.wa_id,
                **message}
        await post(http, self.url, json=body, headers=self.headers)

    async def deliver(self, http: httpx.AsyncClient, inbound: Inbound, conversation_id: str,
                      replies: List[Reply]) -> None:
        for reply in replies:
            text = to_whatsapp(reply.get("text") or "")
            buttons = (reply.get("buttons") or [])[:MAX_LIST_ROWS]
            if not buttons:
                for chunk in split_text(text, max_chars(TEXT_LIMIT)):
                    await self._send(http, inbound, {"type": "text", "text": {"body": chunk, "preview_url": False}})
                continue
            chunks = split_text(text, max_chars(BODY_LIMIT)) or [CHOOSE_PROMPT]
            for chunk in chunks[:-1]:
                await self._send(http, inbound, {"type": "text", "text": {"body": chunk, "preview_url": False}})
            interactive = await self._interactive(conversation_id, buttons)
            interactive["body"] = {"text": chunks[-1]}
            await self._send(http, inbound, {"type": "interactive", "interactive": interactive})

    async def _interactive(self, conversation_id: str, buttons: List[Dict[str, str]]) -> Dict[str, Any]:
        titles = [b["title"] for b in buttons]
        payloads = [b["payload"] for b in buttons]
        if len(buttons) <= MAX_REPLY_BUTTONS:
            refs = await self.runtime.menus.references(conversation_id, payloads, BUTTON_ID_CHARS)
            shown = short_titles(titles, BUTTON_TITLE_CHARS)
            return {
                "type": "button",
                "action": {
                    "buttons": [{"type": "reply", "reply": {"id": ref, "title": title}} for ref, title in zip(refs, shown)]
                },
            }
        refs = await self.runtime.menus.references(conversation_id, payloads, ROW_ID_CHARS)
        rows = []
        for ref, title, short in zip(refs, titles, short_titles(titles, ROW_TITLE_CHARS)):
            row = {"id": ref, "title": short}
            if short != to_plain(title):  # shortened: the whole title goes underneath
                row["description"] = shorten(title, ROW_DESCRIPTION_CHARS)
            rows.append(row)
        return {"type": "list", "action": {"button": LIST_BUTTON, "sections": [{"rows": rows}]}}


def build_router(runtime: ChannelRuntime) -> APIRouter:
    settings = runtime.settings
    assert settings.whatsapp_app_secret is not None and settings.whatsapp_verify_token is not None
    app_secret = settings.whatsapp_app_secret.get_secret_value()
    verify_token = settings.whatsapp_verify_token.get_secret_value()
    phone_number_id = str(settings.whatsapp_phone_number_id)
    channel = WhatsAppChannel(runtime)
    router = APIRouter(tags=["messaging channels"])

    @router.get(PATH, summary="WhatsApp webhook verification", response_class=PlainTextResponse,
                responses={403: {"description": "Wrong verify token"}})
    async def whatsapp_verify(request: Request) -> Response:
        params = request.query_params
        if params.get("hub.mode") == "subscribe" and constant_time_equal(params.get("hub.verify_token", ""),
                                                                         verify_token):
            return PlainTextResponse(params.get("hub.challenge", ""))
        return rejected(channel.name, 403, "bad_verify_token")

    @router.post(
        PATH,
        summary="WhatsApp Cloud API webhook",
        description=f"Meta's webhook notifications. `{SIGNATURE_HEADER}` must be the HMAC-SHA256 of the raw "
        "body with the app secret (401 without it, 403 if wrong). Answered at once; replies go out "
        "through the Graph API.",
        responses={401: {"description": "No signature"}, 403: {"description": "Wrong signature"}},
    )
    async def whatsapp_webhook(request: Request) -> Response:
        supplied = request.headers.get(SIGNATURE_HEADER)
        if supplied is None:
            return rejected(channel.name, 401, "missing_signature")
        raw = await request.body()
        if not constant_time_equal(supplied, signature_of(app_secret, raw)):
            return rejected(channel.name, 403, "bad_signature")
        try:
            payload = platform_json(raw)
            messages = list(parse_messages(payload, phone_number_id))
        except (ValueError, TypeError, AttributeError):
            logger.warning("channel message", extra=log_fields(channel=channel.name, event="malformed"))
            return JSONResponse({"detail": "Malformed notification."}, status_code=400)
        if messages and not runtime.ready:
            # Not acknowledged: Meta delivers it again later, when the model has loaded.
            return JSONResponse({"detail": "Starting up."}, status_code=503, headers={"Retry-After": "30"})
        outcomes = [await runtime.accept(channel, message_id, inbound, sent_at) for message_id, inbound, sent_at in messages]
        if "full" in outcomes:
            return JSONResponse({"detail": "Busy."}, status_code=503, headers={"Retry-After": "10"})
        return JSONResponse({})

    return router
