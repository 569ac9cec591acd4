"""What every messaging channel hands over and implements: `Inbound` messages in, `Channel.deliver` for
replies out, and the notices a person reads when a message cannot be answered normally.

Each platform module only verifies its webhook, parses its format into `Inbound` messages and renders the
assistant's replies; ids, the seen-set, menus and running turns are shared (api/channels/runtime.py).
"""
from __future__ import annotations

import abc
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Dict, List, Optional

import httpx

if TYPE_CHECKING:
    from api.channels.runtime import ChannelRuntime

# What a person reads when their message cannot be answered normally. Plain words, no markup.
NOTICES = {
    "not_text": "Sorry, I can only read text messages. Please type what's happening in your own words.",
    "too_long": "That message is too long for me. Could you say it in fewer words?",
    "expired_button": "Sorry, that button has expired. Please type your answer instead.",
    "rate_limited": "You're sending messages faster than I can read them. Please wait a moment, then try again.",
    "busy": "Sorry, I'm very busy right now. Please send your message again in a minute.",
    "not_ready": "Sorry, I'm just starting up. Please send your message again in a minute.",
}
CHOOSE_PROMPT = "Choose one:"
NOTICE_KEY = "kestrel_notice"  # marks a reply that is a notice, not the assistant's turn


@dataclass(frozen=True)
class Inbound:
    """One message from a person, as every channel hands it over.

    `user` is the platform's user id (a phone number!): used to derive the conversation id and to address
    the reply, never stored or logged. `address` holds whatever else the reply needs (chat id, the
    number the message was sent to, a callback id), equally transient.
    """

    user: str
    text: Optional[str] = None
    button: Optional[str] = None  # a button reference (callback data, reply id) to map back to a payload
    address: Any = None


Reply = Dict[str, Any]  # Rasa's shape: {"text": ..., "buttons": [{"title", "payload"}]}


def notice(kind: str) -> List[Reply]:
    return [{"text": NOTICES[kind], NOTICE_KEY: True}]


def is_notice(replies: List[Reply]) -> bool:
    return any(reply.get(NOTICE_KEY) for reply in replies)


class Channel(abc.ABC):
    name: str

    def __init__(self, runtime: "ChannelRuntime") -> None:
        self.runtime = runtime

    async def before_turn(self, http: httpx.AsyncClient, inbound: Inbound) -> None:
        """Platform housekeeping due at once (Telegram's answerCallbackQuery)."""

    @abc.abstractmethod
    async def deliver(self, http: httpx.AsyncClient, inbound: Inbound, conversation_id: str,
                      replies: List[Reply]) -> None:
        """Send the replies, in order, in the platform's shape."""
