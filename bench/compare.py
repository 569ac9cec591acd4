"""`make bench`: Kestrel against stock Rasa, on the same trained model, in one go (~4 min; ~6 with 2 workers).

1. Kestrel as `make run` starts it (`python -m api`, default settings, loopback port): cold start (process
   start to `/ready` 200), then the load generator at 1 and 16 concurrent conversations, peak RSS.
   `--workers 1 2` adds a run with WORKERS=2 and a private redis-server for REDIS_URL.
2. Stock Rasa: `rasa run --enable-api` + `rasa run actions` (both on 127.0.0.1), driven through its REST
   channel the same way: cold start (process start to the REST channel answering with text), the same
   loads, peak RSS of each process.
3. Training from scratch: `rasa train --force` into a temporary folder, with an empty training cache.

Each load level runs `--rounds` times (default 2) for `--seconds` each, after a short warm-up; the summary
uses the median of the rounds and every round is printed, with the CPU each process spent per message (the
figure least disturbed by other work on the machine). The load average is printed before and after: other
work on the machine slows every server, so compare runs made at similar load. docs/performance.md has the
measured table.

    .venv/bin/python -m bench.compare                       # everything (make bench)
    .venv/bin/python -m bench.compare --workers 1 2         # make bench BENCH_ARGS="--workers 1 2"
    .venv/bin/python -m bench.compare --only kestrel --skip-train --kestrel-env LOG_LEVEL=WARNING
"""
from __future__ import annotations

import argparse
import asyncio
import datetime as _dt
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence

from bench import processes
from bench.kestrel import start as start_kestrel
from bench.loadgen import LoadResult, run_load
from bench.processes import REPO, Server

MODEL = REPO / "models" / "kestrel.tar.gz"
TARGETS = {
    "throughput_ratio_16": 4.0,  # Kestrel / stock messages per second at 16 concurrent
    "p95_ms_16": 100.0,
    "cold_start_s": 15.0,
    "rss_mb": 700.0,
    "train_s": 180.0,
}


@dataclass
class ServerRun:
    name: str
    cold_start_s: float = float("nan")
    cold_start_what: str = ""
    first_reply_s: float = float("nan")
    loads: Dict[int, List[LoadResult]] = field(default_factory=dict)
    peak_rss_mb: Dict[str, float] = field(default_factory=dict)
    cpu_ms: Dict[int, List[Dict[str, float]]] = field(default_factory=dict)  # per message, by process
    error: Optional[str] = None

    def median(self, concurrency: int, metric: Callable[[LoadResult], float]) -> float:
        values = [metric(r) for r in self.loads.get(concurrency, [])]
        return statistics.median(values) if values else float("nan")

    def errors(self, concurrency: int) -> int:
        return sum(r.error_count for r in self.loads.get(concurrency, []))


def _log(message: str) -> None:
    print(message, flush=True)


def machine() -> str:
    cores = os.cpu_count() or 0
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        ram = f"{kb / 1024 / 1024:.0f} GB RAM"
    except (OSError, ValueError, IndexError):
        ram = "RAM unknown"
    return f"{cores} cores ({cpu_model()}), {ram}, Python {sys.version.split()[0]}"


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "CPU unknown"


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f}"


def _drive(run: ServerRun, base_url: str, servers: Sequence[Server], args: argparse.Namespace) -> None:
    asyncio.run(run_load(base_url, concurrency=4, seconds=3, seed=999))  # warm-up, not counted
    for round_no in range(args.rounds):
        for concurrency in args.concurrency:
            before, own_before = processes.cpu_by_process(servers), time.process_time()
            result = asyncio.run(run_load(base_url, concurrency, args.seconds, seed=100 * round_no + concurrency))
            after, own = processes.cpu_by_process(servers), time.process_time() - own_before
            run.loads.setdefault(concurrency, []).append(result)
            _log(result.line(f"  {run.name:7} round {round_no + 1}: "))
            if result.answered:
                # CPU per answered message, by process: where the machine's two cores went.
                per = {label: (after[label] - before.get(label, 0.0)) * 1000 / result.answered for label in after}
                per["load generator"] = own * 1000 / result.answered
                run.cpu_ms.setdefault(concurrency, []).append(per)
                _log("      CPU ms per message: " + ", ".join(
                    f"{label} {ms:.1f}" for label, ms in per.items() if ms >= 0.05))


def bench_kestrel(tmp: Path, args: argparse.Namespace, workers: int) -> ServerRun:
    kestrel = start_kestrel(tmp, args.model, workers, args.kestrel_env)
    run = ServerRun(kestrel.name)
    try:
        run.cold_start_s, run.first_reply_s = kestrel.wait_ready()
        run.cold_start_what = "process start to /ready 200" + (" from every worker" if workers > 1 else "")
        _log(f"  {run.name} cold start {run.cold_start_s:.1f} s (first REST reply at {run.first_reply_s:.1f} s)")
        _drive(run, kestrel.base_url, kestrel.servers, args)
    except Exception as e:  # noqa: BLE001 - report and carry on with the other server
        run.error = f"{type(e).__name__}: {e}"
        _log(f"  {run.name} failed: {run.error}\n{kestrel.server.log_tail()}")
    finally:
        run.peak_rss_mb = kestrel.stop()
    return run


def bench_stock(tmp: Path, args: argparse.Namespace) -> ServerRun:
    run = ServerRun("stock")
    rasa = str(Path(sys.executable).parent / "rasa")
    port, actions_port = processes.free_port(), processes.free_port()
    base = f"http://127.0.0.1:{port}"
    (tmp / "endpoints.yml").write_text(f'action_endpoint:\n  url: "http://127.0.0.1:{actions_port}/webhook"\n')
    (tmp / "credentials.yml").write_text("rest:\n")
    env = {"RASA_TELEMETRY_ENABLED": "false"}
    actions = processes.start(
        "rasa run actions", [rasa, "run", "actions", "--actions", "actions", "--port", str(actions_port)],
        tmp / "stock-actions.log", {**env, "SANIC_HOST": "127.0.0.1"},  # rasa_sdk's only way to bind loopback
    )
    server = processes.start(
        "rasa run",
        [rasa, "run", "--enable-api", "--model", str(args.model), "--endpoints", str(tmp / "endpoints.yml"),
         "--credentials", str(tmp / "credentials.yml"), "--interface", "127.0.0.1", "--port", str(port)],
        tmp / "stock-rasa.log", env,
    )
    try:
        run.cold_start_s = processes.wait_until(processes.rest_answers_check(base), [server, actions], timeout=240)
        run.cold_start_what = "process start to the REST channel answering with text"
        run.first_reply_s = run.cold_start_s
        _log(f"  stock cold start {run.cold_start_s:.1f} s")
        _drive(run, base, [server, actions], args)
    except Exception as e:  # noqa: BLE001
        run.error = f"{type(e).__name__}: {e}"
        _log(f"  stock failed: {run.error}\n{server.log_tail()}\n{actions.log_tail()}")
    finally:
        processes.stop(server)
        processes.stop(actions)
        run.peak_rss_mb = {**server.peak_rss_mb, **actions.peak_rss_mb}
    return run


def time_training(tmp: Path) -> Optional[float]:
    rasa = str(Path(sys.executable).parent / "rasa")
    out = tmp / "trained"
    log = tmp / "train.log"
    env = {**os.environ, "RASA_TELEMETRY_ENABLED": "false", "RASA_CACHE_DIRECTORY": str(tmp / "cache")}
    t0 = time.monotonic()
    with open(log, "wb") as f:
        done = subprocess.run(
            [rasa, "train", "--force", "--out", str(out), "--fixed-model-name", "bench"],
            cwd=REPO, env=env, stdout=f, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, timeout=900,
        )
    seconds = time.monotonic() - t0
    if done.returncode != 0 or not (out / "bench.tar.gz").exists():
        _log(f"  training failed (exit {done.returncode}); see the end of its log:")
        _log("\n".join(log.read_text(errors="replace").splitlines()[-15:]))
        return None
    return seconds


def _fmt(value: float, digits: int = 0) -> str:
    return "-" if value != value else f"{value:.{digits}f}"  # NaN -> "-"


def _rss_total(peaks: Dict[str, float]) -> float:
    return sum(peaks.values()) if peaks else float("nan")


def _server_cpu(run: ServerRun, concurrency: int) -> float:
    """Median over rounds of the CPU every server process (not the load generator) spent per message."""
    rounds = run.cpu_ms.get(concurrency, [])
    totals = [sum(ms for label, ms in per.items() if label != "load generator") for per in rounds]
    return statistics.median(totals) if totals else float("nan")


def report(runs: List[ServerRun], train_s: Optional[float], args: argparse.Namespace) -> List[str]:
    stock = next((r for r in runs if r.name == "stock"), None)
    ours = [r for r in runs if r is not stock]
    ratio_names = [f"{r.name}/stock" for r in ours] if stock else []
    lines = [
        "",
        "| | " + " | ".join([r.name for r in runs] + ratio_names) + " |",
        "|---|" + "---|" * (len(runs) + len(ratio_names)),
    ]

    def row(label: str, metric: Callable[[ServerRun], float], digits: int = 0, ratio: bool = True) -> None:
        cells = [_fmt(metric(r), digits) for r in runs]
        if stock:
            s = metric(stock)
            for r in ours:
                k = metric(r)
                cells.append(f"{k / s:.2f}" if ratio and s and s == s and k == k else "")
        lines.append(f"| {label} | " + " | ".join(cells) + " |")

    for c in args.concurrency:
        row(f"messages/s, {c} concurrent", lambda r, c=c: r.median(c, lambda x: x.throughput), 1)
        row(f"p50 ms, {c} concurrent", lambda r, c=c: r.median(c, lambda x: x.p(50)))
        row(f"p95 ms, {c} concurrent", lambda r, c=c: r.median(c, lambda x: x.p(95)))
        row(f"p99 ms, {c} concurrent", lambda r, c=c: r.median(c, lambda x: x.p(99)))
        row(f"errors, {c} concurrent (all rounds)", lambda r, c=c: float(r.errors(c)), ratio=False)
    row("cold start s", lambda r: r.cold_start_s, 1)
    row("peak RSS MB, all processes", lambda r: _rss_total(r.peak_rss_mb))
    row("server CPU ms per message, 16 concurrent", lambda r: _server_cpu(r, 16), 1)
    lines.append("")
    for r in runs:
        for c, rounds in r.cpu_ms.items():
            labels = sorted({label for per in rounds for label in per})
            medians = {label: statistics.median(per.get(label, 0.0) for per in rounds) for label in labels}
            lines.append(f"- {r.name} CPU ms per message at {c} concurrent: " + ", ".join(
                f"{label} {ms:.1f}" for label, ms in medians.items() if ms >= 0.05))
        for label, mb in r.peak_rss_mb.items():
            lines.append(f"- peak RSS {label}: {mb:.0f} MB")
        if r.cold_start_what:
            lines.append(f"- {r.name} cold start: {r.cold_start_what}")
        if r.error:
            lines.append(f"- {r.name} FAILED: {r.error}")
    if train_s is not None:
        lines.append(f"- training from scratch (rasa train --force, empty cache): {train_s:.0f} s")
    return lines


def targets(runs: List[ServerRun], train_s: Optional[float]) -> List[str]:
    s = next((r for r in runs if r.name == "stock"), None)
    out = ["", "Targets (2 cores):"]

    def check(label: str, value: float, limit: float, higher_is_better: bool = False, unit: str = "") -> None:
        if value != value:
            out.append(f"  [ -- ] {label}: not measured")
            return
        ok = value >= limit if higher_is_better else value <= limit
        sign = ">=" if higher_is_better else "<="
        out.append(f"  [{' ok ' if ok else 'MISS'}] {label}: {value:.1f}{unit} (target {sign} {limit:g}{unit})")

    for k in (r for r in runs if r is not s):
        if s and 16 in k.loads and 16 in s.loads:
            check(f"throughput {k.name}/stock at 16 concurrent",
                  k.median(16, lambda x: x.throughput) / s.median(16, lambda x: x.throughput),
                  TARGETS["throughput_ratio_16"], higher_is_better=True, unit="x")
        check(f"{k.name} p95 at 16 concurrent", k.median(16, lambda x: x.p(95)), TARGETS["p95_ms_16"], unit=" ms")
        check(f"{k.name} cold start", k.cold_start_s, TARGETS["cold_start_s"], unit=" s")
        workers = [mb for label, mb in k.peak_rss_mb.items() if not label.startswith("redis")]
        check(f"{k.name} peak RSS per worker", max(workers, default=float("nan")), TARGETS["rss_mb"], unit=" MB")
    if train_s is not None:
        check("training from scratch", train_s, TARGETS["train_s"], unit=" s")
    return out


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description="Kestrel against stock Rasa on the same model.")
    parser.add_argument("--seconds", type=float, default=20.0, help="per load level and round (20)")
    parser.add_argument("--rounds", type=int, default=2, help="times each load level runs (2)")
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 16])
    parser.add_argument("--only", choices=["kestrel", "stock"], help="benchmark one server only")
    parser.add_argument("--skip-train", action="store_true", help="do not time training from scratch")
    parser.add_argument("--model", type=Path, default=MODEL)
    parser.add_argument("--workers", type=int, nargs="+", default=[1],
                        help="Kestrel runs with these WORKERS counts (default 1); above 1 starts a private "
                        "redis-server for REDIS_URL, e.g. --workers 1 2")
    parser.add_argument("--kestrel-env", action="append", default=[], metavar="KEY=VALUE",
                        help="extra environment for Kestrel, e.g. LOG_LEVEL=WARNING (repeatable)")
    args = parser.parse_args(argv)
    if not args.model.exists():
        print(f"no model at {args.model}: run `make train`", file=sys.stderr)
        return 2
    args.model = args.model.resolve()

    started = time.monotonic()
    _log(f"Kestrel benchmark, {_dt.date.today().isoformat()}, {machine()}")
    _log(f"model {args.model.relative_to(REPO) if args.model.is_relative_to(REPO) else args.model}; "
         f"loads {args.concurrency} concurrent x {args.rounds} rounds x {args.seconds:g} s; "
         f"load average at start {load_average()}")
    tmp = Path(tempfile.mkdtemp(prefix="kestrel-bench-"))
    runs: List[ServerRun] = []
    train_s: Optional[float] = None
    try:
        if args.only in (None, "kestrel"):
            for workers in args.workers:
                _log(f"Kestrel (python -m api{f', WORKERS={workers} with Redis' if workers > 1 else ''}):")
                runs.append(bench_kestrel(tmp, args, workers))
        if args.only in (None, "stock"):
            _log("stock Rasa (rasa run --enable-api + rasa run actions):")
            runs.append(bench_stock(tmp, args))
        if not args.skip_train:
            _log("training from scratch (rasa train --force) ...")
            train_s = time_training(tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    for line in report(runs, train_s, args) + targets(runs, train_s):
        _log(line)
    _log(f"\nload average at end {load_average()}; whole benchmark {time.monotonic() - started:.0f} s")
    return 1 if any(r.error for r in runs) else 0


if __name__ == "__main__":
    sys.exit(main())
