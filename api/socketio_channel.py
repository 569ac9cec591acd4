"""Socket.IO at /socket.io/, speaking Rasa's protocol so rasa-webchat and Rasa's chat widget work unchanged.

client `session_request {session_id}`  -> server `session_confirm "<session id>"`
client `user_uttered {message, session_id, metadata?}` -> server `bot_uttered` once per message:
    `{text}` | `{text, quick_replies: [{content_type: "text", title, payload}]}` | `{attachment}`
(shapes as rasa/core/channels/socketio.py's SocketIOOutput emits them).

One difference, on purpose: the session id is always one this server issued for Socket.IO. A client that
asks for an unknown or expired id, or one from another channel, is confirmed with a fresh one (rasa-webchat
then starts a new conversation), so no client can pick, guess or revive someone else's conversation id.
Problems the protocol has no event for (empty or over-long text, rate limit, model busy) are reported as
`kestrel_error {status, detail}`.
"""
from __future__ import annotations

from typing import Any, Callable, Dict, List, Optional, Sequence

import socketio

from api.agent_worker import ModelBusy
from api.assistant import Assistant, ConversationNotFound, NotReady
from api.conversations import SOCKETIO, in_namespace, new_conversation_id
from api.ratelimit import Limits, RateLimited
from api.text_input import check_metadata, clean_message

USER_EVENT = "user_uttered"
BOT_EVENT = "bot_uttered"
ERROR_EVENT = "kestrel_error"


def to_socketio_messages(replies: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
    """Rasa's collected output messages in the shapes SocketIOOutput would have emitted."""
    out: List[Dict[str, Any]] = []
    for reply in replies:
        text = reply.get("text")
        buttons = reply.get("buttons")
        if buttons:
            parts = (text or "").strip().split("\n\n")
            messages: List[Dict[str, Any]] = [{"text": part, "quick_replies": []} for part in parts]
            messages[-1]["quick_replies"] = [
                {"content_type": "text", "title": b.get("title"), "payload": b.get("payload")} for b in buttons
            ]
            out.extend(messages)
        elif text:
            out.extend({"text": part} for part in text.strip().split("\n\n"))
        if reply.get("custom"):
            out.append(reply["custom"])
        if reply.get("image"):
            out.append({"attachment": {"type": "image", "payload": {"src": reply["image"]}}})
        if reply.get("attachment"):
            out.append({"attachment": reply["attachment"]})
    return out


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
    assistant: Assistant, limits: Limits, cors_origins: Sequence[str], max_text_chars: int, max_bytes: int
) -> socketio.AsyncServer:
    sio = socketio.AsyncServer(
        async_mode="asgi",
        cors_allowed_origins=origin_checker(cors_origins),
        cors_credentials=False,  # no cookies or auth headers are used
        max_http_buffer_size=max_bytes,
        logger=False,
        engineio_logger=False,
    )

    async def error(sid: str, status: int, detail: str, **extra: Any) -> None:
        await sio.emit(ERROR_EVENT, {"status": status, "detail": detail, **extra}, to=sid)

    @sio.on("connect")
    async def connect(sid: str, environ: Dict[str, Any], auth: Any = None) -> bool:
        await sio.save_session(sid, {"ip": _client_ip(environ), "conversation_id": None})
        return True

    @sio.on("session_request")
    async def session_request(sid: str, data: Any) -> None:
        requested = data.get("session_id") if isinstance(data, dict) else None
        try:
            resumed = (isinstance(requested, str) and in_namespace(requested, SOCKETIO)
                       and assistant.exists(requested))
        except NotReady as e:  # the conversation store (Redis) is unreachable: say so, keep the session
            await error(sid, 503, str(e))
            return
        if resumed:
            conversation_id = requested
        else:
            conversation_id = new_conversation_id(SOCKETIO)
        async with sio.session(sid) as session:
            session["conversation_id"] = conversation_id
        await sio.emit("session_confirm", conversation_id, to=sid)

    @sio.on(USER_EVENT)
    async def user_uttered(sid: str, data: Any) -> None:
        if not isinstance(data, dict) or not isinstance(data.get("message"), str):
            await error(sid, 422, "user_uttered needs {message: string}")
            return
        try:
            message = clean_message(data["message"], max_text_chars, field="message")
            metadata = data.get("metadata")
            metadata = check_metadata(metadata) if isinstance(metadata, dict) else None
        except ValueError as e:
            await error(sid, 422, str(e))
            return

        session = await sio.get_session(sid)
        conversation_id = session.get("conversation_id")
        if conversation_id is None:
            # No session_request (Rasa's default mode): the socket gets a conversation of its own.
            conversation_id = new_conversation_id(SOCKETIO)
            async with sio.session(sid) as s:
                s["conversation_id"] = conversation_id
        try:
            limits.check_client(session.get("ip", "unknown"))
            limits.check_conversation(conversation_id)
            replies = await assistant.send(
                conversation_id, text=message, channel="socketio", metadata=metadata, create=True
            )
        except RateLimited as e:
            await error(sid, 429, str(e), retry_after=e.retry_after)
            return
        except (NotReady, ModelBusy) as e:
            await error(sid, 503, str(e))
            return
        except ConversationNotFound:  # pragma: no cover - create=True never raises it
            await error(sid, 404, "Conversation not found.")
            return
        for bot_message in to_socketio_messages(replies):
            await sio.emit(BOT_EVENT, bot_message, to=sid)

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
