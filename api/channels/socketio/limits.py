"""Per-client limits on Socket.IO, where the HTTP routes' limits do not reach.

A Socket.IO client holds a connection open and sends events over it, so neither the per-client request
limit nor the body-size limit of the HTTP routes sees most of what it does. Without these, one client could
open connections until the server ran out of sockets, or send events as fast as the network allows (each
one a task). Checked before anything else runs, with the same moving windows as the HTTP limits
(api/ratelimit.py: at most so many in any 60 seconds), kept in this process, by client address:

* new connections per minute (RATE_LIMIT_SOCKETIO_CONNECTIONS) and connections open at once
  (MAX_SOCKETIO_CONNECTIONS_PER_CLIENT): a connection over either is refused at the Engine.IO handshake
  (HTTP 401 with the reason, which Socket.IO clients report as a connection error);
* events per minute (RATE_LIMIT_SOCKETIO_EVENTS), whatever the event: one over it is dropped unread. The
  first dropped after an allowed one is answered with `kestrel_error {status: 429, detail, retry_after}`;
  the rest of a flood gets nothing back.

Messages (`user_uttered`) are also held to RATE_LIMIT_PER_CLIENT and RATE_LIMIT_PER_CONVERSATION, as on
the other channels (api/channels/socketio/server.py).

Relies on python-socketio's server internals (the Engine.IO connect and disconnect handlers and
`_handle_event`, pinned in requirements.txt); tests/api/test_web_socketio_limits.py holds them.
"""
from __future__ import annotations

from collections import Counter
from typing import Any, Dict, Optional, Set

import socketio

from api.ratelimit import LocalRateLimiter

ERROR_EVENT = "kestrel_error"


def client_of(environ: Dict[str, Any]) -> str:
    """The client's address as uvicorn saw it (after FORWARDED_ALLOW_IPS), as the HTTP routes use."""
    client = environ.get("asgi.scope", {}).get("client")
    return client[0] if client else "unknown"


class SocketIOLimits:
    def __init__(self, connections_per_minute: int, open_per_client: int, events_per_minute: int) -> None:
        self.connections = LocalRateLimiter(connections_per_minute)
        self.events = LocalRateLimiter(events_per_minute)
        self.open_per_client = open_per_client
        self._open: Counter[str] = Counter()
        self._client: Dict[str, str] = {}
        self._told: Set[str] = set()

    async def connect(self, eio_sid: str, client: str) -> Optional[str]:
        """Register a new connection, or the reason it is refused."""
        if self._open[client] >= self.open_per_client:
            return f"Too many connections from this address: at most {self.open_per_client} at once."
        # The in-memory window never suspends, so no other connection is counted between check and add.
        wait = await self.connections.hit(client)
        if wait is not None:
            return f"Too many new connections from this address. Please wait {wait} seconds."
        self._open[client] += 1
        self._client[eio_sid] = client
        return None

    def disconnect(self, eio_sid: str) -> None:
        self._told.discard(eio_sid)
        client = self._client.pop(eio_sid, None)
        if client is not None:
            self._open[client] -= 1
            if self._open[client] <= 0:
                del self._open[client]

    async def event(self, eio_sid: str) -> Optional[int]:
        """None if this connection's client may send another event now, else the seconds to wait."""
        wait = await self.events.hit(self._client.get(eio_sid, "unknown"))
        if wait is None:
            self._told.discard(eio_sid)
        return wait

    def first_refusal(self, eio_sid: str) -> bool:
        """True once per run of refused events on a connection: only the first is answered."""
        if eio_sid in self._told:
            return False
        self._told.add(eio_sid)
        return True

    def open_connections(self, client: str) -> int:
        return self._open.get(client, 0)


class ClientLimitedServer(socketio.AsyncServer):
    """python-socketio's AsyncServer with `SocketIOLimits` applied before any handler runs."""

    def __init__(self, *args: Any, limits: SocketIOLimits, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.client_limits = limits

    async def _handle_eio_connect(self, eio_sid: str, environ: Dict[str, Any]) -> Any:
        refusal = await self.client_limits.connect(eio_sid, client_of(environ))
        if refusal is not None:
            return {"message": refusal}  # Engine.IO answers 401 with it as the body and keeps no state
        return await super()._handle_eio_connect(eio_sid, environ)

    async def _handle_eio_disconnect(self, eio_sid: str, reason: Any = None) -> None:
        try:
            await super()._handle_eio_disconnect(eio_sid, reason)
        finally:
            self.client_limits.disconnect(eio_sid)

    async def _handle_event(self, eio_sid: str, namespace: Optional[str], id: Any, data: Any) -> None:
        wait = await self.client_limits.event(eio_sid)
        if wait is None:
            await super()._handle_event(eio_sid, namespace, id, data)
            return
        sid = self.manager.sid_from_eio_sid(eio_sid, namespace or "/")
        if sid is not None and self.client_limits.first_refusal(eio_sid):
            await self.emit(ERROR_EVENT, {
                "status": 429, "retry_after": wait,
                "detail": f"Too many messages. Please wait {wait} seconds and try again.",
            }, to=sid, namespace=namespace or "/")
