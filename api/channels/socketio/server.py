"""Socket.IO at /socket.io/, speaking Rasa's protocol so rasa-webchat and Rasa's chat widget work unchanged.

client `session_request {session_id}`  -> server `session_confirm "<session id>"`
client `user_uttered {message, session_id, metadata?}` -> server `bot_uttered` once per message:
    `{text}` | `{text, quick_replies: [{content_type: "text", title, payload}]}` | `{attachment}` | custom
(shapes as rasa/core/channels/socketio.py's SocketIOOutput emits them: api/channels/socketio/output.py).

Differences, on purpose (docs/rasa-clients.md):
* By default the session id is always one this server issued for Socket.IO. A client that asks for an
  unknown or expired id, or one from another channel, is confirmed with a fresh one, so no client can
  pick, guess or revive someone else's conversation. Since such a client still shows the old transcript,
  it is then told the conversation has ended and greeted again. SOCKETIO_CLIENT_SESSION_IDS (for a
  trusted front end with ids of its own) uses the client's id instead, as `rasa run` does.
* Text is laid out for markdown, which rasa-webchat applies: each line a paragraph, bullets a list.
* Problems the protocol has no event for (empty or over-long text, rate limit, model busy) are reported
  as `kestrel_error {status, detail}`.
* `metadata.idempotency_key`, as on the REST webhook: a client that resends a message after losing its
  connection gets the first reply again, and the message is applied once (api/idempotency.py).
"""
from __future__ import annotations

import secrets
from functools import lru_cache
from typing import Any, Callable, Dict, Optional, Sequence

import socketio

from api.rasa.agent_worker import ModelBusy
from api.assistant import Assistant, ConversationNotFound, NotReady
from api.conversations import SOCKETIO, ID_BYTES, in_namespace, new_conversation_id
from api.idempotency import BadIdempotencyKey, IdempotencyKeyReused, split_idempotency_key
from api.ratelimit import Limits, RateLimited
from api.http.v1 import GREETING_PAYLOAD
from api.channels.socketio.limits import ClientLimitedServer, SocketIOLimits
from api.channels.socketio.output import markdown_text, raw_output_channel, to_socketio_messages
from api.text_input import MAX_SENDER_CHARS, check_metadata, check_sender, clean_message

USER_EVENT = "user_uttered"
BOT_EVENT = "bot_uttered"
ERROR_EVENT = "kestrel_error"
# The words live with everything else the assistant says (content/responses.yml).
RESTARTED_RESPONSE = "utter_session_restarted"


@lru_cache(maxsize=1)
def restart_notice() -> str:
    # Imported on first use: the actions' renderer (and rasa_sdk) is not needed until a session restarts.
    from actions.render import text_of

    return text_of(RESTARTED_RESPONSE)


def client_conversation_id(session_id: str) -> str:
    """With SOCKETIO_CLIENT_SESSION_IDS: the conversation a client's own session id names."""
    return f"{SOCKETIO}-{session_id}"


def origin_checker(cors_origins: Sequence[str]) -> Callable[[Optional[str], Dict[str, Any]], bool]:
    """Allow the page's own origin and the configured CORS origins, nothing else."""
    allowed = set(cors_origins)

    def check(origin: Optional[str], environ: Dict[str, Any]) -> bool:
        if origin is None or "*" in allowed or origin in allowed:
            return True
        scope = environ.get("asgi.scope", {})
        scheme = {"ws": "http", "wss": "https"}.get(scope.get("scheme", "http"), scope.get("scheme", "http"))
        host = environ.get("HTTP_HOST", "")
        return origin in {f"{scheme}://{host}", f"{environ.get('wsgi.url_scheme', scheme)}://{host}"}

    return check


def _client_ip(environ: Dict[str, Any]) -> str:
    client = environ.get("asgi.scope", {}).get("client")
    return client[0] if client else "unknown"


def create_socketio(
    assistant: Assistant,
    limits: Limits,
    cors_origins: Sequence[str],
    max_text_chars: int,
    max_bytes: int,
    client_session_ids: bool = False,
) -> socketio.AsyncServer:
    # Connections and events per client are limited before any handler runs (api/channels/socketio/limits.py).
    sio = ClientLimitedServer(
        limits=SocketIOLimits(limits.socketio_connections_per_minute, limits.socketio_open_per_client,
                              limits.socketio_events_per_minute),
        async_mode="asgi",
        cors_allowed_origins=origin_checker(cors_origins),
        cors_credentials=False,  # no cookies or auth headers are used
        max_http_buffer_size=max_bytes,
        logger=False,
        engineio_logger=False,
    )

    async def error(sid: str, status: int, detail: str, **extra: Any) -> None:
        await sio.emit(ERROR_EVENT, {"status": status, "detail": detail, **extra}, to=sid)

    async def set_conversation(sid: str, conversation_id: str) -> None:
        async with sio.session(sid) as session:
            session["conversation_id"] = conversation_id

    async def turn(sid: str, conversation_id: str, ip: str, text: Optional[str] = None,
                   payload: Optional[str] = None, metadata: Optional[Dict[str, Any]] = None,
                   idempotency_key: Optional[str] = None) -> None:
        try:
            await limits.check_client(ip)
            await limits.check_conversation(conversation_id)
            replies = await assistant.send(
                conversation_id, text=text, payload=payload, channel="socketio", metadata=metadata,
                create=True, output=raw_output_channel, client=ip, idempotency_key=idempotency_key,
            )
        except IdempotencyKeyReused as e:
            await error(sid, 422, str(e))
            return
        except RateLimited as e:
            await error(sid, 429, str(e), retry_after=e.retry_after)
            return
        except (NotReady, ModelBusy) as e:
            await error(sid, 503, str(e))
            return
        except ConversationNotFound:  # pragma: no cover - create=True never raises it
            await error(sid, 404, "Conversation not found.")
            return
        for bot_message in to_socketio_messages(replies, markdown_text):
            await sio.emit(BOT_EVENT, bot_message, to=sid)

    @sio.on("connect")
    async def connect(sid: str, environ: Dict[str, Any], auth: Any = None) -> bool:
        await sio.save_session(sid, {"ip": _client_ip(environ), "conversation_id": None})
        return True

    async def client_session(sid: str, requested: Any) -> None:
        # A trusted front end's own ids, as `rasa run` takes them; a new random one when it sends none.
        if requested is None:
            session_id = secrets.token_urlsafe(ID_BYTES)
        else:
            try:
                if not isinstance(requested, str):
                    raise ValueError("not a string")
                session_id = check_sender(requested)
            except ValueError:
                await error(sid, 422, "session_id must be a string of 1-128 characters, or null for a new one")
                return
        await set_conversation(sid, client_conversation_id(session_id))
        await sio.emit("session_confirm", session_id, to=sid)

    async def issued_session(sid: str, requested: Any) -> None:
        asked = isinstance(requested, str) and bool(requested)
        try:
            # (No store lookup for an id longer than any this server issues.)
            resumed = (asked and len(requested) <= MAX_SENDER_CHARS and in_namespace(requested, SOCKETIO)
                       and await assistant.conversation_exists(requested))
        except NotReady as e:  # the conversation store (Redis) is unreachable: say so, keep the session
            await error(sid, 503, str(e))
            return
        conversation_id = requested if resumed else new_conversation_id(SOCKETIO)
        await set_conversation(sid, conversation_id)
        await sio.emit("session_confirm", conversation_id, to=sid)
        if asked and not resumed:
            # The client still shows the old conversation (rasa-webchat keeps its transcript and buttons),
            # but nothing of it is known here any more: say so, and start again visibly.
            await sio.emit(BOT_EVENT, {"text": markdown_text(restart_notice())}, to=sid)
            session = await sio.get_session(sid)
            await turn(sid, conversation_id, session.get("ip", "unknown"), payload=GREETING_PAYLOAD)

    @sio.on("session_request")
    async def session_request(sid: str, data: Any) -> None:
        requested = data.get("session_id") if isinstance(data, dict) else None
        if client_session_ids:
            await client_session(sid, requested)
        else:
            await issued_session(sid, requested)

    @sio.on(USER_EVENT)
    async def user_uttered(sid: str, data: Any) -> None:
        if not isinstance(data, dict) or not isinstance(data.get("message"), str):
            await error(sid, 422, "user_uttered needs {message: string}")
            return
        try:
            message = clean_message(data["message"], max_text_chars, field="message")
            metadata = data.get("metadata")
            metadata = check_metadata(metadata) if isinstance(metadata, dict) else None
            metadata, idempotency_key = split_idempotency_key(metadata)
        except BadIdempotencyKey as e:
            await error(sid, 400, str(e))
            return
        except ValueError as e:
            await error(sid, 422, str(e))
            return

        session = await sio.get_session(sid)
        conversation_id = session.get("conversation_id")
        named = data.get("session_id")
        if client_session_ids and isinstance(named, str) and named.strip():
            # As `rasa run` with session_persistence: the message names its conversation.
            try:
                conversation_id = client_conversation_id(check_sender(named))
            except ValueError as e:
                await error(sid, 422, str(e))
                return
        elif conversation_id is None:
            # No session_request (Rasa's default mode): the socket gets a conversation of its own.
            conversation_id = new_conversation_id(SOCKETIO)
            await set_conversation(sid, conversation_id)
        await turn(sid, conversation_id, session.get("ip", "unknown"), text=message, metadata=metadata,
                   idempotency_key=idempotency_key)

    @sio.on("disconnect")
    async def disconnect(sid: str, *args: Any) -> None:
        # engineio keeps a long-polling client's pending GET open for ping_interval + ping_timeout (30 s)
        # after the client said goodbye, holding the client's disconnect and the server's shutdown.
        # A None in the socket's queue is engineio's own "end this poll" signal.
        eio_sid = sio.manager.eio_sid_from_sid(sid, "/")
        eio_socket = sio.eio.sockets.get(eio_sid) if eio_sid else None
        if eio_socket is not None:
            eio_socket.queue.put_nowait(None)

    return sio


def socketio_asgi_app(sio: socketio.AsyncServer) -> socketio.ASGIApp:
    # Mounted at /socket.io inside the FastAPI app; Starlette keeps the full path, which engineio checks.
    return socketio.ASGIApp(sio, socketio_path="socket.io")
