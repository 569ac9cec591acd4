"""The one Redis client configuration: every client the service makes (the store's on the server's event
loop, the turn lock's on the agent's loop, the tracker store's on the agent's thread) is made here.

Bounded waits: every call gives up within SOCKET_TIMEOUT_SECONDS with redis-py's ConnectionError or
TimeoutError, so a dead or unreachable Redis is a quick 503, never a hang. One immediate retry on a fresh
connection when a pooled one turns out to be dead (Redis restarted since it was last used), so the first
request after Redis returns does not fail. Timeouts are not retried: a hung Redis costs one timeout, not two.
"""
from __future__ import annotations

import asyncio
from typing import Any, Dict, Optional, Union

import redis
import redis.asyncio
from redis.asyncio.retry import Retry as AsyncRetry
from redis.backoff import NoBackoff
from redis.retry import Retry

SOCKET_TIMEOUT_SECONDS = 2.0


def client_options(
    timeout: float = SOCKET_TIMEOUT_SECONDS, for_asyncio: bool = False, text: bool = True
) -> Dict[str, Any]:
    # redis.asyncio has its own (awaitable) Retry class, with the same arguments.
    retry_class: Any = AsyncRetry if for_asyncio else Retry
    return dict(
        socket_timeout=timeout,
        socket_connect_timeout=timeout,
        retry=retry_class(NoBackoff(), 1, supported_errors=(redis.exceptions.ConnectionError,)),
        retry_on_error=[redis.exceptions.ConnectionError],
        health_check_interval=15,
        decode_responses=text,
    )


def redis_client(url: str, timeout: float = SOCKET_TIMEOUT_SECONDS) -> Any:
    """A synchronous client returning text (its pool is thread-safe), for Rasa's tracker store on the
    agent's thread, where Rasa calls it synchronously."""
    return redis.Redis.from_url(url, **client_options(timeout))


class LoopClient:
    """An asyncio client for whichever event loop is running: redis.asyncio's connections belong to the
    loop that opened them, so a new loop (the agent's thread, a test's own loop) gets a client of its own."""

    def __init__(self, url: str, timeout: float = SOCKET_TIMEOUT_SECONDS, text: bool = True) -> None:
        self.url = url
        self.timeout = timeout
        self.text = text
        self._client: Any = None
        self._loop: Optional[asyncio.AbstractEventLoop] = None
        self._scripts: Dict[Union[str, bytes], Any] = {}

    def get(self) -> Any:
        loop = asyncio.get_running_loop()
        if self._client is None or self._loop is not loop:
            self._client = redis.asyncio.Redis.from_url(self.url, **client_options(self.timeout, True, self.text))
            self._loop = loop
            self._scripts = {}
        return self._client

    def script(self, source: Union[str, bytes]) -> Any:
        """A Lua script on this loop's client (EVALSHA, loading the script the first time)."""
        client = self.get()
        script = self._scripts.get(source)
        if script is None:
            script = self._scripts[source] = client.register_script(source)
        return script
