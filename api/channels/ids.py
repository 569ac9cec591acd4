"""Conversation and delivery ids for the messaging channels, as keyed hashes of the platform's ids.

Privacy: a platform's user id (a Telegram chat id, a phone number) lives only in memory while its turn is
handled. The conversation is keyed by an HMAC of channel and user id, the seen-set by an HMAC of the
delivery id (a WhatsApp message id encodes the sender's number).
"""
from __future__ import annotations

import base64
import hashlib
import hmac


class ConversationIds:
    """Keyed hashes of platform ids. Without the key they cannot be reversed, even for phone numbers
    (which are few enough to enumerate); with a stable key the same person continues the same
    conversation after a restart and on any replica."""

    def __init__(self, secret: bytes) -> None:
        self._secret = secret

    def _mac(self, purpose: str, channel: str, value: str) -> bytes:
        message = "\x00".join((purpose, channel, value)).encode("utf-8", "surrogatepass")
        return hmac.new(self._secret, message, hashlib.sha256).digest()

    def conversation(self, channel: str, user_id: str) -> str:
        digest = base64.urlsafe_b64encode(self._mac("conversation", channel, user_id)).decode().rstrip("=")
        return f"{channel}-{digest}"

    def delivery(self, channel: str, delivery_id: str) -> str:
        return self._mac("delivery", channel, delivery_id).hex()[:32]
