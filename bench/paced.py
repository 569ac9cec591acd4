"""Paced load: how many people one Kestrel process holds in conversation with p95 latency under 1 s.

    .venv/bin/python -m bench.paced                                 # starts Kestrel (make bench)
    .venv/bin/python -m bench.paced --start 10 --seconds 60 --refine 3
    .venv/bin/python -m bench.paced --url http://127.0.0.1:8000     # a server already running (loopback only)
    .venv/bin/python -m bench.paced --checkout /path/to/older/tree  # that tree's service, the same model

Unlike bench.loadgen's closed loop, each simulated person reads each reply and types the next message: a
random 2-6 s passes between a reply and the next message, as people spend reading and typing. They play
bench.conversations one after another, each conversation a new sender, and send one idempotency key per
message in REST's `metadata.idempotency_key`, as the web widget sends one per message. N people at once
is one level; the levels ramp up (10, 20, 40, ... by default) until p95 reaches 1 s or a message fails,
then `--refine` levels halve the gap between the last level held and the first one lost. Each level opens
with one think time of arrivals spread out (not measured) and then measures `--seconds`.
"""
from __future__ import annotations

import argparse
import asyncio
import datetime as _dt
import random
import secrets
import ssl
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Iterator, List, Optional, Sequence, Tuple

import httpx

from bench import kestrel as kestrel_server
from bench import processes
from bench.compare import MODEL, load_average, machine
from bench.conversations import conversation
from bench.loadgen import LoadResult, NotLoopback, check_loopback, forwarded_for_address, run_load, send
from bench.processes import REPO, Server

THINK_SECONDS = (2.0, 6.0)
P95_LIMIT_MS = 1000.0
# Below uvicorn's 5 s keep-alive: a connection the server is closing is never reused for the next message
# (that race would show up as errors that are the client's doing).
KEEPALIVE_EXPIRY = 4.0


@dataclass
class Level:
    people: int
    result: LoadResult
    server_cpu: float = float("nan")  # CPU seconds of the server's processes per wall second of the level
    client_cpu: float = float("nan")  # the same for this load generator, which shares the machine
    server_ms_per_turn: float = float("nan")  # server CPU per answered turn, arrivals included

    @property
    def held(self) -> bool:
        return self.result.answered > 0 and self.result.error_count == 0 and self.result.p(95) < P95_LIMIT_MS

    def row(self) -> str:
        r = self.result
        errors = ", ".join(f"{k} {v}" for k, v in sorted(r.errors.items())) or "0"
        return (f"| {self.people} | {r.answered} | {r.throughput:.1f} | {r.p(50):.0f} | {r.p(95):.0f} | "
                f"{errors} | {_percent(self.server_cpu)} | {_ms(self.server_ms_per_turn)} | "
                f"{_percent(self.client_cpu)} | "
                f"{'yes' if self.held else 'no'} |")


def _percent(share: float) -> str:
    return "-" if share != share else f"{share * 100:.0f}%"  # NaN: not measured


def _ms(ms: float) -> str:
    return "-" if ms != ms else f"{ms:.1f}"


TABLE_HEADER = [
    "| people | turns | turns/s | p50 ms | p95 ms | errors | server CPU | server CPU ms/turn | load generator CPU "
    "| p95 < 1 s |",
    "|---|---|---|---|---|---|---|---|---|---|",
]


async def run_paced(
    url: str,
    people: int,
    seconds: float,
    think: Tuple[float, float] = THINK_SECONDS,
    seed: int = 8,
    timeout: float = 30.0,
    first_person: int = 0,
    keys: bool = True,
    arrivals: Optional[LoadResult] = None,
) -> LoadResult:
    """`people` people in conversation with `url` for one think time of arrivals plus `seconds` measured;
    the turns answered while measuring, timed from request to full reply (those of the arrivals go into
    `arrivals`, if given). People are numbered from `first_person` (each its own X-Forwarded-For address),
    so successive levels are different people."""
    check_loopback(url)
    low, high = think
    if people < 1 or seconds <= 0 or not 0 <= low <= high:
        raise ValueError("people and seconds must be positive, think a (low, high) range of seconds")
    arriving = arrivals if arrivals is not None else LoadResult(concurrency=people)
    result = LoadResult(concurrency=people)
    measure_from = time.perf_counter() + high
    deadline = measure_from + seconds

    # Each person is a browser of their own: one client and one connection each. (One pool for everyone
    # costs the load generator several ms a message at a few hundred people: httpcore scans every
    # connection of the pool on each request, and this machine's cores are the server's too.)
    tls = ssl.create_default_context()  # built once: a client builds its own in tens of ms otherwise
    limits = httpx.Limits(max_connections=1, max_keepalive_connections=1, keepalive_expiry=KEEPALIVE_EXPIRY)

    async def person(number: int) -> None:
        # The same person plays the same conversations at the same pace in every run with this seed.
        rng = random.Random(seed * 1_000_003 + number)
        headers = {"X-Forwarded-For": forwarded_for_address(number)}
        await asyncio.sleep(rng.uniform(0, high))  # arrivals spread out, not everyone at once
        async with httpx.AsyncClient(
            base_url=url, timeout=timeout, limits=limits, verify=tls, trust_env=False, follow_redirects=False
        ) as client:
            while time.perf_counter() < deadline:
                messages, sender = conversation(rng), "bench-" + secrets.token_urlsafe(12)
                result.conversations_started += 1
                for text in messages:
                    if time.perf_counter() >= deadline:
                        break
                    into = result if time.perf_counter() >= measure_from else arriving
                    metadata = {"idempotency_key": str(uuid.uuid4())} if keys else None
                    await send(client, into, sender, text, headers, metadata)
                    await asyncio.sleep(rng.uniform(low, high))  # reading the reply, typing the next message
                else:
                    result.conversations_finished += 1

    await asyncio.gather(*(person(first_person + i) for i in range(people)))
    result.seconds = seconds
    return result


def ramp(start: int, factor: float, most: int) -> Iterator[int]:
    """start, start × factor, ... up to `most` (each level at least one more person than the last)."""
    if start < 1 or factor <= 1:
        raise ValueError("start must be at least 1 and factor above 1")
    people = start
    while people <= most:
        yield people
        people = max(people + 1, round(people * factor))


def between(held: int, lost: int) -> Optional[int]:
    """The level halfway between one held and one lost, rounded to a multiple of 5 when the gap allows;
    None when there is no whole level between them."""
    if lost - held < 2:
        return None
    middle = (held + lost) / 2
    rounded = 5 * round(middle / 5)
    return rounded if held < rounded < lost else round(middle)


def capacity(levels: Sequence[Level]) -> Tuple[Optional[int], Optional[int]]:
    """The most people any level held, and the fewest any level lost above that (None where there is none)."""
    held = max((lv.people for lv in levels if lv.held), default=None)
    lost = min((lv.people for lv in levels if not lv.held and (held is None or lv.people > held)), default=None)
    return held, lost


def _log(message: str) -> None:
    print(message, flush=True)


def measure(url: str, args: argparse.Namespace, servers: Sequence[Server]) -> List[Level]:
    """Ramp the levels, then refine between the last held and the first lost; every level as it ends."""
    levels: List[Level] = []
    next_person = 0

    def level(people: int) -> Level:
        nonlocal next_person
        before = sum(processes.cpu_by_process(servers).values()) if servers else None
        t0, own = time.monotonic(), time.process_time()
        arrivals = LoadResult(concurrency=people)
        result = asyncio.run(run_paced(
            url, people, args.seconds, (args.think_min, args.think_max), seed=args.seed + len(levels),
            timeout=args.timeout, first_person=next_person, keys=not args.no_idempotency_keys, arrivals=arrivals,
        ))
        next_person += people
        wall = time.monotonic() - t0
        lv = Level(people, result, client_cpu=(time.process_time() - own) / wall)
        if before is not None:
            used = sum(processes.cpu_by_process(servers).values()) - before
            lv.server_cpu = used / wall
            # The steadiest figure on a shared machine: other work delays the turns far more than it adds to
            # what each one costs.
            turns = result.answered + arrivals.answered
            lv.server_ms_per_turn = used * 1000 / turns if turns else float("nan")
        levels.append(lv)
        _log(lv.row())
        return lv

    _log("\n".join(TABLE_HEADER))
    for people in ramp(args.start, args.factor, args.most):
        if not level(people).held:
            break
    for _ in range(args.refine):
        held, lost = capacity(levels)
        middle = between(held or 0, lost) if lost is not None else None
        if middle is None or middle < 1:
            break
        level(middle)
    return levels


def summary(levels: Sequence[Level]) -> str:
    held, lost = capacity(levels)
    if held is None:
        return "no level held p95 < 1 s without errors"
    if lost is None:
        return f"largest N with p95 < 1 s: {held} people (the most tried; none lost)"
    p95 = next(lv.result.p(95) for lv in levels if lv.people == lost)
    return f"largest N with p95 < 1 s: {held} people (at {lost}: p95 {p95:.0f} ms)"


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.paced", description="Paced load (2-6 s between messages): how many conversations one Kestrel process holds "
        "with p95 under 1 s.", epilog=__doc__.split("\n\n")[1], formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--url", help="drive this running server (loopback only) instead of starting Kestrel")
    parser.add_argument("--checkout", type=Path, default=REPO,
                        help="start Kestrel from this checkout (default: this one), with --model")
    parser.add_argument("--model", type=Path, default=MODEL)
    parser.add_argument("--kestrel-env", action="append", default=[], metavar="KEY=VALUE",
                        help="extra environment for the Kestrel started (repeatable)")
    parser.add_argument("--start", type=int, default=20, help="people in the first level (20)")
    parser.add_argument("--factor", type=float, default=2.0, help="each level this many times the last (2)")
    parser.add_argument("--most", type=int, default=5000, help="never more people than this (5000)")
    parser.add_argument("--refine", type=int, default=0,
                        help="levels after the ramp, each halfway between the last held and the first lost (0)")
    parser.add_argument("--seconds", type=float, default=20.0, help="measured per level, after arrivals (20)")
    parser.add_argument("--think-min", type=float, default=THINK_SECONDS[0], help="seconds (2)")
    parser.add_argument("--think-max", type=float, default=THINK_SECONDS[1], help="seconds (6)")
    parser.add_argument("--seed", type=int, default=8)
    parser.add_argument("--timeout", type=float, default=30.0, help="per message, seconds (30)")
    parser.add_argument("--no-idempotency-keys", action="store_true", help="send messages without a key")
    args = parser.parse_args(argv)

    _log(f"Kestrel paced load, {_dt.date.today().isoformat()}, {machine()}")
    _log(f"think {args.think_min:g}-{args.think_max:g} s; {args.seconds:g} s measured per level; "
         f"idempotency keys {'off' if args.no_idempotency_keys else 'on'}; load average at start {load_average()}")
    if args.url:
        try:
            check_loopback(args.url)
        except NotLoopback as e:
            print(f"error: {e}", file=sys.stderr)
            return 2
        levels = measure(args.url, args, [])
    else:
        if not args.model.exists():
            print(f"no model at {args.model}: run `make train`", file=sys.stderr)
            return 2
        levels = _with_kestrel(args)
    _log(summary(levels))
    _log(f"load average at end {load_average()}")
    return 0 if levels else 1


def _with_kestrel(args: argparse.Namespace) -> List[Level]:
    checkout = args.checkout.resolve()
    with tempfile.TemporaryDirectory(prefix="kestrel-paced-") as tmp:
        server = kestrel_server.start(Path(tmp), args.model.resolve(), 1, args.kestrel_env, checkout=checkout)
        try:
            cold_start, _ = server.wait_ready()
            _log(f"Kestrel (python -m api from {checkout}, commit {_commit(checkout)}): "
                 f"ready in {cold_start:.1f} s")
            asyncio.run(run_load(server.base_url, concurrency=4, seconds=3, seed=999))  # warm-up, not counted
            return measure(server.base_url, args, server.servers)
        finally:
            peaks: Dict[str, float] = server.stop()
            _log("peak RSS: " + ", ".join(f"{label} {mb:.0f} MB" for label, mb in peaks.items()))


def _commit(checkout: Path) -> str:
    done = subprocess.run(["git", "-C", str(checkout), "log", "-1", "--format=%h %s"], capture_output=True, text=True)
    return done.stdout.strip()[:72] if done.returncode == 0 else "unknown"


if __name__ == "__main__":
    sys.exit(main())
