"""Start and stop the servers under test, time their cold start, read their peak memory from /proc."""
from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import httpx

from bench.loadgen import WEBHOOK, check_loopback

REPO = Path(__file__).resolve().parent.parent


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now (the machine is shared: never assume 8000 or 5055)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    name: str
    process: subprocess.Popen
    started: float  # time.monotonic() just before the process was created
    log_path: Path
    peak_rss_mb: Dict[str, float] = field(default_factory=dict)  # process label -> VmHWM, filled by stop()

    @property
    def pid(self) -> int:
        return self.process.pid

    def alive(self) -> bool:
        return self.process.poll() is None

    def log_tail(self, lines: int = 20) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


def start(
    name: str, command: Sequence[str], log_path: Path, env: Optional[Dict[str, str]] = None, cwd: Path = REPO
) -> Server:
    """Start `command` from `cwd` (the repository root unless another checkout is under test) in its own
    session (so stop() ends it and any children)."""
    log = open(log_path, "wb")
    started = time.monotonic()
    process = subprocess.Popen(
        list(command), cwd=cwd, env={**os.environ, **(env or {})}, stdout=log, stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL, start_new_session=True,
    )
    log.close()
    return Server(name, process, started, log_path)


def _children(pid: int) -> List[int]:
    kids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        # The command name is in parentheses and may contain spaces: the ppid is the 2nd field after it.
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        if ppid == pid:
            kids.append(int(entry))
    return kids


def process_tree(pid: int) -> List[int]:
    tree, todo = [], [pid]
    while todo:
        current = todo.pop()
        tree.append(current)
        todo.extend(_children(current))
    return tree


def _status_kb(pid: int, key: str) -> Optional[int]:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def cpu_seconds(pid: int) -> Optional[float]:
    """User + system CPU time a process has used so far (all its threads)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cpu_by_process(servers: Sequence[Server]) -> Dict[str, float]:
    """CPU seconds so far of every process of `servers` (children included), by label."""
    out: Dict[str, float] = {}
    for server in servers:
        for i, pid in enumerate(process_tree(server.pid)):
            seconds = cpu_seconds(pid)
            if seconds is not None:
                out[server.name if i == 0 else f"{server.name} child {pid}"] = seconds
    return out


def peak_rss_mb(pid: int) -> Optional[float]:
    """Peak resident memory (VmHWM) of one process so far, in MB."""
    kb = _status_kb(pid, "VmHWM")
    return kb / 1024 if kb is not None else None


def record_peak_rss(server: Server) -> Dict[str, float]:
    """Peak RSS of the server's process and of each child it started (read while they still run)."""
    peaks: Dict[str, float] = {}
    for i, pid in enumerate(process_tree(server.pid)):
        mb = peak_rss_mb(pid)
        if mb is not None:
            peaks[server.name if i == 0 else f"{server.name} child {pid}"] = mb
    server.peak_rss_mb = peaks
    return peaks


def stop(server: Server, timeout: float = 15.0) -> None:
    """Record peak RSS, then SIGTERM the server's process group (SIGKILL after `timeout`)."""
    if server.alive():
        record_peak_rss(server)
    for sig, wait in ((signal.SIGTERM, timeout), (signal.SIGKILL, 5.0)):
        if not server.alive():
            return
        try:
            os.killpg(server.pid, sig)  # the group this benchmark created (start_new_session)
        except ProcessLookupError:
            return
        try:
            server.process.wait(wait)
        except subprocess.TimeoutExpired:
            continue


def wait_until(check: Callable[[], bool], servers: Sequence[Server], timeout: float, poll: float = 0.05) -> float:
    """Poll `check` until it returns True; seconds since the first server was started. Raises if a server
    dies or `timeout` passes."""
    first = min(s.started for s in servers)
    while True:
        for s in servers:
            if not s.alive():
                raise RuntimeError(f"{s.name} exited with {s.process.returncode} while starting:\n{s.log_tail()}")
        try:
            if check():
                return time.monotonic() - first
        except (httpx.HTTPError, ValueError):  # not listening yet, or not answering JSON yet
            pass
        if time.monotonic() - first > timeout:
            raise TimeoutError(f"{', '.join(s.name for s in servers)} not answering after {timeout:.0f} s")
        time.sleep(poll)


def ready_check(base_url: str) -> Callable[[], bool]:
    check_loopback(base_url)

    def check() -> bool:
        return httpx.get(base_url + "/ready", timeout=2, trust_env=False).status_code == 200

    return check


# Long enough for a service that refuses guessable REST senders (REST_OPEN_SENDERS off, its default).
COLD_START_SENDER = "bench-coldstart-0f3c9a71e2d84b65"


def rest_answers_check(base_url: str, sender: str = COLD_START_SENDER) -> Callable[[], bool]:
    """True once a message through the REST channel gets a reply with text (model and actions both up)."""
    check_loopback(base_url)

    def check() -> bool:
        response = httpx.post(
            base_url + WEBHOOK, json={"sender": sender, "message": "hi"}, timeout=10, trust_env=False
        )
        return response.status_code == 200 and any(m.get("text") for m in response.json())

    return check


def start_redis(directory: Path) -> Tuple[Server, str]:
    """A private redis-server on a free loopback port (snapshots at most a minute apart and no append-only
    file, as docker-compose.yml runs it), for Kestrel with REDIS_URL. Returns the server and its URL."""
    binary = shutil.which("redis-server")
    if binary is None:
        raise RuntimeError("redis-server is not installed (scripts/install_test_services.sh installs it)")
    port = free_port()
    server = start(
        "redis-server",
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--protected-mode", "yes", "--save", "",
         "--appendonly", "no", "--save", "60 1", "--rdbcompression", "no", "--maxmemory", "400mb",
         "--maxmemory-policy", "noeviction", "--dir", str(directory), "--daemonize", "no"],
        directory / "redis.log",
    )

    def pong() -> bool:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
            s.sendall(b"PING\r\n")
            return s.recv(16).startswith(b"+PONG")

    def check() -> bool:
        try:
            return pong()
        except OSError:
            return False

    wait_until(check, [server], timeout=20)
    return server, f"redis://127.0.0.1:{port}/0"
