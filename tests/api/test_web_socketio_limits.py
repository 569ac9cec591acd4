"""Socket.IO connections and events are limited per client (api/channels/socketio/limits.py), through a real uvicorn
server and python-socketio's client: refused connections, dropped events with one 429, and another client
unaffected. X-Forwarded-For is trusted from loopback here, as uvicorn does by default, to be a second
client."""
from __future__ import annotations

import asyncio
from typing import Any, Iterator, List

import httpx
import pytest
import socketio
from kestrel_webtest import LiveServer, RasaSocketClient

from api.channels.socketio.limits import SocketIOLimits

pytestmark = pytest.mark.asyncio(loop_scope="session")


@pytest.fixture
def limited_server(app_factory: Any) -> Iterator[LiveServer]:
    app = app_factory(rate_limit_socketio_connections=4, max_socketio_connections_per_client=2,
                      rate_limit_socketio_events=5)
    with LiveServer(app) as server:
        yield server


async def connect(url: str, transport: str = "websocket", forwarded_for: str = "") -> RasaSocketClient:
    client = RasaSocketClient()
    headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
    await client.sio.connect(url, transports=[transport], socketio_path="socket.io", wait_timeout=10,
                             headers=headers)
    return client


async def refused(url: str, transport: str = "websocket") -> str:
    """The client cannot connect; the reason, as the Engine.IO handshake gives it (401 and a message)."""
    with pytest.raises(socketio.exceptions.ConnectionError):
        client = await connect(url, transport)
        await client.close()
    async with httpx.AsyncClient() as http:
        handshake = await http.get(url + "/socket.io/", params={"EIO": "4", "transport": "polling"})
    assert handshake.status_code == 401
    return str(handshake.json()["message"])


async def test_open_connections_and_the_rate_of_new_ones_are_counted_per_client():
    limits = SocketIOLimits(connections_per_minute=3, open_per_client=2, events_per_minute=60)
    assert await limits.connect("a", "10.0.0.1") is None and await limits.connect("b", "10.0.0.1") is None
    assert "at most 2 at once" in (await limits.connect("c", "10.0.0.1") or "")
    assert await limits.connect("d", "10.0.0.2") is None, "another client is counted apart"
    limits.disconnect("a")
    assert limits.open_connections("10.0.0.1") == 1
    assert await limits.connect("e", "10.0.0.1") is None, "a closed connection frees its place"
    limits.disconnect("e")
    assert "new connections" in (await limits.connect("f", "10.0.0.1") or ""), "but not the rate of new ones"


@pytest.mark.parametrize("transport", ["websocket", "polling"])
async def test_connections_beyond_the_limits_are_refused(limited_server, transport):
    url = limited_server.url
    held: List[RasaSocketClient] = [await connect(url, transport), await connect(url, transport)]
    try:
        assert "at most 2 at once" in await refused(url, transport)
        other = await connect(url, transport, forwarded_for="198.18.0.7")  # another client still gets in
        await other.close()
        await held.pop().close()
        await asyncio.sleep(0.2)
        held.append(await connect(url, transport))  # a closed connection frees its place
        while held:
            await held.pop().close()
        await asyncio.sleep(0.2)
        held.append(await connect(url, transport))
        # Four new connections from this client in this minute (refused ones do not count): a fifth is
        # refused although only one is open.
        assert "new connections" in await refused(url, transport)
    finally:
        for client in held:
            await client.close()


async def test_events_beyond_the_rate_are_dropped_with_one_429(limited_server):
    client = await connect(limited_server.url)
    try:
        session_id = await client.session(None)  # event 1 of 5
        for n in range(12):
            await client.sio.emit("user_uttered", {"message": "   ", "session_id": session_id})
        await asyncio.sleep(1.0)
        statuses = []
        while not client.errors.empty():
            statuses.append((await client.errors.get())["status"])
        # Events 2-5 were read (blank text: 422 each); the other 8 were dropped, and only the first of
        # them was answered.
        assert statuses == [422] * 4 + [429], statuses
        other = await connect(limited_server.url, forwarded_for="198.18.0.8")
        try:
            assert await other.session(None), "another client's events are still read"
        finally:
            await other.close()
    finally:
        await client.close()
