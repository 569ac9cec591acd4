"""What the buttons a messaging conversation was last shown stand for, kept where every process sees them.

Telegram's callback_data (64 bytes) and WhatsApp's button ids carry the payload itself when it fits; a
longer one travels as a short random token (`~…`) mapped back here. SMS has no buttons, so options are
numbered ("Reply 1 for Under 18") and a reply "1" is looked up here. With several workers or replicas
the answer may reach a process that did not offer the options, so the menu is kept in the conversation
store (api/store/): with Redis one key per conversation that expires with it, in memory this process's.
Only the payloads the assistant offered are stored, never anything a person wrote.

Payloads are checked against the payload pattern whatever their route, so a crafted callback can do no
more than typing `/intent` could. A menu that cannot be saved never holds up a reply (the crisis reply
most of all): the reply goes out, and an answer to it is read as text or gets the "expired" notice.
"""
from __future__ import annotations

import json
import logging
import re
import secrets
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional, Sequence

from api.logging_setup import log_fields
from api.store.base import ValueStore
from api.text_input import PAYLOAD_PATTERN

logger = logging.getLogger("api.channels")

TOKENS_PER_CONVERSATION = 64

_PAYLOAD_RE = re.compile(PAYLOAD_PATTERN)


@dataclass
class Menu:
    numbered: List[str] = field(default_factory=list)
    tokens: Dict[str, str] = field(default_factory=dict)

    def to_json(self) -> str:
        return json.dumps({"numbered": self.numbered, "tokens": self.tokens}, separators=(",", ":"))

    @classmethod
    def from_json(cls, raw: str) -> "Menu":
        data = json.loads(raw)
        return cls(list(data.get("numbered", [])), dict(data.get("tokens", {})))


class Menus:
    TOKEN_PREFIX = "~"

    def __init__(self, store: ValueStore) -> None:
        self._store = store

    async def _menu(self, conversation_id: str) -> Menu:
        raw = await self._store.get(conversation_id)
        return Menu.from_json(raw) if raw is not None else Menu()

    async def _save(self, conversation_id: str, change: Callable[[Menu], None]) -> None:
        try:
            menu = await self._menu(conversation_id)
            change(menu)
            await self._store.set(conversation_id, menu.to_json())
        except Exception as e:  # noqa: BLE001 - the reply must go out whatever happened to its menu
            logger.warning("channel menu not saved", extra=log_fields(error_type=type(e).__name__))

    async def references(self, conversation_id: str, payloads: Sequence[str], max_bytes: int) -> List[str]:
        refs: List[str] = []
        tokens: Dict[str, str] = {}
        for payload in payloads:
            if len(payload.encode("utf-8")) <= max_bytes and not payload.startswith(self.TOKEN_PREFIX):
                refs.append(payload)
                continue
            token = self.TOKEN_PREFIX + secrets.token_urlsafe(9)
            tokens[token] = payload
            refs.append(token)

        def add(menu: Menu) -> None:
            menu.tokens.update(tokens)
            while len(menu.tokens) > TOKENS_PER_CONVERSATION:
                menu.tokens.pop(next(iter(menu.tokens)))

        if tokens:
            await self._save(conversation_id, add)
        return refs

    async def number(self, conversation_id: str, payloads: Sequence[str]) -> None:
        """The options just offered as "Reply 1 for …" (an empty list clears them)."""

        def replace(menu: Menu) -> None:
            menu.numbered = list(payloads)

        await self._save(conversation_id, replace)

    async def resolve(self, conversation_id: str, reference: str) -> Optional[str]:
        """The payload a button reference stands for; None if the token is unknown or expired, or the
        reference is not a payload at all. Store errors are raised (the turn answers "busy")."""
        if reference.startswith(self.TOKEN_PREFIX):
            payload = (await self._menu(conversation_id)).tokens.get(reference)
        else:
            payload = reference
        return payload if payload is not None and _PAYLOAD_RE.fullmatch(payload) else None

    async def chosen(self, conversation_id: str, number: Optional[int]) -> Optional[str]:
        """The payload of option `number`, if one was offered. Store errors are raised."""
        if number is None:
            return None  # no store call for ordinary text
        numbered = (await self._menu(conversation_id)).numbered
        if not 1 <= number <= len(numbered):
            return None
        return numbered[number - 1]
