"""Rate limits per client and per conversation: 429 with Retry-After."""
from __future__ import annotations

import random

import pytest
from kestrel_webtest import client_for, new_conversation

from api.ratelimit import LocalRateLimiter

pytestmark = pytest.mark.asyncio(loop_scope="session")


class Clock:
    def __init__(self, now: float = 1_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def time(self) -> float:  # as the `time` module, for limits' own storage
        return self.now


async def test_at_most_the_limit_in_any_sixty_seconds_and_retry_after_is_when_a_slot_frees():
    clock = Clock(0.0)
    limiter = LocalRateLimiter(per_minute=6, clock=clock)
    for second in range(0, 60, 10):
        clock.now = second
        assert await limiter.hit("ip") is None
    clock.now = 55
    assert await limiter.hit("ip") == 5, "the hit at 0 s leaves the window at 60 s"
    assert await limiter.wait("ip") == 5 and await limiter.hit("ip") == 5, "refused hits are not counted"
    clock.now = 60.5
    assert await limiter.hit("ip") is None
    assert await limiter.hit("ip") == 10, "next, the hit at 10 s leaves"
    assert await limiter.hit("other-ip") is None, "keys are independent"
    clock.now = 3600
    assert all([await limiter.hit("ip") is None for _ in range(6)])
    clock.now = 3630
    assert await limiter.hit("ip") == 30, "no steady refill after a burst: the whole minute counts"


async def test_waiting_the_retry_after_is_always_enough():
    clock = Clock(1000.7)
    limiter = LocalRateLimiter(per_minute=2, clock=clock)
    assert await limiter.hit("k") is None
    for step in (0.05, 0.3, 0.45, 0.5, 0.95, 13.25):
        clock.now += step
        wait = await limiter.hit("k")
        if wait is not None:
            assert await limiter.wait("k") == wait
            clock.now += wait
            assert await limiter.hit("k") is None, f"still refused after Retry-After {wait}"


async def test_the_same_decisions_as_limits_own_memory_storage(monkeypatch):
    """The window is limits' moving window: on random traffic, every hit is allowed or refused exactly as
    with limits' in-memory storage (only where the entries are kept differs)."""
    import limits.aio.storage.memory as limits_memory
    from limits import RateLimitItemPerMinute
    from limits.aio.storage import MemoryStorage
    from limits.aio.strategies import MovingWindowRateLimiter

    clock = Clock()
    monkeypatch.setattr(limits_memory, "time", clock)
    rng = random.Random(7)
    for _ in range(40):
        per_minute = rng.randint(1, 8)
        ours = LocalRateLimiter(per_minute=per_minute, clock=clock)
        storage = MemoryStorage()
        theirs, item = MovingWindowRateLimiter(storage), RateLimitItemPerMinute(per_minute)
        for _ in range(120):
            clock.now += rng.choice((0.0, 0.4, 3.0, 9.5, 20.0, 61.0))
            key = rng.choice("abc")
            assert (await ours.hit(key) is None) == await theirs.hit(item, "kestrel-rate", key)


async def test_keys_are_dropped_as_they_leave_the_window_so_memory_stays_bounded():
    clock = Clock()
    limiter = LocalRateLimiter(per_minute=60, clock=clock)
    for i in range(1000):
        if i == 500:
            clock.now += 30
        await limiter.hit(f"k{i}")
    assert len(limiter) == 1000
    clock.now += 31
    await limiter.hit("new")
    assert len(limiter) == 500 + 1, "those hit more than 60 s ago are gone, the rest kept"
    clock.now += 61
    await limiter.hit("newer")
    assert len(limiter) == 1


async def test_beyond_max_keys_the_key_closest_to_idle_forgets_its_count():
    from api.store.memory_window import MemoryWindowStorage
    from api.ratelimit import WindowRateLimiter

    clock = Clock()
    storage = MemoryWindowStorage(max_keys=3, clock=clock)
    limiter = WindowRateLimiter(1, storage, "test", clock)
    for key in "abc":
        assert await limiter.hit(key) is None
        clock.now += 1
    assert await limiter.hit("a") == 57, "a refused hit keeps the key where it is"
    assert await limiter.hit("d") is None
    assert len(storage) == 3
    assert await limiter.hit("a") is None, "'a' was dropped to make room"
    assert await limiter.hit("c") == 59


async def test_a_cleared_key_starts_again_and_fixed_windows_are_not_kept_here():
    from api.store.memory_window import MemoryWindowStorage

    storage = MemoryWindowStorage(clock=Clock())
    assert await storage.acquire_entry("k", 1, 60) and not await storage.acquire_entry("k", 1, 60)
    assert await storage.clear("k") == 1 and await storage.acquire_entry("k", 1, 60)
    await storage.acquire_entry("other", 1, 60)
    assert await storage.reset() == 2 and len(storage) == 0 and await storage.check()
    with pytest.raises(NotImplementedError):
        await storage.incr("k", 60)


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
