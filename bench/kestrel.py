"""Kestrel under test: `python -m api` as `make run` starts it, on a free loopback port, for every benchmark
that drives it over HTTP (bench.compare, bench.paced)."""
from __future__ import annotations

import secrets
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

from bench import processes
from bench.processes import REPO, Server

# The simulated people start conversations far faster than real people do; at that pace the caps on
# conversations (tested in tests/redis/test_redis_limits.py) would refuse the load.
UNCAPPED = {"MAX_CONVERSATIONS": "1000000", "MAX_CONVERSATIONS_PER_CLIENT": "1000000"}


@dataclass
class Kestrel:
    name: str
    base_url: str
    server: Server
    redis: Optional[Server]
    log: Path
    workers: int

    @property
    def servers(self) -> List[Server]:
        """Every process whose CPU serves the load (the Redis server too, when there is one)."""
        return [self.server] + ([self.redis] if self.redis else [])

    def wait_ready(self, timeout: float = 180) -> Tuple[float, float]:
        """Seconds from process start to /ready 200 (from every worker), and to the first REST reply."""
        ready = processes.ready_check(self.base_url)
        if self.workers > 1:
            # /ready answers from whichever worker took the connection: wait until every worker has
            # logged that its model is loaded (LOG_LEVEL INFO, the default).
            def check() -> bool:
                loaded = self.log.read_text(errors="replace").count('"msg": "model loaded"')
                return loaded >= self.workers and ready()
        else:
            check = ready
        cold_start = processes.wait_until(check, [self.server], timeout=timeout)
        first_reply = processes.wait_until(processes.rest_answers_check(self.base_url), [self.server], timeout=60)
        return cold_start, first_reply

    def stop(self) -> Dict[str, float]:
        """Stop every process; their peak RSS in MB, by label."""
        processes.stop(self.server)
        peaks = dict(self.server.peak_rss_mb)
        if self.redis is not None:
            processes.stop(self.redis)
            peaks.update(self.redis.peak_rss_mb)
        return peaks


def start(
    tmp: Path, model: Path, workers: int = 1, extra_env: Sequence[str] = (), checkout: Path = REPO
) -> Kestrel:
    """Start Kestrel from `checkout` (this one unless an older tree is measured) with `model`; above one
    worker, with a private redis-server for REDIS_URL. `extra_env` is KEY=VALUE items."""
    port = processes.free_port()
    env = {"HOST": "127.0.0.1", "PORT": str(port), "MODEL_PATH": str(model), **UNCAPPED}
    redis: Optional[Server] = None
    if workers > 1:
        redis, env["REDIS_URL"] = processes.start_redis(tmp)
        env["WORKERS"] = str(workers)
        # Several processes must hash messaging ids with one key (python -m api refuses otherwise).
        env["CHANNEL_ID_SECRET"] = secrets.token_urlsafe(32)
    env.update(dict(item.split("=", 1) for item in extra_env))
    log = tmp / f"kestrel-{workers}-{port}.log"
    server = processes.start("kestrel", [sys.executable, "-m", "api"], log, env, cwd=checkout)
    name = f"Kestrel {workers}w" if workers > 1 else "Kestrel"
    return Kestrel(name, f"http://127.0.0.1:{port}", server, redis, log, workers)
