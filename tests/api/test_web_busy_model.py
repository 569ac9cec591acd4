"""A busy model never makes the service look dead: /health stays fast while predictions run, and a turn
that cannot get the model in time gets a clear 503 instead of hanging."""
from __future__ import annotations

import asyncio
import statistics
import time
from typing import List

import httpx
import pytest
from kestrel_webtest import BLACKMAIL_TEXT, new_conversation, run_blocking_on_worker, user_texts

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def sample_health(base_url: str, until: asyncio.Event, interval: float = 0.01) -> List[float]:
    latencies: List[float] = []
    async with httpx.AsyncClient(base_url=base_url, timeout=10) as c:
        while not until.is_set():
            started = time.perf_counter()
            response = await c.get("/health")
            latencies.append(time.perf_counter() - started)
            assert response.status_code == 200
            await asyncio.sleep(interval)
    return latencies


def summary(latencies: List[float]) -> str:
    ordered = sorted(latencies)
    p95 = ordered[int(0.95 * (len(ordered) - 1))]
    return (f"n={len(ordered)} p50={statistics.median(ordered) * 1000:.1f} ms "
            f"p95={p95 * 1000:.1f} ms max={ordered[-1] * 1000:.1f} ms")


async def test_health_stays_fast_while_the_model_is_blocked(live_server, assistant):
    # A 2 s synchronous stretch on the model thread, like a slow prediction.
    blocker = run_blocking_on_worker(assistant, 2.0)
    done = asyncio.Event()
    sampler = asyncio.ensure_future(sample_health(live_server.url, done))
    await asyncio.wrap_future(blocker)
    done.set()
    latencies = await sampler
    print(f"\n[kestrel] /health while the model thread was blocked for 2 s: {summary(latencies)}")
    assert len(latencies) >= 20, "health was answered many times during the 2 s block"
    assert max(latencies) < 0.25


async def test_a_turn_that_waits_too_long_gets_503_and_is_not_run_later(live_server, assistant):
    async with httpx.AsyncClient(base_url=live_server.url, timeout=30) as c:
        conversation_id, _ = await new_conversation(c)
        original = assistant.settings.turn_timeout_seconds
        assistant.settings.turn_timeout_seconds = 0.5
        blocker = run_blocking_on_worker(assistant, 1.5)
        try:
            started = time.perf_counter()
            response = await c.post(f"/api/v1/conversations/{conversation_id}/messages", json={"text": BLACKMAIL_TEXT})
            waited = time.perf_counter() - started
        finally:
            await asyncio.wrap_future(blocker)
            assistant.settings.turn_timeout_seconds = original
        assert response.status_code == 503
        assert "try again" in response.json()["detail"] and int(response.headers["retry-after"]) >= 1
        assert waited < 1.2, "the client is answered at the timeout, not when the model is free"
        await asyncio.sleep(0.3)
        assert BLACKMAIL_TEXT not in user_texts(assistant, conversation_id), "a refused turn must not run later"
        # Once the model is free again the same message goes through.
        retry = await c.post(f"/api/v1/conversations/{conversation_id}/messages", json={"text": BLACKMAIL_TEXT})
        assert retry.status_code == 200


async def test_too_many_queued_turns_are_refused_at_once(live_server, assistant):
    async with httpx.AsyncClient(base_url=live_server.url, timeout=30) as c:
        conversation_id, _ = await new_conversation(c)
        original = assistant.worker._max_pending
        assistant.worker._max_pending = 0
        try:
            response = await c.post(f"/api/v1/conversations/{conversation_id}/messages", json={"payload": "/greet"})
        finally:
            assistant.worker._max_pending = original
        assert response.status_code == 503 and "too many" in response.json()["detail"]


async def test_health_and_other_conversations_under_real_load(live_server, assistant):
    """30 real turns at once from 10 conversations; measure /health and one more conversation meanwhile."""
    async with httpx.AsyncClient(base_url=live_server.url, timeout=60) as c:
        conversations = [(await new_conversation(c))[0] for _ in range(10)]
        observer, _ = await new_conversation(c)
        messages = [BLACKMAIL_TEXT, "/next_step", "he says he'll post it tonight what do i do"]

        async def talk(conversation_id: str) -> None:
            for text in messages:
                response = await c.post(f"/api/v1/conversations/{conversation_id}/messages", json={"text": text})
                assert response.status_code == 200

        done = asyncio.Event()
        sampler = asyncio.ensure_future(sample_health(live_server.url, done))
        load_started = time.perf_counter()
        load = asyncio.gather(*(talk(cid) for cid in conversations))
        await asyncio.sleep(0.05)
        started = time.perf_counter()
        other = await c.post(f"/api/v1/conversations/{observer}/messages", json={"text": BLACKMAIL_TEXT})
        other_latency = time.perf_counter() - started
        await load
        load_seconds = time.perf_counter() - load_started
        done.set()
        latencies = await sampler
    assert other.status_code == 200
    print(
        f"\n[kestrel] 30 turns in {load_seconds:.2f} s ({30 / load_seconds:.1f} turns/s); "
        f"/health meanwhile: {summary(latencies)}; another conversation's turn took {other_latency * 1000:.0f} ms"
    )
    # Client, server and model share one process (and its GIL) here, so these bounds are loose; run
    # measure_busy_latency.py for the service on its own (p50 ~9 ms vs ~94 ms with the agent on the loop).
    assert len(latencies) >= 5
    assert statistics.median(latencies) < 0.15
    assert max(latencies) < 1.0
