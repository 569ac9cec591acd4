"""SMS and WhatsApp through Twilio: `POST /webhooks/twilio`, replies through the Messages API.

X-Twilio-Signature is an HMAC-SHA1 (keyed with the auth token) of the URL Twilio called plus the sorted
form parameters. Behind a proxy the URL this process sees is not that one, so it is rebuilt from
PUBLIC_BASE_URL. SMS has no buttons: options are numbered ("Reply 1 for …") and a numeric reply is
mapped back to the payload. Long replies are split into single SMS segments (TWILIO_SMS_MAX_SEGMENTS),
with phone numbers moved to the first one.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import List, Optional
from urllib.parse import parse_qsl
from xml.sax.saxutils import escape

import httpx
from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.datastructures import ImmutableMultiDict
from twilio.request_validator import RequestValidator

from api.channels.base import NOTICES, Channel, Inbound, Reply, is_notice
from api.channels.platform import post, rejected
from api.channels.runtime import ChannelRuntime
from api.channels.text import max_chars, numbered_options, sms_parts, split_text, to_sms, to_whatsapp

PATH = "/webhooks/twilio"
SIGNATURE_HEADER = "X-Twilio-Signature"
WHATSAPP_PREFIX = "whatsapp:"
WHATSAPP_BODY_LIMIT = 1600
TWIML = "application/xml"

# What Twilio's incoming-message webhook sends. The signature runs names and values together without
# separators, so a captured request can be re-sent with a boundary moved (`MessageSid=SM…NumMedia0` and
# no NumMedia) and still verify: parameters Twilio would never send are refused, and a delivery is
# remembered by its signature as well as its MessageSid.
ADDRESS = re.compile(r"(whatsapp:)?\+?[0-9]{3,15}")
FORMATS = {
    "MessageSid": re.compile(r"(SM|MM)[0-9a-f]{32}"),
    "NumMedia": re.compile(r"[0-9]{1,2}"),
    "NumSegments": re.compile(r"[0-9]{1,3}"),
    "From": ADDRESS,
    "To": ADDRESS,
}
SAME_AS_MESSAGE_SID = ("SmsSid", "SmsMessageSid")


# The settings (environment variables) that switch this channel on: all of them are needed.
REQUIRED = ("twilio_account_sid", "twilio_auth_token", "public_base_url")


def twiml(message: Optional[str] = None) -> Response:
    """An answer to Twilio: nothing (replies go out through the API), or one short message."""
    inner = f"<Message>{escape(message)}</Message>" if message else ""
    return Response(f'<?xml version="1.0" encoding="UTF-8"?><Response>{inner}</Response>', media_type=TWIML)


def unexpected(params: ImmutableMultiDict) -> bool:
    """Not a parameter set Twilio sends for an incoming message: each name once, ids and numbers in their
    own formats. Missing parameters are not judged here."""
    if any(len(params.getlist(name)) > 1 for name in params.keys()):
        return True
    if any(name in params and not pattern.fullmatch(params[name]) for name, pattern in FORMATS.items()):
        return True
    return any(params.get(name) not in (None, params.get("MessageSid")) for name in SAME_AS_MESSAGE_SID)


@dataclass(frozen=True)
class Address:
    user: str  # the person's number, "whatsapp:+44..." for WhatsApp
    ours: str  # the number they wrote to: the replies come from it


class TwilioChannel(Channel):
    name = "twilio"

    def __init__(self, runtime: ChannelRuntime) -> None:
        super().__init__(runtime)
        s = runtime.settings
        assert s.twilio_account_sid and s.twilio_auth_token is not None
        self.url = f"{s.twilio_api_base}/2010-04-01/Accounts/{s.twilio_account_sid}/Messages.json"
        self.auth = (s.twilio_account_sid, s.twilio_auth_token.get_secret_value())
        self.max_segments = s.twilio_sms_max_segments

    async def deliver(self, http: httpx.AsyncClient, inbound: Inbound, conversation_id: str,
                      replies: List[Reply]) -> None:
        address: Address = inbound.address
        whatsapp = address.user.startswith(WHATSAPP_PREFIX)
        offered: List[str] = []
        bodies: List[str] = []
        for reply in replies:
            text = reply.get("text") or ""
            buttons = reply.get("buttons") or []
            if buttons:
                options = numbered_options([b["title"] for b in buttons], start=len(offered) + 1)
                text = f"{text}\n{options}" if text else options
                offered += [b["payload"] for b in buttons]
            if whatsapp:
                bodies += split_text(to_whatsapp(text), max_chars(WHATSAPP_BODY_LIMIT))
            else:
                bodies += sms_parts(to_sms(text), self.max_segments)
        if not is_notice(replies):
            # Before sending, so a quick "1" finds the options; an answer without buttons clears them.
            await self.runtime.menus.number(conversation_id, offered)
        for body in bodies:  # one at a time, in order: SMS sent together may arrive in any order
            await post(http, self.url, data={"To": address.user, "From": address.ours, "Body": body}, auth=self.auth)


def build_router(runtime: ChannelRuntime) -> APIRouter:
    settings = runtime.settings
    assert settings.twilio_auth_token is not None
    validator = RequestValidator(settings.twilio_auth_token.get_secret_value())
    account_sid = settings.twilio_account_sid
    channel = TwilioChannel(runtime)
    router = APIRouter(tags=["messaging channels"])

    @router.post(
        PATH,
        summary="Twilio SMS / WhatsApp webhook",
        description=f"Twilio's incoming-message webhook (form-encoded). `{SIGNATURE_HEADER}` is checked against "
        "PUBLIC_BASE_URL + this path (401 without it, 403 if wrong). Answered at once with empty TwiML; "
        "replies go out through the Messages API.",
        response_class=Response,
        responses={200: {"content": {TWIML: {}}}, 401: {"description": "No signature"},
                   403: {"description": "Wrong signature"}},
    )
    async def twilio_webhook(request: Request) -> Response:
        supplied = request.headers.get(SIGNATURE_HEADER)
        if supplied is None:
            return rejected(channel.name, 401, "missing_signature")
        try:
            params = ImmutableMultiDict(parse_qsl((await request.body()).decode("utf-8"), keep_blank_values=True))
        except UnicodeDecodeError:
            return rejected(channel.name, 403, "bad_signature")
        query = request.url.query
        url = f"{settings.public_base_url}{request.url.path}" + (f"?{query}" if query else "")
        if not validator.validate(url, params, supplied):
            return rejected(channel.name, 403, "bad_signature")
        if params.get("AccountSid") != account_sid:
            return rejected(channel.name, 403, "wrong_account")
        if unexpected(params):
            return rejected(channel.name, 400, "unexpected_parameters", "Not a message Twilio sends.")
        sid, sender, ours = params.get("MessageSid"), params.get("From"), params.get("To")
        if not sid or not sender or not ours:
            return twiml()
        if not runtime.ready:
            # Twilio does not retry a failed webhook, so say so rather than leave the person waiting.
            return twiml(NOTICES["not_ready"])
        body = params.get("Body") or ""
        inbound = Inbound(user=sender, text=body if body.strip() else None, address=Address(sender, ours))
        if await runtime.accept(channel, sid, inbound, also_seen=("signature:" + supplied,)) == "full":
            return twiml(NOTICES["busy"])
        return twiml()

    return router
