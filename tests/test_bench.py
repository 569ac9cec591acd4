"""The benchmark's own logic: loopback only, percentiles, conversation shapes, the report.

No server is started here; tests/api/test_bench_loadgen.py drives the real service briefly."""
from __future__ import annotations

import argparse
import asyncio
import random

import pytest

from bench import compare, paced
from bench.conversations import AGE_BUTTONS, CLOSINGS, CRISIS, GREETINGS, STORIES, conversation
from bench.loadgen import LoadResult, NotLoopback, check_loopback, main, percentile, run_load


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:8000", "http://127.8.9.10", "http://[::1]:8000", "http://localhost:5005", "https://127.0.0.1"]
)
def test_loopback_urls_are_accepted(url: str) -> None:
    check_loopback(url)


@pytest.mark.parametrize(
    "url",
    [
        "http://10.0.0.5:8000", "http://192.168.1.20", "http://0.0.0.0:8000", "http://example.org",
        "http://127.0.0.1.example.org", "http://[2001:db8::1]", "ftp://127.0.0.1", "file:///etc/passwd", "nonsense",
    ],
)
def test_anything_else_is_refused(url: str) -> None:
    with pytest.raises(NotLoopback):
        check_loopback(url)


def test_the_load_generator_refuses_before_sending_anything() -> None:
    with pytest.raises(NotLoopback):
        asyncio.run(run_load("http://192.0.2.1:8000", concurrency=1, seconds=1))
    assert main(["http://192.0.2.1:8000", "--seconds", "1"]) == 2


def test_percentiles_are_nearest_rank() -> None:
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 50) == 50
    assert percentile(values, 95) == 95
    assert percentile(values, 99) == 99
    assert percentile([3.0], 99) == 3.0
    assert percentile([], 50) != percentile([], 50)  # NaN


def test_conversations_have_the_shape_of_real_ones() -> None:
    rng = random.Random(1)
    conversations = [conversation(rng) for _ in range(400)]
    for messages in conversations:
        assert 8 <= len(messages) <= 14
        assert messages[0] in GREETINGS
        assert messages[1] in STORIES
        assert messages[2] in AGE_BUTTONS
        assert messages[-1] in CLOSINGS
    with_crisis = sum(any(m in CRISIS for m in messages) for messages in conversations)
    assert 0.15 < with_crisis / len(conversations) < 0.35
    # Seeded: the same seed plays the same conversations against both servers.
    assert conversation(random.Random(7)) == conversation(random.Random(7))


def _run(name: str, throughput: float, p95: float) -> compare.ServerRun:
    run = compare.ServerRun(name, cold_start_s=5.0)
    for c in (1, 16):
        result = LoadResult(concurrency=c, seconds=10.0, latencies=[p95 / 1000] * int(throughput * 10))
        run.loads[c] = [result]
        run.cpu_ms[c] = [{"server": 10.0, "load generator": 2.0}]
    run.peak_rss_mb = {"server": 600.0}
    return run


def test_the_report_compares_every_kestrel_run_with_stock() -> None:
    args = argparse.Namespace(concurrency=[1, 16])
    runs = [_run("Kestrel", 100, 50), _run("Kestrel 2w", 120, 40), _run("stock", 25, 200)]
    lines = compare.report(runs, 40.0, args)
    assert "| | Kestrel | Kestrel 2w | stock | Kestrel/stock | Kestrel 2w/stock |" in lines
    assert "| messages/s, 16 concurrent | 100.0 | 120.0 | 25.0 | 4.00 | 4.80 |" in lines
    checks = "\n".join(compare.targets(runs, 40.0))
    assert "[ ok ] throughput Kestrel/stock at 16 concurrent: 4.0x" in checks
    assert "[ ok ] Kestrel 2w p95 at 16 concurrent: 40.0 ms" in checks
    assert "[ ok ] training from scratch: 40.0 s" in checks


@pytest.mark.parametrize("turns,window", [(400, 20), (400, 40), (95, 20), (40, 20)])
def test_the_long_conversation_compares_like_with_like(turns: int, window: int) -> None:
    from bench.long_conversation import OPENING, script, windows

    body = script(turns)[len(OPENING):]
    first, last = windows(turns, window)
    assert len(body[first]) == len(body[last]) == window
    assert body[first] == body[last], "the same messages in the same order, only later in the conversation"
    assert last.start >= turns - window - 10 and last.stop <= turns


def _level(people: int, p95_ms: float, errors: int = 0) -> "paced.Level":
    result = LoadResult(concurrency=people, seconds=10.0, latencies=[p95_ms / 1000] * 20)
    if errors:
        result.errors["http_503"] = errors
    return paced.Level(people, result)


def test_the_paced_ramp_multiplies_and_stops_at_the_most() -> None:
    assert list(paced.ramp(10, 2, 100)) == [10, 20, 40, 80]
    assert list(paced.ramp(1, 1.2, 5)) == [1, 2, 3, 4, 5]  # always at least one more person
    with pytest.raises(ValueError):
        list(paced.ramp(10, 1, 100))


def test_a_paced_level_holds_only_under_1_s_and_without_errors() -> None:
    assert _level(40, 999).held
    assert not _level(40, 1000).held
    assert not _level(40, 100, errors=1).held
    assert not paced.Level(40, LoadResult(concurrency=40)).held  # nothing answered


def test_refining_halves_the_gap_between_held_and_lost() -> None:
    levels = [_level(10, 50), _level(20, 60), _level(40, 80), _level(80, 300), _level(160, 4000)]
    assert paced.capacity(levels) == (80, 160)
    assert paced.between(80, 160) == 120
    assert paced.between(120, 160) == 140
    assert paced.between(80, 97) == 90  # a multiple of 5 when one lies strictly between
    assert paced.between(80, 83) == 82  # otherwise the middle, rounded
    assert paced.between(80, 81) is None
    levels.append(_level(120, 1200))  # refined: lost
    assert paced.capacity(levels) == (80, 120)
    assert "largest N with p95 < 1 s: 80 people (at 120: p95 1200 ms)" == paced.summary(levels)


def test_a_lower_level_lost_after_a_higher_one_held_does_not_lower_the_capacity() -> None:
    # A lost level below a held one (a busy moment on the machine) leaves the figure at the held one, and
    # the next level to refine sits above it.
    levels = [_level(10, 50), _level(40, 1500), _level(80, 300), _level(160, 4000)]
    assert paced.capacity(levels) == (80, 160)


def test_the_paced_load_refuses_before_sending_anything() -> None:
    with pytest.raises(NotLoopback):
        asyncio.run(paced.run_paced("http://192.0.2.1:8000", people=1, seconds=1))
    assert paced.main(["--url", "http://192.0.2.1:8000"]) == 2
