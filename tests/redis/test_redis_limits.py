"""No one can fill Redis, a full Redis is a 503 and not a 500, and a hung Redis does not freeze the service.

One `python -m api` process with small caps (3 conversations per client, 6 live at once) against its own
real redis-server, started with a small `maxmemory` and `noeviction` (the shipped policy). The tests run in
file order: the caps, then Redis filled to its `maxmemory`, then Redis paused with SIGSTOP. Clients are
told apart by X-Forwarded-For, trusted from loopback (FORWARDED_ALLOW_IPS), as behind the shipped ingress.
"""
from __future__ import annotations

import concurrent.futures
import os
import signal
import time
from typing import Iterator, List

import httpx
import pytest
import redis
from kestrel_redistest import (
    BLACKMAIL_TEXT,
    NO_REDIS_REASON,
    REDIS_SERVER,
    RedisServer,
    Service,
    running,
)

PER_CLIENT = 3
OVERALL = 6
MAXMEMORY = 16 * 1024 * 1024


@pytest.fixture(scope="module")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    if REDIS_SERVER is None:
        pytest.skip(NO_REDIS_REASON)
    server = RedisServer(tmp_path_factory.mktemp("redis-small"), "--maxmemory", str(MAXMEMORY),
                         "--maxmemory-policy", "noeviction").start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def service(redis_server: RedisServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    logs = tmp_path_factory.mktemp("limits-logs")
    s = Service("limits", logs, redis_server.url, MAX_CONVERSATIONS_PER_CLIENT=str(PER_CLIENT),
                MAX_CONVERSATIONS=str(OVERALL), FORWARDED_ALLOW_IPS="127.0.0.1")
    with running(s):
        yield s


def as_client(address: str) -> dict:
    return {"X-Forwarded-For": address}


def create(service: Service, address: str) -> httpx.Response:
    return httpx.post(service.url + "/api/v1/conversations", headers=as_client(address), timeout=30)


def message(service: Service, conversation_id: str, address: str, text: str = "what do i do next") -> httpx.Response:
    return httpx.post(f"{service.url}/api/v1/conversations/{conversation_id}/messages", json={"text": text},
                      headers=as_client(address), timeout=30)


started: List[str] = []  # (conversation ids, in order, shared by the tests below)


def test_a_client_can_start_only_so_many_conversations(service):
    for _ in range(PER_CLIENT):
        response = create(service, "198.18.1.1")
        assert response.status_code == 201, response.text
        started.append(response.json()["conversation_id"])
    refused = create(service, "198.18.1.1")
    assert refused.status_code == 503
    assert "from this connection" in refused.json()["detail"]
    assert 1 <= int(refused.headers["Retry-After"]) <= 30 * 60, "when its oldest leaves the window"
    other = create(service, "198.18.1.2")
    assert other.status_code == 201, "another client is counted apart"
    started.append(other.json()["conversation_id"])
    assert message(service, started[0], "198.18.1.1").status_code == 200, "conversations under way carry on"


def test_the_deployment_caps_live_conversations_and_existing_ones_carry_on(service):
    for address in ("198.18.2.1", "198.18.2.2"):  # 6 live now
        response = create(service, address)
        assert response.status_code == 201, response.text
        started.append(response.json()["conversation_id"])
    refused = create(service, "198.18.2.3")
    assert refused.status_code == 503
    assert "as many people" in refused.json()["detail"] and refused.headers["Retry-After"] == "60"
    rest = httpx.post(service.url + "/webhooks/rest/webhook", headers=as_client("198.18.2.4"), timeout=30,
                      json={"sender": "a-new-rest-sender-0123456789", "message": "hi"})
    assert rest.status_code == 503, "a new REST sender is a new conversation too"
    replies = message(service, started[1], "198.18.1.1", BLACKMAIL_TEXT)
    assert replies.status_code == 200 and replies.json()["messages"]
    assert httpx.delete(f"{service.url}/api/v1/conversations/{started.pop(1)}", timeout=30).status_code == 204
    again = create(service, "198.18.2.3")
    assert again.status_code == 201, "an erased conversation frees its place"
    started.append(again.json()["conversation_id"])


def redis_policy(r: "redis.Redis[bytes]") -> str:
    return str(r.info("memory")["maxmemory_policy"])


def fill(r: "redis.Redis[bytes]") -> int:
    """Write until Redis refuses (as an attacker creating conversations would, were there no caps).
    Returns the keys written."""
    assert redis_policy(r) == "noeviction"
    for n in range(10_000):
        try:
            r.set(f"filler:{n}", "x" * 8192)
        except redis.exceptions.OutOfMemoryError:  # "OOM command not allowed when used memory > 'maxmemory'"
            # At the brim a small write can still fit once the refused one's buffer is freed: a little
            # below what Redis holds, every write is refused, as when an attacker has gone on writing.
            r.config_set("maxmemory", r.info("memory")["used_memory"] - 64 * 1024)
            return n
    raise AssertionError("Redis never filled up")


def test_a_full_redis_is_503_for_new_and_old_conversations_and_the_service_stays_ready(service, redis_server):
    httpx.delete(f"{service.url}/api/v1/conversations/{started.pop()}", timeout=30)  # room for a new one
    r = redis_server.client()
    written = fill(r)
    try:
        new = create(service, "198.18.3.1")
        assert new.status_code == 503, new.text
        assert "cannot save conversations" in new.json()["detail"] and new.headers["Retry-After"].isdigit()
        old = message(service, started[0], "198.18.1.1")
        assert old.status_code == 503, old.text
        assert httpx.get(service.url + "/ready", timeout=5).status_code == 200, (
            "Redis is full, not gone: the pods stay ready, so existing conversations can still be read, "
            "erased, and carried on once there is room"
        )
        assert httpx.delete(f"{service.url}/api/v1/conversations/{started.pop()}", timeout=30).status_code == 204
        assert '"status": 500' not in service.log()
        assert '"msg": "conversation store refused"' in service.log()
    finally:
        r.delete(*[f"filler:{n}" for n in range(written)])
        r.config_set("maxmemory", MAXMEMORY)
    assert message(service, started[0], "198.18.1.1").status_code == 200, "back once there is room"


def test_a_hung_redis_does_not_freeze_health(service, redis_server):
    assert redis_server.process is not None
    pid = redis_server.process.pid
    created = create(service, "198.18.4.1")
    assert created.status_code == 201, created.text
    conversation_id = created.json()["conversation_id"]
    os.kill(pid, signal.SIGSTOP)
    try:
        paused_at = time.monotonic()
        # Requests that need Redis, all at once: each waits out its own timeout on a thread.
        pool = concurrent.futures.ThreadPoolExecutor(8)
        waiting = [pool.submit(message, service, conversation_id, "198.18.4.1") for _ in range(4)]
        waiting += [pool.submit(create, service, f"198.18.4.{n}") for n in range(2, 6)]
        health: List[float] = []
        not_ready_after = None
        while time.monotonic() - paused_at < 6:
            t0 = time.monotonic()
            assert httpx.get(service.url + "/health", timeout=10).status_code == 200
            health.append(time.monotonic() - t0)
            if not_ready_after is None:
                ready = httpx.get(service.url + "/ready", timeout=10)
                if ready.status_code == 503:
                    assert ready.json()["status"] == "store_unreachable"
                    not_ready_after = time.monotonic() - paused_at
            time.sleep(0.1)
        statuses = [future.result(timeout=30).status_code for future in waiting]
        pool.shutdown()
        print(f"\n[kestrel] Redis paused: /health slowest {max(health) * 1000:.0f} ms of {len(health)}, "
              f"not ready after {not_ready_after} s")
        assert max(health) < 1.0, f"/health waited {max(health):.2f} s: something held the event loop"
        assert not_ready_after is not None and not_ready_after < 4, "the background check noticed"
        assert statuses == [503] * len(waiting), statuses
    finally:
        os.kill(pid, signal.SIGCONT)
    deadline = time.monotonic() + 15
    while httpx.get(service.url + "/ready", timeout=5).status_code != 200:
        assert time.monotonic() < deadline, "ready again once Redis answers"
        time.sleep(0.2)
    assert message(service, conversation_id, "198.18.4.1").status_code == 200
