"""Async load generator: realistic conversations through Rasa's REST channel, at a chosen concurrency.

    .venv/bin/python -m bench.loadgen http://127.0.0.1:8000 --concurrency 16 --seconds 20

`concurrency` virtual people each play one conversation after another (bench.conversations), sending
the next message as soon as the previous reply arrives (a closed loop, no think time: the server is never
idle, which is the worst case a wave of people produces). Every message is timed from request to full
reply. Bounded twice: no new message starts after `--seconds`, and at most `--conversations` are played.

Safety: only loopback addresses (127.0.0.0/8, ::1, localhost) are accepted; proxies from the environment
are ignored and redirects are not followed, so the load cannot leave this machine.

Each conversation uses its own keep-alive connection, closed after its last message, as a new person
connecting would. Each virtual person sends its own `X-Forwarded-For` address from 198.18.0.0/15 (the range set aside for
benchmarks, RFC 2544): Kestrel trusts that header from loopback, so its per-client rate limit sees many
people, as behind a real proxy, instead of one client sending everything. Stock Rasa ignores the header.
"""
from __future__ import annotations

import argparse
import asyncio
import ipaddress
import math
import random
import secrets
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Dict, List, Optional

import httpx

from bench.conversations import conversation

WEBHOOK = "/webhooks/rest/webhook"


class NotLoopback(ValueError):
    pass


def check_loopback(url: str) -> str:
    """The URL's host if it is a loopback address; NotLoopback otherwise (names other than localhost are
    refused without being resolved)."""
    try:
        parsed = httpx.URL(url)
    except Exception as e:  # noqa: BLE001 - any unparsable URL is refused the same way
        raise NotLoopback(f"not a URL: {url!r}") from e
    if parsed.scheme not in ("http", "https"):
        raise NotLoopback(f"only http(s) URLs are accepted: {url!r}")
    host = parsed.host
    if host == "localhost":
        return host
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        raise NotLoopback(f"refusing {host!r}: the load generator only targets loopback addresses") from None
    if not address.is_loopback:
        raise NotLoopback(f"refusing {host!r}: the load generator only targets loopback addresses")
    return host


def percentile(values: List[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of `values`; NaN for no values."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


@dataclass
class LoadResult:
    concurrency: int
    seconds: float = 0.0  # wall time from the first request to the last reply
    latencies: List[float] = field(default_factory=list)  # seconds, answered messages only
    errors: Counter = field(default_factory=Counter)  # kind -> count
    conversations_started: int = 0
    conversations_finished: int = 0

    @property
    def answered(self) -> int:
        return len(self.latencies)

    @property
    def error_count(self) -> int:
        return sum(self.errors.values())

    @property
    def throughput(self) -> float:
        return self.answered / self.seconds if self.seconds > 0 else 0.0

    def p(self, q: float) -> float:
        """Latency percentile in milliseconds."""
        return percentile(self.latencies, q) * 1000

    def summary(self) -> Dict[str, float]:
        return {
            "concurrency": self.concurrency, "messages": self.answered, "seconds": round(self.seconds, 2),
            "msg_per_s": round(self.throughput, 1), "p50_ms": round(self.p(50), 1),
            "p95_ms": round(self.p(95), 1), "p99_ms": round(self.p(99), 1), "errors": self.error_count,
        }

    def line(self, label: str = "") -> str:
        errors = ", ".join(f"{k} {v}" for k, v in sorted(self.errors.items())) or "0"
        return (
            f"{label}{self.concurrency:>3} concurrent: {self.answered} messages "
            f"({self.conversations_finished} whole conversations) in {self.seconds:.1f} s = "
            f"{self.throughput:.1f} msg/s; latency p50 {self.p(50):.0f} ms, p95 {self.p(95):.0f} ms, "
            f"p99 {self.p(99):.0f} ms; errors {errors}"
        )


def forwarded_for_address(person: int) -> str:
    # 198.18.0.0/15: 131072 addresses reserved for network benchmarks.
    return f"198.{18 + (person >> 16) % 2}.{(person >> 8) % 256}.{person % 256}"


async def run_load(
    url: str,
    concurrency: int,
    seconds: float,
    max_conversations: int = 10_000,
    seed: int = 8,
    timeout: float = 30.0,
    forwarded_for: bool = True,
) -> LoadResult:
    """Play conversations against `url` (the server's base URL) and return what was measured."""
    check_loopback(url)
    if concurrency < 1 or seconds <= 0 or max_conversations < 1:
        raise ValueError("concurrency, seconds and max_conversations must be positive")
    rng = random.Random(seed)
    result = LoadResult(concurrency=concurrency)
    started = time.perf_counter()
    deadline = started + seconds
    next_conversation = 0

    async def person(client: httpx.AsyncClient) -> None:
        nonlocal next_conversation
        while time.perf_counter() < deadline and next_conversation < max_conversations:
            index = next_conversation
            next_conversation += 1
            result.conversations_started += 1
            messages = conversation(rng)
            sender = "bench-" + secrets.token_urlsafe(12)
            headers = {"X-Forwarded-For": forwarded_for_address(index)} if forwarded_for else {}
            finished = True
            for i, text in enumerate(messages):
                if time.perf_counter() >= deadline:
                    finished = False
                    break
                # Each conversation is a different person, so its own connection: the last message
                # closes it and the next conversation connects afresh (with several worker processes,
                # connections kept open for the whole run would stay wherever they first landed).
                last = i == len(messages) - 1
                await send(client, result, sender, text, {**headers, "Connection": "close"} if last else headers)
            if finished:
                result.conversations_finished += 1

    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(
        base_url=url, timeout=timeout, limits=limits, trust_env=False, follow_redirects=False
    ) as client:
        await asyncio.gather(*(person(client) for _ in range(concurrency)))
    result.seconds = time.perf_counter() - started
    return result


async def send(
    client: httpx.AsyncClient,
    result: LoadResult,
    sender: str,
    text: str,
    headers: Dict[str, str],
    metadata: Optional[Dict[str, str]] = None,
) -> None:
    """One message through the REST channel, timed from request to full reply into `result` (or counted
    as an error by kind)."""
    body: Dict[str, object] = {"sender": sender, "message": text}
    if metadata:
        body["metadata"] = metadata
    t0 = time.perf_counter()
    try:
        response = await client.post(WEBHOOK, json=body, headers=headers)
        replies = response.json() if response.status_code == 200 else None
    except httpx.HTTPError as e:
        result.errors[type(e).__name__] += 1
        return
    except ValueError:
        result.errors["bad_json"] += 1
        return
    elapsed = time.perf_counter() - t0
    if response.status_code != 200:
        result.errors[f"http_{response.status_code}"] += 1
    elif not isinstance(replies, list) or not any(isinstance(m, dict) and m.get("text") for m in replies):
        # Every message in these conversations has a reply; none means the person was left unanswered
        # (stock Rasa returns 200 and [] when its action server fails).
        result.errors["no_reply"] += 1
    else:
        result.latencies.append(elapsed)


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("url", help="base URL of a loopback server, e.g. http://127.0.0.1:8000")
    parser.add_argument("--concurrency", "-c", type=int, default=16, help="conversations at once (16)")
    parser.add_argument("--seconds", "-s", type=float, default=20.0, help="no new message after this (20)")
    parser.add_argument("--conversations", "-n", type=int, default=10_000, help="at most this many (10000)")
    parser.add_argument("--seed", type=int, default=8)
    parser.add_argument("--timeout", type=float, default=30.0, help="per message, seconds (30)")
    parser.add_argument("--no-forwarded-for", action="store_true", help="send every message as one client")
    args = parser.parse_args(argv)
    try:
        result = asyncio.run(
            run_load(
                args.url, args.concurrency, args.seconds, args.conversations, args.seed, args.timeout,
                forwarded_for=not args.no_forwarded_for,
            )
        )
    except NotLoopback as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    print(result.line())
    return 0 if result.error_count == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
