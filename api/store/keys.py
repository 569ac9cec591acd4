"""Where everything lives in Redis: one Redis, under the `kestrel:` prefix.

| key | what | expiry |
|---|---|---|
| `kestrel:tracker:<id>` | the conversation (Rasa's tracker JSON), api/rasa/stores.py | RETENTION_MINUTES after the last save |
| `kestrel:conv:<id>` | the conversation exists (the registry, api/store/redis.py) | RETENTION_MINUTES after the last turn |
| `kestrel:lock:<id>` | the turn lock: one turn at a time per conversation, api/rasa/stores.py | 10 s unless renewed |
| `kestrel:active` | sorted set id -> expiry, only for the active-conversations metric | members pruned when read |
| `kestrel:replies:<id>` | hash: HMAC of an idempotency key -> the reply to that message (api/idempotency.py) | RETENTION_MINUTES after the last write |
| `kestrel:seen:<hmac>` | a messaging channel's delivery already taken | the channel's seen period |
| `kestrel:menu:<id>` | the buttons and numbered options a messaging conversation was last shown | RETENTION_MINUTES |
| `LIMITER/kestrel-…` | rate limits and new-conversation caps (`limits`' moving windows), keyed by HMAC | the window |

Redis key expiry does the retention sweeping, so no sweeper runs with Redis.
"""
from __future__ import annotations

KEY_PREFIX = "kestrel"
ACTIVE_KEY = f"{KEY_PREFIX}:active"
MENU_PREFIX = f"{KEY_PREFIX}:menu:"


def tracker_key(conversation_id: str) -> str:
    return f"{KEY_PREFIX}:tracker:{conversation_id}"


def lock_key(conversation_id: str) -> str:
    return f"{KEY_PREFIX}:lock:{conversation_id}"


def conversation_key(conversation_id: str) -> str:
    return f"{KEY_PREFIX}:conv:{conversation_id}"


def replies_key(conversation_id: str) -> str:
    return f"{KEY_PREFIX}:replies:{conversation_id}"


def seen_key(key: str) -> str:
    return f"{KEY_PREFIX}:seen:{key}"


def menu_key(conversation_id: str) -> str:
    return MENU_PREFIX + conversation_id
