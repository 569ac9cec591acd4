"""Rate limits with Redis: one allowance for every process, keyed without the address, and a Redis that
fails costs the server's loop one short wait before each process counts on its own for a while."""
from __future__ import annotations

import time

import pytest
from kestrel_redistest import RedisServer, free_port
from limits import RateLimitItemPerMinute
from limits.aio.strategies import MovingWindowRateLimiter

from api.ratelimit import LIMIT_TIMEOUT_SECONDS, Limits, RateLimited
from api.store.client import LoopClient
from api.store.redis_window import RedisWindowStorage

pytestmark = pytest.mark.asyncio(loop_scope="function")


def limits_on(url: str) -> Limits:
    return Limits(60, 3, window=RedisWindowStorage(LoopClient(url)), secret=b"k" * 32)


async def test_processes_share_one_allowance_and_redis_never_sees_the_address(redis_server: RedisServer):
    first, second = limits_on(redis_server.url), limits_on(redis_server.url)
    await first.check_conversation("conv-1")
    await second.check_conversation("conv-1")
    await first.check_conversation("conv-1")
    try:
        await second.check_conversation("conv-1")
    except RateLimited as refused:
        assert refused.retry_after >= 1
    else:
        raise AssertionError("the fourth message within a minute was allowed")
    await first.check_client("203.0.113.7")
    keys = b" ".join(redis_server.client().keys("*"))
    assert b"203.0.113.7" not in keys and b"conv-1" not in keys


async def test_an_unreachable_redis_falls_back_to_this_process_at_once():
    limits = limits_on(f"redis://127.0.0.1:{free_port()}/0")
    started = time.monotonic()
    for _ in range(3):
        await limits.check_conversation("conv")
    assert time.monotonic() - started < 2 * LIMIT_TIMEOUT_SECONDS + 0.5, "Redis asked once, then not again"
    try:
        await limits.check_conversation("conv")
    except RateLimited:
        pass
    else:
        raise AssertionError("the local count did not hold")


async def test_retry_after_is_when_the_oldest_request_in_the_window_leaves_it(redis_server: RedisServer):
    item = RateLimitItemPerMinute(3)
    storage = RedisWindowStorage(LoopClient(redis_server.url))
    window = MovingWindowRateLimiter(storage)
    now = time.time()
    # Three requests 50, 30 and 10 seconds ago, stored as the acquire script stores them (newest first).
    redis_server.client().lpush(item.key_for("test", "k"), now - 50, now - 30, now - 10)
    assert not await window.test(item, "test", "k") and not await window.hit(item, "test", "k")
    reset_at, remaining = await window.get_window_stats(item, "test", "k")
    assert remaining == 0
    assert 9 < reset_at - time.time() <= 10, "the request 50 s ago leaves the window in 10 s"
    redis_server.client().lpush(item.key_for("test", "old"), now - 61, now - 5)
    assert (await window.get_window_stats(item, "test", "old"))[1] == 2, "61 s ago is out of the window"
