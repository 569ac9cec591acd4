"""Rate limits per client and per conversation: 429 with Retry-After."""
from __future__ import annotations

import pytest
from kestrel_webtest import client_for, new_conversation

from api.ratelimit import RateLimiter

pytestmark = pytest.mark.asyncio(loop_scope="session")


def test_token_bucket_allows_a_burst_then_refills():
    now = [0.0]
    limiter = RateLimiter(per_minute=6, clock=lambda: now[0])  # one token every 10 s
    assert all(limiter.hit("ip") is None for _ in range(6))
    assert limiter.hit("ip") == 10
    now[0] += 4
    assert limiter.hit("ip") == 6, "Retry-After counts down as the bucket refills"
    now[0] += 6
    assert limiter.hit("ip") is None
    assert limiter.hit("ip") == 10
    assert limiter.hit("other-ip") is None, "keys are independent"
    now[0] += 3600
    assert all(limiter.hit("ip") is None for _ in range(6)), "a bucket never holds more than the limit"
    assert limiter.hit("ip") is not None


def test_idle_buckets_are_pruned_so_memory_stays_bounded(monkeypatch):
    import api.ratelimit as ratelimit

    monkeypatch.setattr(ratelimit, "_PRUNE_ABOVE", 100)
    now = [0.0]
    limiter = RateLimiter(per_minute=60, clock=lambda: now[0])
    for i in range(100):
        limiter.hit(f"k{i}")
    now[0] += 120
    limiter.hit("new")
    assert len(limiter) == 1


async def test_per_client_limit_returns_429_with_retry_after(app_factory):
    async with client_for(app_factory(rate_limit_per_client=3)) as c:
        for _ in range(3):
            assert (await c.post("/api/v1/conversations")).status_code == 201
        limited = await c.post("/api/v1/conversations")
        assert limited.status_code == 429
        assert int(limited.headers["retry-after"]) >= 1
        assert "wait" in limited.json()["detail"]
        # Health checks are never limited.
        assert (await c.get("/health")).status_code == 200


async def test_per_conversation_limit_spares_other_conversations(app_factory):
    async with client_for(app_factory(rate_limit_per_conversation=2)) as c:
        busy, _ = await new_conversation(c)
        calm, _ = await new_conversation(c)
        url = f"/api/v1/conversations/{busy}/messages"
        assert (await c.post(url, json={"payload": "/greet"})).status_code == 200
        assert (await c.post(url, json={"payload": "/greet"})).status_code == 200
        limited = await c.post(url, json={"payload": "/greet"})
        assert limited.status_code == 429 and int(limited.headers["retry-after"]) >= 1
        assert (await c.post(f"/api/v1/conversations/{calm}/messages", json={"payload": "/greet"})).status_code == 200
        # Leaving must always work, however fast someone has been typing.
        assert (await c.delete(f"/api/v1/conversations/{busy}")).status_code == 204


async def test_rest_channel_is_limited_per_sender(app_factory):
    async with client_for(app_factory(rate_limit_per_conversation=1)) as c:
        body = {"sender": "rate-limit-sender", "message": "/greet"}
        assert (await c.post("/webhooks/rest/webhook", json=body)).status_code == 200
        limited = await c.post("/webhooks/rest/webhook", json=body)
        assert limited.status_code == 429 and "retry-after" in limited.headers
