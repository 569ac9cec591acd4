"""What the buttons a messaging conversation was last shown stand for, kept where every process sees them.

Telegram's callback_data (64 bytes) and WhatsApp's button ids carry the payload itself when it fits; a
longer one travels as a short random token (`~…`) mapped back here. SMS has no buttons, so options are
numbered ("Reply 1 for Under 18") and a reply "1" is looked up here. With several workers or replicas
the answer may reach a process that did not offer the options, so with Redis the menu lives there
(`RedisMenuStore`), one key per conversation that expires with it; in memory it is this process's
(`MemoryMenuStore`). Only the payloads the assistant offered are stored, never anything a person wrote.

Payloads are checked against the payload pattern whatever their route, so a crafted callback can do no
more than typing `/intent` could. A menu that cannot be saved never holds up a reply (the crisis reply
most of all): the reply goes out, and an answer to it is read as text or gets the "expired" notice.
"""
from __future__ import annotations

import asyncio
import json
import logging
import math
import re
import secrets
from contextlib import nullcontext
from dataclasses import dataclass, field
from typing import Any, Callable, ContextManager, Dict, List, Optional, Protocol, Sequence

from cachetools import TTLCache

from api.logging_setup import log_fields
from api.text_input import PAYLOAD_PATTERN

logger = logging.getLogger("api.channels")

MENUS_MAX_ENTRIES = 50_000
TOKENS_PER_CONVERSATION = 64
KEY_PREFIX = "kestrel:menu:"

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


class MenuStore(Protocol):
    # True when a call may wait on the network, so it is made off the server's event loop.
    blocking: bool

    def get(self, conversation_id: str) -> Optional[Menu]: ...

    def set(self, conversation_id: str, menu: Menu) -> None: ...


class MemoryMenuStore:
    """This process's menus, each expiring `ttl` seconds after it was last set (the conversation's
    retention), at most `max_entries` of them."""

    blocking = False

    def __init__(self, ttl: float, max_entries: int = MENUS_MAX_ENTRIES, timer: Optional[Callable[[], float]] = None) -> None:
        self._cache: "TTLCache[str, str]" = (
            TTLCache(max_entries, ttl, timer=timer) if timer else TTLCache(max_entries, ttl)
        )

    def get(self, conversation_id: str) -> Optional[Menu]:
        raw = self._cache.get(conversation_id)
        return Menu.from_json(raw) if raw is not None else None  # a copy: callers change what they get

    def set(self, conversation_id: str, menu: Menu) -> None:
        self._cache[conversation_id] = menu.to_json()

    def __len__(self) -> int:
        self._cache.expire()
        return len(self._cache)


class RedisMenuStore:
    """Menus shared by every process: `kestrel:menu:<conversation id>`, expiring with the conversation.
    `guard` wraps each call (the assistant's: refuse at once while Redis is known down, any Redis error
    a StoreUnavailable)."""

    blocking = True

    def __init__(self, client: Any, ttl_seconds: float,
                 guard: Optional[Callable[[], ContextManager[Any]]] = None) -> None:
        self._red = client
        self.ttl_ms = max(1, int(math.ceil(ttl_seconds * 1000)))
        self._guard = guard or nullcontext

    def get(self, conversation_id: str) -> Optional[Menu]:
        with self._guard():
            raw = self._red.get(KEY_PREFIX + conversation_id)
        return Menu.from_json(raw) if raw is not None else None

    def set(self, conversation_id: str, menu: Menu) -> None:
        with self._guard():
            self._red.set(KEY_PREFIX + conversation_id, menu.to_json(), px=self.ttl_ms)


class Menus:
    TOKEN_PREFIX = "~"

    def __init__(self, store: MenuStore) -> None:
        self._store = store

    async def _call(self, method: Callable[..., Any], *args: Any) -> Any:
        if self._store.blocking:
            return await asyncio.to_thread(method, *args)
        return method(*args)

    async def _menu(self, conversation_id: str) -> Menu:
        return await self._call(self._store.get, conversation_id) or Menu()

    async def _save(self, conversation_id: str, change: Callable[[Menu], None]) -> None:
        try:
            menu = await self._menu(conversation_id)
            change(menu)
            await self._call(self._store.set, conversation_id, menu)
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
