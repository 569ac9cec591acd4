"""A TCP proxy between a service process and redis-server, for putting a fault at an exact point of a turn
without any switch in the service: it forwards every byte until a command the service sends contains a
marker (the HMAC of one idempotency key, as it appears in exactly one of the turn's Redis commands), and
then either holds that connection (the command never reaches Redis: the service waits there) or runs an
action just after forwarding it (SIGSTOP of redis-server, say).
"""
from __future__ import annotations

import socket
import threading
from typing import Callable, List, Optional

from kestrel_redistest import free_port


class Trigger:
    def __init__(self, marker: bytes, hold: bool, action: Optional[Callable[[], None]]) -> None:
        self.marker = marker
        self.hold = hold
        self.action = action
        self.fired = threading.Event()


class RedisProxy:
    def __init__(self, upstream_port: int) -> None:
        self.upstream_port = upstream_port
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self._trigger: Optional[Trigger] = None
        self._lock = threading.Lock()
        self._listener = socket.create_server(("127.0.0.1", self.port))
        self._sockets: List[socket.socket] = []
        self._closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    def arm(self, marker: bytes, hold: bool = False, action: Optional[Callable[[], None]] = None) -> Trigger:
        """Fire once, at the first command containing `marker`: `hold` it (and everything after it on that
        connection), or forward it and then run `action`."""
        trigger = Trigger(marker, hold, action)
        with self._lock:
            self._trigger = trigger
        return trigger

    def close(self) -> None:
        self._closed = True
        self._listener.close()
        for sock in list(self._sockets):
            try:
                sock.close()
            except OSError:
                pass

    def _accept(self) -> None:
        while not self._closed:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(("127.0.0.1", self.upstream_port))
            self._sockets += [client, upstream]
            threading.Thread(target=self._to_redis, args=(client, upstream), daemon=True).start()
            threading.Thread(target=self._pump, args=(upstream, client), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while True:
                data = source.recv(65536)
                if not data:
                    break
                sink.sendall(data)
        except OSError:
            pass
        finally:
            _shut(source, sink)

    def _to_redis(self, client: socket.socket, upstream: socket.socket) -> None:
        tail = b""  # so a marker split between two reads is still seen
        try:
            while True:
                data = client.recv(65536)
                if not data:
                    break
                window = tail + data
                with self._lock:
                    trigger = self._trigger
                    matched = trigger is not None and trigger.marker in window
                    if matched:
                        self._trigger = None
                if matched:
                    assert trigger is not None
                    if trigger.hold:
                        trigger.fired.set()
                        # Held until the service goes away: the rest of a long command may still arrive, and
                        # is swallowed too. (Closing on its first byte would make the client retry on a new
                        # connection, and the command would reach Redis after all.)
                        while client.recv(65536):
                            pass
                        break
                    upstream.sendall(data)
                    if trigger.action is not None:
                        trigger.action()
                    trigger.fired.set()
                    continue
                upstream.sendall(data)
                tail = window[-256:]
        except OSError:
            pass
        finally:
            _shut(client, upstream)


def _shut(*sockets: socket.socket) -> None:
    for sock in sockets:
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
