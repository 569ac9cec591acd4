"""The load generators against the real service (briefly): realistic conversations get answers, no errors.
Speed is measured by `make bench`, never asserted here."""
from __future__ import annotations

import asyncio

from kestrel_webtest import LiveServer

from bench.loadgen import run_load
from bench.paced import run_paced


def test_the_load_generator_plays_whole_conversations(live_server: LiveServer) -> None:
    result = asyncio.run(run_load(live_server.url, concurrency=3, seconds=3, max_conversations=3, seed=4))
    assert result.error_count == 0, result.errors
    assert result.conversations_started == 3
    assert result.conversations_finished == 3  # bounded by count, well inside the time bound
    assert result.answered >= 3 * 8
    assert result.p(50) > 0 and result.throughput > 0


def test_the_paced_load_is_answered_with_idempotency_keys(live_server: LiveServer) -> None:
    # Think times shortened so a few turns fit in two seconds; the keys ride in REST metadata.
    result = asyncio.run(run_paced(live_server.url, people=3, seconds=2, think=(0.05, 0.2), seed=4))
    assert result.error_count == 0, result.errors
    assert result.answered >= 3
    assert result.conversations_started >= 3
    assert 0 < result.p(50) < 30_000
