"""Rate limits with Redis: one allowance for every process, keyed without the address, and a Redis that
fails costs the server's loop one short wait before each process counts on its own for a while."""
from __future__ import annotations

import time

import pytest
from kestrel_redistest import RedisServer, free_port

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
