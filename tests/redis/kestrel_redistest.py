"""Helpers for the Redis scale-out tests: a private redis-server, the service as separate processes, and
checks on the conversation as Redis holds it. (A module with a unique name, so no clash with other test
folders' helpers.)"""
from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Tuple

import httpx
import redis

REPO = Path(__file__).resolve().parents[2]
MODEL_DIR = Path(os.environ.get("KESTREL_TEST_MODEL_PATH", REPO / "models"))
REDIS_SERVER = shutil.which("redis-server")
NO_REDIS_REASON = (
    "redis-server is not installed: these tests start a real one. `make test` installs it "
    "(scripts/install_test_services.sh, Debian package redis-server)."
)

BLACKMAIL_TEXT = "someone has my nudes and wants £200 or he'll send them to my family"
CHANNEL_ID_SECRET = "redis-tests-channel-id-secret-0123456789"
UNDER18_PAYLOAD = '/tell_age{"age_group":"under18"}'


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class RedisServer:
    """redis-server on a free loopback port, with its data in `directory` (append-only file, fsync on
    every write), so stopping and starting it again keeps the conversations, as a real deployment's
    persistent Redis would."""

    def __init__(self, directory: Path, *extra_args: str) -> None:
        assert REDIS_SERVER is not None, NO_REDIS_REASON
        self.directory = directory
        self.extra_args = list(extra_args)
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: Optional[subprocess.Popen] = None

    def start(self) -> "RedisServer":
        self.process = subprocess.Popen(
            [
                str(REDIS_SERVER), "--port", str(self.port), "--bind", "127.0.0.1", "--protected-mode", "yes",
                "--save", "", "--appendonly", "yes", "--appendfsync", "always", "--dir", str(self.directory),
                "--daemonize", "no", "--logfile", str(self.directory / "redis.log"), *self.extra_args,
            ],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 15
        while True:
            try:
                if self.client().ping():
                    return self
            except redis.exceptions.ConnectionError:
                pass
            if time.monotonic() > deadline or self.process.poll() is not None:
                raise RuntimeError(f"redis-server did not start: {(self.directory / 'redis.log').read_text()[-2000:]}")
            time.sleep(0.05)

    def stop(self) -> None:
        """A clean shutdown (SIGTERM): the append-only file is complete, and the port is free again."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(15)
        self.process = None

    def client(self) -> "redis.Redis[bytes]":
        return redis.Redis(port=self.port, socket_timeout=2, socket_connect_timeout=2)


class Service:
    """`python -m api` as its own process (what `make run` and the container run)."""

    def __init__(self, name: str, log_dir: Path, redis_url: Optional[str], **env: str) -> None:
        self.name = name
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_dir / f"{name}.log"
        self.env = {
            **os.environ,
            "HOST": "127.0.0.1",
            "PORT": str(self.port),
            "MODEL_PATH": str(MODEL_DIR),
            "LOG_LEVEL": "INFO",
            "RATE_LIMIT_PER_CLIENT": "100000",
            "RATE_LIMIT_PER_CONVERSATION": "100000",
            "MAX_CONVERSATIONS_PER_CLIENT": "100000",
            # Processes sharing Redis must share the key for messaging ids (python -m api refuses otherwise).
            "CHANNEL_ID_SECRET": CHANNEL_ID_SECRET,
            **env,
        }
        self.env.pop("ADMIN_TOKEN", None)
        if redis_url:
            self.env["REDIS_URL"] = redis_url
        self.workers = int(self.env.get("WORKERS", "1"))
        self.process: Optional[subprocess.Popen] = None

    def start(self) -> "Service":
        with open(self.log_path, "w") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "api"], cwd=REPO, env=self.env, stdout=log, stderr=log
            )
        return self

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def models_loaded(self) -> int:
        return self.log().count('"msg": "model loaded"')

    def wait_ready(self, timeout: float = 600) -> None:
        """Every worker has loaded its model, and /ready says so."""
        assert self.process is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.process.returncode}:\n{self.log()[-3000:]}")
            if self.models_loaded() >= self.workers:
                try:
                    if httpx.get(self.url + "/ready", timeout=2).status_code == 200:
                        return
                except httpx.HTTPError:
                    pass
            time.sleep(0.25)
        raise RuntimeError(f"{self.name} not ready after {timeout} s:\n{self.log()[-3000:]}")

    def worker_pids(self) -> List[int]:
        """The uvicorn worker processes under this one (none when it serves in-process)."""
        assert self.process is not None
        children = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == self.process.pid:
                cmdline = (stat.parent / "cmdline").read_bytes()
                if b"spawn_main" in cmdline:
                    children.append(int(stat.parent.name))
        return children

    def kill9(self) -> None:
        """SIGKILL, at once: the main process first (it is the only one with WORKERS=1), then its workers."""
        assert self.process is not None
        workers = self.worker_pids() if self.workers > 1 else []
        self.process.kill()
        for pid in workers:
            os.kill(pid, signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.kill9()

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=60)


@contextmanager
def running(*services: Service) -> Iterator[None]:
    """All of them started at once (each loads its model in parallel), ready, and stopped afterwards."""
    try:
        for service in services:
            service.start()
        for service in services:
            service.wait_ready()
        yield
    finally:
        for service in services:
            service.stop()


# ---- the conversation as Redis holds it -------------------------------------------------------------


def tracker_events(r: "redis.Redis[bytes]", conversation_id: str) -> List[Dict[str, Any]]:
    raw = r.get(f"kestrel:tracker:{conversation_id}")
    assert raw is not None, "no tracker in Redis"
    return json.loads(raw)["events"]


def turns(events: List[Dict[str, Any]]) -> List[str]:
    """Check the events are whole turns, one after another, and return the user texts in order.

    Every user message must be followed by the bot's turn, which ends with `action_listen`, before the
    next user message: a lost update or two turns run at once would break that (two user events in a
    row, or a turn without its answer).
    """
    texts: List[str] = []
    awaiting_listen = False
    answered = False
    for event in events:
        kind = event.get("event")
        if kind == "user":
            assert not awaiting_listen, f"user message {event.get('text')!r} arrived inside another turn"
            texts.append(event.get("text"))
            awaiting_listen, answered = True, False
        elif kind == "bot" and awaiting_listen:
            answered = True
        elif kind == "action" and event.get("name") == "action_listen" and awaiting_listen:
            assert answered, f"the turn for {texts[-1]!r} ended without a bot message"
            awaiting_listen = False
    assert not awaiting_listen, f"the turn for {texts[-1]!r} never finished"
    return texts


def slots(events: List[Dict[str, Any]]) -> Dict[str, Any]:
    values: Dict[str, Any] = {}
    for event in events:
        if event.get("event") == "slot":
            values[event["name"]] = event["value"]
    return values


def all_text(messages: List[Dict[str, Any]]) -> str:
    return "\n".join(m.get("text", "") for m in messages)


def steps(messages: List[Dict[str, Any]]) -> List[int]:
    """The plan step numbers the replies show ("Step 2 of 6" → 2)."""
    return [int(n) for n in re.findall(r"Step (\d+) of \d+", all_text(messages))]


# ---- Redis as the shipped configurations run it ------------------------------------------------------

SHIPPED_PASSWORD = "test-password-for-the-shipped-redis"


def shipped_redis(source: str) -> Tuple[List[str], List[str]]:
    """The Redis container's entrypoint and arguments as docker-compose.yml or the Kubernetes manifest
    ship them (`source` is "compose" or "kubernetes"), with compose's `$$` and Kubernetes' `$(VAR)` as each
    would pass them on."""
    import yaml

    if source == "compose":
        service = yaml.safe_load((REPO / "docker-compose.yml").read_text())["services"]["redis"]
        entrypoint = [part.replace("$$", "$") for part in service["entrypoint"]]
        return entrypoint, list(service["command"])
    for document in yaml.safe_load_all((REPO / "deploy" / "kubernetes" / "redis.yaml").read_text()):
        if document["kind"] == "StatefulSet":
            container = document["spec"]["template"]["spec"]["containers"][0]
            args = [SHIPPED_PASSWORD if arg == "$(REDIS_PASSWORD)" else arg for arg in container["args"]]
            return list(container["command"]), args
    raise AssertionError("no Redis StatefulSet in deploy/kubernetes/redis.yaml")


def option(args: List[str], name: str) -> str:
    return args[args.index(name) + 1]


class ShippedRedisServer(RedisServer):
    """redis-server started the way the shipped container starts it: its entrypoint script, run in the data
    directory (the image's working directory), then every shipped argument. Only the loopback port and
    the snapshot interval (`save_seconds`, so that a test need not wait the shipped minute) are changed.
    The image's `docker-entrypoint.sh` becomes a stand-in that runs its arguments, as it does for a
    non-root user."""

    def __init__(self, directory: Path, source: str, save_seconds: int) -> None:
        super().__init__(directory)
        self.source = source
        self.entrypoint, args = shipped_redis(source)
        changes = option(args, "--save").split()[1]
        args[args.index("--save") + 1] = f"{save_seconds} {changes}"
        self.args = args + ["--port", str(self.port), "--bind", "127.0.0.1", "--daemonize", "no"]
        self.password = SHIPPED_PASSWORD if "--requirepass" in args else None
        if self.password:
            self.url = f"redis://:{self.password}@127.0.0.1:{self.port}/0"

    def start(self) -> "ShippedRedisServer":
        bin_dir = self.directory.parent / f"{self.directory.name}-bin"
        bin_dir.mkdir(exist_ok=True)
        stand_in = bin_dir / "docker-entrypoint.sh"
        stand_in.write_text('#!/bin/sh\nexec "$@"\n')
        stand_in.chmod(0o755)
        assert REDIS_SERVER is not None
        path = f"{bin_dir}:{Path(REDIS_SERVER).parent}:{os.environ.get('PATH', '')}"
        with open(self.directory.parent / f"{self.directory.name}-redis.log", "w") as log:
            self.process = subprocess.Popen(
                self.entrypoint + self.args, cwd=self.directory, env={**os.environ, "PATH": path},
                stdout=log, stderr=log,
            )
        deadline = time.monotonic() + 15
        while True:
            try:
                if self.client().ping():
                    return self
            except (redis.exceptions.ConnectionError, redis.exceptions.AuthenticationError):
                pass
            if time.monotonic() > deadline or self.process.poll() is not None:
                raise RuntimeError(f"the shipped redis-server did not start: {self.args}")
            time.sleep(0.05)

    def client(self) -> "redis.Redis[bytes]":
        return redis.Redis(port=self.port, password=self.password, socket_timeout=2, socket_connect_timeout=2)

    def files_containing(self, needle: bytes) -> List[str]:
        """Every file under the data directory whose bytes contain `needle` (what `grep -rl` would say)."""
        found = []
        for path in sorted(self.directory.rglob("*")):
            if path.is_file() and needle in path.read_bytes():
                found.append(str(path.relative_to(self.directory)))
        return found

    def wait_for_snapshot(self, timeout: float) -> float:
        """Until every change so far is in a finished snapshot; returns the seconds it took."""
        started = time.monotonic()
        client = self.client()
        while True:
            info = client.info("persistence")
            if info["rdb_changes_since_last_save"] == 0 and not info["rdb_bgsave_in_progress"]:
                assert info["rdb_last_bgsave_status"] == "ok"
                return time.monotonic() - started
            assert time.monotonic() - started < timeout, f"no snapshot within {timeout} s: {info}"
            time.sleep(0.05)
