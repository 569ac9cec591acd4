"""Rasa's own Socket.IO connector for plain `rasa run` (credentials.yml), with session persistence working.

Rasa 3.6's `SocketIOInput` calls `sio.enter_room(...)` without awaiting it. In the python-socketio this
project pins (5.16) that is a coroutine, so with `session_persistence: true` the socket never joins its
session's room and every reply, sent to that room, reaches no one (Python only warns "coroutine ... was
never awaited"). This subclass registers the same
`session_request` handler with the await; everything else is Rasa's. Only `rasa run` imports this module
(the FastAPI service has its own Socket.IO server, api/channels/socketio/server.py).
"""
from __future__ import annotations

import uuid
from typing import Any, Awaitable, Callable, Dict, Optional

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.socketio import SocketIOInput as RasaSocketIOInput
from sanic import Blueprint


class SocketIOInput(RasaSocketIOInput):
    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook = super().blueprint(on_new_message)
        sio = self.sio
        assert sio is not None  # set by Rasa's blueprint()

        # Registered after Rasa's, so it replaces Rasa's handler for this event.
        @sio.on("session_request", namespace=self.namespace)
        async def session_request(sid: str, data: Optional[Dict[str, Any]]) -> None:
            data = data or {}
            if data.get("session_id") is None:
                data["session_id"] = uuid.uuid4().hex
            if self.session_persistence:
                await sio.enter_room(sid, data["session_id"])
            await sio.emit("session_confirm", data["session_id"], room=sid)

        return webhook
