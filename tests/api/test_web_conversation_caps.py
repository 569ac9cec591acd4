"""The caps on new conversations (api/conversation_caps.py) on their own, in memory: overall, per client,
and when a refused client may come back. With Redis: tests/redis/test_redis_limits.py."""
from __future__ import annotations

from typing import List

import pytest

from api.conversation_caps import FULL_RETRY_SECONDS, ConversationCaps


@pytest.mark.asyncio(loop_scope="session")
async def test_overall_and_per_client_caps():
    live: List[int] = [0]
    caps = ConversationCaps(overall=5, per_client=2, window_seconds=600, count_live=lambda: live[0])
    for _ in range(2):
        assert await caps.admit("10.0.0.1") is None
        live[0] += 1
    refusal = await caps.admit("10.0.0.1")
    assert refusal is not None and refusal.per_client and 590 <= refusal.retry_after <= 600
    assert await caps.admit("10.0.0.2") is None, "another client is counted apart"
    assert await caps.admit(None) is None, "no client (a messaging platform): only the overall cap"
    live[0] = 5
    refusal = await caps.admit("10.0.0.3")
    assert refusal is not None and not refusal.per_client and refusal.retry_after == FULL_RETRY_SECONDS
    assert await caps.admit(None) is not None, "the overall cap holds for every way in"


def test_the_window_is_keyed_by_a_keyed_hash_never_the_address():
    one = ConversationCaps(overall=9, per_client=1, window_seconds=60, count_live=lambda: 0, secret=b"k" * 32)
    other = ConversationCaps(overall=9, per_client=1, window_seconds=60, count_live=lambda: 0, secret=b"k" * 32)
    assert one._client_key("10.0.0.1") == other._client_key("10.0.0.1") != one._client_key("10.0.0.2")
    assert "10.0.0.1" not in one._client_key("10.0.0.1")
    unkeyed = ConversationCaps(overall=9, per_client=1, window_seconds=60, count_live=lambda: 0)
    assert unkeyed._client_key("10.0.0.1") != one._client_key("10.0.0.1")
