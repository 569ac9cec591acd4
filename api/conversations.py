"""Conversation ids: unguessable, and each under the namespace of the way in that made it."""
from __future__ import annotations

import secrets

# 24 random bytes = 192 bits, well over the 128 the contract promises; url-safe so it fits in a path.
ID_BYTES = 24

# Every way in keeps its conversations under its own prefix, and each accepts only ids under it, so no
# id sent to one channel can name a conversation of another: a REST sender "user1" is stored as
# "rest-user1", which /api/v1 ("api-…") and Socket.IO ("sio-…") refuse, and knowing CHANNEL_ID_SECRET
# (which makes "telegram-…", "whatsapp-…", "twilio-…" computable) opens nothing through REST.
API = "api"
SOCKETIO = "sio"
REST = "rest"


def new_conversation_id(namespace: str) -> str:
    return f"{namespace}-{secrets.token_urlsafe(ID_BYTES)}"


def in_namespace(conversation_id: str, namespace: str) -> bool:
    return conversation_id.startswith(f"{namespace}-")


def rest_conversation_id(sender: str) -> str:
    return f"{REST}-{sender}"
