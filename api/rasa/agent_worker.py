"""One background thread with its own asyncio loop, where all Rasa agent work runs.

Why: Rasa 3.6 runs model prediction synchronously inside its coroutines, so on the server's loop one
prediction (or the 45 s model load) would freeze every other request, /health included, and make the
service look dead. On this thread the agent still answers one thing at a time, exactly as Rasa expects,
while the server's loop stays free to answer health checks, queue other turns and time them out.
"""
from __future__ import annotations

import asyncio
import threading
from typing import Any, Awaitable, Callable, Optional, TypeVar

T = TypeVar("T")


class ModelBusy(Exception):
    """The agent did not get to this work within the allowed time, or too much work is queued."""

    def __init__(self, message: str, retry_after: int = 5) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class AgentWorker:
    def __init__(self, max_pending: int = 64, name: str = "kestrel-agent") -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._max_pending = max_pending
        self._pending = 0  # only touched from the server's loop

    @property
    def pending(self) -> int:
        """Turns submitted and not yet finished (queued plus running)."""
        return self._pending

    def start(self) -> None:
        if not self._thread.is_alive():
            self._thread.start()

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._loop.run_forever()

    async def run(self, make_coro: Callable[[], Awaitable[T]], timeout: Optional[float]) -> T:
        """Run a coroutine on the agent loop and await its result from the caller's loop.

        `timeout` bounds the wait for the model. Work still queued at the deadline is withdrawn and never
        runs, so a client that retries after the 503 does not get its message handled twice. Work that
        already has the model is short and is allowed to finish (within one more `timeout`): answering
        503 for a message that is then handled anyway would invite exactly that duplicate.
        """
        if self._pending >= self._max_pending:
            raise ModelBusy("The assistant is handling too many messages right now. Please try again shortly.")
        self._pending += 1
        gate = _Gate()
        future = asyncio.run_coroutine_threadsafe(_gated(gate, make_coro), self._loop)
        result = asyncio.wrap_future(future)
        try:
            try:
                return await asyncio.wait_for(asyncio.shield(result), timeout)
            except asyncio.TimeoutError:
                if gate.withdraw_if_queued():
                    future.cancel()
                    raise ModelBusy(
                        "The assistant is busy and could not answer in time. Please try again in a moment."
                    ) from None
            try:
                return await asyncio.wait_for(asyncio.shield(result), timeout)
            except asyncio.TimeoutError:
                raise ModelBusy("The assistant is taking too long to answer. Please try again in a moment.") from None
        finally:
            self._pending -= 1

    def stop(self, timeout: float = 5.0) -> None:
        if self._thread.is_alive():
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout)


class _Gate:
    """Decides, under a lock shared by both threads, whether queued work starts or is withdrawn."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._state = "queued"

    def start(self) -> bool:
        with self._lock:
            if self._state == "withdrawn":
                return False
            self._state = "started"
            return True

    def withdraw_if_queued(self) -> bool:
        with self._lock:
            if self._state == "queued":
                self._state = "withdrawn"
                return True
            return False


async def _gated(gate: _Gate, make_coro: Callable[[], Awaitable[Any]]) -> Any:
    if not gate.start():
        raise asyncio.CancelledError()
    # The coroutine is created here, inside the agent loop, so anything it binds at creation time
    # belongs to that loop.
    return await make_coro()
