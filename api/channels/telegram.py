"""Telegram: `POST /webhooks/telegram`, replies through the Bot API.

Telegram does not sign updates; it sends back the `secret_token` given to `setWebhook` in the
X-Telegram-Bot-Api-Secret-Token header (`python -m api.channels telegram-webhook` registers it). Without
that header nobody can tell a forged update from a real one, so a request without it is refused.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Tuple

import httpx
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from api.channels.base import CHOOSE_PROMPT, Channel, Inbound, Reply
from api.channels.platform import DeliveryFailed, constant_time_equal, platform_json, post, rejected
from api.channels.runtime import ChannelRuntime
from api.channels.text import max_chars, split_text, to_plain, to_telegram_html
from api.settings import Settings

PATH = "/webhooks/telegram"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
CALLBACK_DATA_BYTES = 64
TEXT_LIMIT = 4096
ALLOWED_UPDATES = ["message", "callback_query"]
# Everyone's first message is /start (with a deep-link parameter, or @botname in groups).
_START = re.compile(r"/start(@\w+)?(\s.*)?", re.S)
START_PAYLOAD = "/greet"


# The settings (environment variables) that switch this channel on: all of them are needed.
REQUIRED = ("telegram_bot_token", "telegram_webhook_secret")


def _api(settings: Settings) -> str:
    assert settings.telegram_bot_token is not None
    return f"{settings.telegram_api_base}/bot{settings.telegram_bot_token.get_secret_value()}"


@dataclass(frozen=True)
class Address:
    chat_id: int
    callback_query_id: Optional[str] = None


def parse_update(update: Dict[str, Any]) -> Optional[Tuple[str, Inbound, Optional[float]]]:
    """(delivery id, message, sent at) for a message or button press in a private chat; None for
    anything else (groups, edits, joins), which is acknowledged and ignored. Raises on a malformed update."""
    update_id = update["update_id"]
    if not isinstance(update_id, int):
        raise ValueError("update_id")
    if isinstance(update.get("message"), dict):
        message = update["message"]
        chat = message["chat"]
        if chat.get("type") != "private":
            return None
        text = message.get("text")
        if not isinstance(text, str):
            text = None  # a photo, sticker, voice note...
        elif _START.fullmatch(text.strip()):
            text = START_PAYLOAD
        date = message.get("date")
        inbound = Inbound(user=str(chat["id"]), text=text, address=Address(int(chat["id"])))
        return str(update_id), inbound, float(date) if isinstance(date, (int, float)) else None
    if isinstance(update.get("callback_query"), dict):
        query = update["callback_query"]
        chat = (query.get("message") or {}).get("chat") or {"id": query["from"]["id"], "type": "private"}
        if chat.get("type") != "private":
            return None
        data = query.get("data")
        inbound = Inbound(
            user=str(chat["id"]),
            button=data if isinstance(data, str) else None,
            address=Address(int(chat["id"]), str(query["id"])),
        )
        return str(update_id), inbound, None
    return None


class TelegramChannel(Channel):
    name = "telegram"

    def __init__(self, runtime: ChannelRuntime) -> None:
        super().__init__(runtime)
        self.api = _api(runtime.settings)

    async def call(self, http: httpx.AsyncClient, method: str, body: Dict[str, Any]) -> None:
        await post(http, f"{self.api}/{method}", json=body)

    async def before_turn(self, http: httpx.AsyncClient, inbound: Inbound) -> None:
        # Until this is answered the person sees the button spinning.
        if inbound.address.callback_query_id:
            try:
                await self.call(http, "answerCallbackQuery", {"callback_query_id": inbound.address.callback_query_id})
            except DeliveryFailed:
                pass  # e.g. "query is too old" after a redelivery: the press itself still counts

    async def deliver(self, http: httpx.AsyncClient, inbound: Inbound, conversation_id: str,
                      replies: List[Reply]) -> None:
        for reply in replies:
            buttons = reply.get("buttons") or []
            # The limit counts the text after HTML parsing; measuring before escaping, with a margin, is safe.
            chunks = split_text(reply.get("text") or "", max_chars(TEXT_LIMIT - 96))
            if not chunks:
                if not buttons:
                    continue
                chunks = [CHOOSE_PROMPT]
            for number, chunk in enumerate(chunks, 1):
                body: Dict[str, Any] = {
                    "chat_id": inbound.address.chat_id,
                    "text": to_telegram_html(chunk),
                    "parse_mode": "HTML",
                    "link_preview_options": {"is_disabled": True},
                }
                if buttons and number == len(chunks):
                    refs = await self.runtime.menus.references(
                        conversation_id, [b["payload"] for b in buttons], CALLBACK_DATA_BYTES
                    )
                    body["reply_markup"] = {
                        "inline_keyboard": [
                            [{"text": to_plain(b["title"]), "callback_data": ref}] for b, ref in zip(buttons, refs)
                        ]
                    }
                await self._send(http, body, chunk)

    async def _send(self, http: httpx.AsyncClient, body: Dict[str, Any], plain: str) -> None:
        try:
            await self.call(http, "sendMessage", body)
        except DeliveryFailed as e:
            if e.status != 400:
                raise
            # Telegram refused the HTML (it should not happen: everything is escaped). Say it plainly.
            body = {k: v for k, v in body.items() if k != "parse_mode"}
            await self.call(http, "sendMessage", {**body, "text": to_plain(plain)})


def build_router(runtime: ChannelRuntime) -> APIRouter:
    settings = runtime.settings
    assert settings.telegram_webhook_secret is not None
    secret = settings.telegram_webhook_secret.get_secret_value()
    channel = TelegramChannel(runtime)
    router = APIRouter(tags=["messaging channels"])

    @router.post(
        PATH,
        summary="Telegram webhook",
        description=f"Telegram Bot API updates. Requires the `{SECRET_HEADER}` header given to setWebhook "
        "(401 without it, 403 if wrong). Answered at once; the replies go out through sendMessage.",
        responses={401: {"description": "No secret token"}, 403: {"description": "Wrong secret token"}},
    )
    async def telegram_webhook(request: Request) -> Response:
        supplied = request.headers.get(SECRET_HEADER)
        if supplied is None:
            return rejected(channel.name, 401, "missing_signature")
        if not constant_time_equal(supplied, secret):
            return rejected(channel.name, 403, "bad_signature")
        try:
            update = platform_json(await request.body())
            parsed = parse_update(update)
        except (ValueError, KeyError, TypeError, AttributeError):
            return JSONResponse({"detail": "Malformed update."}, status_code=400)
        if parsed is None:
            return JSONResponse({})
        if not runtime.ready:
            # Not acknowledged: Telegram delivers it again later, when the model has loaded.
            return JSONResponse({"detail": "Starting up."}, status_code=503, headers={"Retry-After": "30"})
        delivery_id, inbound, sent_at = parsed
        if await runtime.accept(channel, delivery_id, inbound, sent_at) == "full":
            return JSONResponse({"detail": "Busy."}, status_code=503, headers={"Retry-After": "10"})
        return JSONResponse({})

    return router


async def set_webhook(settings: Settings, drop_pending_updates: bool = False) -> Dict[str, Any]:
    """Register `PUBLIC_BASE_URL/webhooks/telegram` with the secret token. Returns Telegram's answer."""
    assert settings.telegram_webhook_secret is not None and settings.public_base_url
    body = {
        "url": f"{settings.public_base_url}{PATH}",
        "secret_token": settings.telegram_webhook_secret.get_secret_value(),
        "allowed_updates": ALLOWED_UPDATES,
        "drop_pending_updates": drop_pending_updates,
    }
    async with httpx.AsyncClient(timeout=30) as http:
        response = await http.post(f"{_api(settings)}/setWebhook", json=body)
    return _answer(response)


async def webhook_info(settings: Settings) -> Dict[str, Any]:
    async with httpx.AsyncClient(timeout=30) as http:
        response = await http.post(f"{_api(settings)}/getWebhookInfo")
    return _answer(response)


def _answer(response: httpx.Response) -> Dict[str, Any]:
    try:
        answer = response.json()
    except ValueError:
        answer = None
    if not isinstance(answer, dict):
        return {"ok": False, "description": f"HTTP {response.status_code}"}
    return answer
