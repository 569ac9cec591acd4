"""Where one turn's time goes, measured in-process on Kestrel's own serving path (no HTTP).

    .venv/bin/python -m bench.profile_turn                 # stage breakdown
    .venv/bin/python -m bench.profile_turn --cprofile 25   # plus cProfile's top 25 functions

Loads the model exactly as the service does (`api.assistant.Assistant`, agent on its worker thread),
plays `--conversations` benchmark conversations one message at a time through `Assistant.send`, and
times Rasa's stages by wrapping them. Stages nest, so the table gives inclusive times:

    turn                      Assistant.send, end to end (worker hand-off included)
      fetch tracker           tracker store retrieve (the in-memory store deserialises JSON)
      NLU parse               the NLU graph (spaCy, featurizers, classifier, overrides)
      policy prediction       Memoization + Rule policies, once per predicted action
      action call             RemoteAction.run, per custom action
        tracker state         tracker.current_state(EventVerbosity.ALL) for the action call
        endpoint request      the in-process action endpoint (JSON round trip + the action itself)
      save tracker            tracker store save (event broker + JSON serialisation)
"""
from __future__ import annotations

import argparse
import asyncio
import cProfile
import functools
import inspect
import io
import pstats
import random
import secrets
import threading
import time
from collections import defaultdict
from typing import Any, Callable, DefaultDict, List, Tuple

from bench.conversations import conversation

_totals: DefaultDict[str, List[float]] = defaultdict(list)
_worker_profiler: List[cProfile.Profile] = []


def _wrap(owner: Any, attribute: str, stage: str) -> None:
    original = getattr(owner, attribute)
    if inspect.iscoroutinefunction(original):

        @functools.wraps(original)
        async def timed_async(*args: Any, **kwargs: Any) -> Any:
            t0 = time.perf_counter()
            try:
                return await original(*args, **kwargs)
            finally:
                _totals[stage].append(time.perf_counter() - t0)

        setattr(owner, attribute, timed_async)
    else:

        @functools.wraps(original)
        def timed(*args: Any, **kwargs: Any) -> Any:
            t0 = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                _totals[stage].append(time.perf_counter() - t0)

        setattr(owner, attribute, timed)


STAGES: List[Tuple[str, str, str, str]] = [
    # (module, class, attribute, stage label)
    ("rasa.core.processor", "MessageProcessor", "fetch_tracker_and_update_session", "  fetch tracker (+session)"),
    ("rasa.core.processor", "MessageProcessor", "parse_message", "  NLU parse"),
    ("rasa.core.processor", "MessageProcessor", "run_action_extract_slots", "  extract slots"),
    ("rasa.core.processor", "MessageProcessor", "_predict_next_with_tracker", "  policy prediction"),
    ("rasa.core.actions.action", "RemoteAction", "run", "  action call"),
    ("rasa.core.actions.action", "RemoteAction", "_action_call_format", "    tracker state + domain"),
    ("rasa.core.actions.action", "RemoteAction", "_validate_action_result", "    validate result"),
    ("api.rasa.inprocess_actions", "InProcessActionEndpoint", "request", "    endpoint request"),
    ("rasa_sdk.executor", "ActionExecutor", "run", "      the action itself"),
    ("rasa.core.processor", "MessageProcessor", "save_tracker", "  save tracker"),
]


def install_stage_timers() -> None:
    import importlib

    for module, cls, attribute, stage in STAGES:
        _wrap(getattr(importlib.import_module(module), cls), attribute, stage)


async def _play(assistant: Any, conversations: int, seed: int, concurrency: int = 1) -> Tuple[List[float], int]:
    rng = random.Random(seed)
    latencies: List[float] = []
    scripts = [conversation(rng) for _ in range(conversations)]

    async def person() -> None:
        while scripts:
            script = scripts.pop()
            sender = "profile-" + secrets.token_urlsafe(8)
            for text in script:
                t0 = time.perf_counter()
                await assistant.send(sender, text=text, channel="rest", create=True)
                latencies.append(time.perf_counter() - t0)

    await asyncio.gather(*(person() for _ in range(concurrency)))
    return latencies, len(latencies)


async def main_async(args: argparse.Namespace) -> None:
    from api.assistant import Assistant
    from api.logging_setup import setup_logging
    from api.settings import Settings

    t0 = time.perf_counter()
    settings = Settings()
    setup_logging(settings.log_level)  # as api.main.create_app does: Rasa's debug lines are dropped
    assistant = Assistant(settings)
    await assistant.start()
    if not await assistant.wait_until_ready(timeout=300):
        raise SystemExit(f"model did not load: {assistant.load_error}")
    print(f"model loaded in {time.perf_counter() - t0:.1f} s (imports included)")
    install_stage_timers()

    await _play(assistant, 3, seed=args.seed + 1)  # warm-up: first-call costs are not per-turn costs
    _totals.clear()

    if args.cprofile:
        def enable() -> None:
            profiler = cProfile.Profile()
            _worker_profiler.append(profiler)
            profiler.enable()

        await assistant.worker.run(_as_coro(enable), timeout=None)
    t_run, cpu_run = time.perf_counter(), time.process_time()
    latencies, turns = await _play(assistant, args.conversations, seed=args.seed, concurrency=args.concurrency)
    wall, cpu = time.perf_counter() - t_run, time.process_time() - cpu_run
    if args.cprofile:
        await assistant.worker.run(_as_coro(lambda: _worker_profiler[0].disable()), timeout=None)
    await assistant.stop()

    latencies.sort()
    print(f"{turns} turns, {args.concurrency} at once, in {wall:.2f} s: {turns / wall:.1f} turns/s; "
          f"turn p50 {latencies[len(latencies) // 2] * 1000:.1f} ms, "
          f"p95 {latencies[int(len(latencies) * 0.95)] * 1000:.1f} ms; "
          f"process CPU {cpu * 1000 / turns:.1f} ms/turn (less sensitive to other load than wall time)")
    print(f"\n{'stage (inclusive)':34} {'calls/turn':>10} {'ms/call':>8} {'ms/turn':>8} {'share':>6}")
    turn_ms = wall * 1000 / turns
    print(f"{'turn (Assistant.send)':34} {1:>10.2f} {turn_ms:>8.2f} {turn_ms:>8.2f} {100:>5.0f}%")
    for _module, _cls, _attr, stage in STAGES:
        samples = _totals.get(stage, [])
        if not samples:
            continue
        per_turn = sum(samples) * 1000 / turns
        print(f"{stage:34} {len(samples) / turns:>10.2f} {sum(samples) * 1000 / len(samples):>8.2f} "
              f"{per_turn:>8.2f} {per_turn / turn_ms * 100:>5.0f}%")
    if args.cprofile:
        out = io.StringIO()
        stats = pstats.Stats(_worker_profiler[0], stream=out)
        stats.sort_stats(args.sort).print_stats(args.cprofile)
        print(f"\ncProfile of the model thread, by {args.sort}, per {turns} turns:")
        print(out.getvalue())


def _as_coro(fn: Callable[[], Any]) -> Callable[[], Any]:
    async def run() -> Any:
        return fn()

    return run


def main() -> None:
    parser = argparse.ArgumentParser(description="Where one turn's time goes (in-process).")
    parser.add_argument("--conversations", type=int, default=30)
    parser.add_argument("--seed", type=int, default=8)
    parser.add_argument("--concurrency", type=int, default=1, help="conversations sent at once (1)")
    parser.add_argument("--cprofile", type=int, default=0, metavar="N", help="print cProfile's top N functions")
    parser.add_argument("--sort", default="tottime", choices=["tottime", "cumulative"])
    args = parser.parse_args()
    assert threading.current_thread() is threading.main_thread()
    asyncio.run(main_async(args))


if __name__ == "__main__":
    main()
