"""Exactly-once turns under faults, with a real redis-server and two `python -m api` processes.

For each fault the person resends "done" with the same Idempotency-Key (as the widget does) until it is
answered, and then sends one more "done" with a new key. Each time: the resend gets the reply to "done"
(the next plan step), the new key gets the step after it, and the conversation holds each "done" once:
the plan advanced exactly once per key, no step skipped or repeated.

Faults are placed at exact points of the turn without any switch in the service: process `a` reaches
Redis through a proxy (kestrel_redisproxy.py) that stops or acts on the one command carrying this key's
HMAC at that point: the conversation's save (the commit), or the reply's storage after it.
"""
from __future__ import annotations

import concurrent.futures
import os
import signal
import time
import uuid
from typing import Any, Dict, Iterator, Optional, Tuple

import httpx
import pytest
from kestrel_redisproxy import RedisProxy
from kestrel_redistest import (
    BLACKMAIL_TEXT,
    CHANNEL_ID_SECRET,
    UNDER18_PAYLOAD,
    RedisServer,
    Service,
    all_text,
    running,
    steps,
    tracker_events,
    turns,
)

from api.idempotency import Hasher

HASHER = Hasher(CHANNEL_ID_SECRET.encode())
TRIALS = int(os.environ.get("KESTREL_FAULT_TRIALS", "3"))


class Pair:
    def __init__(self, proxy: RedisProxy, a: Service, b: Service) -> None:
        self.proxy, self.a, self.b = proxy, a, b


@pytest.fixture(scope="module")
def pair(redis_server: RedisServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pair]:
    logs = tmp_path_factory.mktemp("exactly-once-logs")
    proxy = RedisProxy(redis_server.port)
    a = Service("a", logs, proxy.url, WORKERS="1")
    b = Service("b", logs, redis_server.url, WORKERS="1")
    try:
        with running(a, b):
            yield Pair(proxy, a, b)
    finally:
        proxy.close()


def post(service: Service, conversation_id: str, key: str, body: Dict[str, str], timeout: float = 60) -> httpx.Response:
    with httpx.Client(base_url=service.url, timeout=timeout) as c:
        return c.post(f"/api/v1/conversations/{conversation_id}/messages", json=body, headers={"Idempotency-Key": key})


def once_the_store_is_back(call: Any, within: float = 30) -> httpx.Response:
    """`call()` again while it answers 503: after Redis was paused, a service says its store is unavailable
    until its next health check finds Redis again (a few seconds), as designed."""
    deadline = time.monotonic() + within
    while True:
        answer = call()
        if answer.status_code != 503 or time.monotonic() > deadline:
            return answer
        time.sleep(0.5)


def on_the_plan(service: Service) -> str:
    """A conversation showing step 1 of the plan."""
    with service.client() as c:
        created = once_the_store_is_back(lambda: c.post("/api/v1/conversations"))
    assert created.status_code == 201, created.text
    conversation_id = created.json()["conversation_id"]
    for body in ({"text": BLACKMAIL_TEXT}, {"payload": UNDER18_PAYLOAD}, {"payload": "/next_step"}):
        key = str(uuid.uuid4())
        answer = once_the_store_is_back(lambda: post(service, conversation_id, key, body))
        assert answer.status_code == 200, answer.text
    assert steps(answer.json()["messages"]) == [1], answer.text
    return conversation_id


def dones(redis_server: RedisServer, conversation_id: str) -> int:
    return turns(tracker_events(redis_server.client(), conversation_id)).count("done")


def resend_until_answered(service: Service, conversation_id: str, key: str, within: float = 60) -> Tuple[httpx.Response, int]:
    """Resend "done" with `key` as the widget does after an error; the answer and how many 503s came first."""
    deadline = time.monotonic() + within
    refused = 0
    while True:
        answer = post(service, conversation_id, key, {"text": "done"})
        if answer.status_code == 200 or time.monotonic() > deadline:
            return answer, refused
        assert answer.status_code == 503, answer.text
        refused += 1
        time.sleep(0.5)


def check_exactly_once(service: Service, redis_server: RedisServer, conversation_id: str, key: str) -> Dict[str, Any]:
    """The resend gets step 2, applied once; a new "done" gets step 3. Returns what was seen."""
    answer, refused = resend_until_answered(service, conversation_id, key)
    assert answer.status_code == 200, answer.text
    assert steps(answer.json()["messages"]) == [2], all_text(answer.json()["messages"])
    assert dones(redis_server, conversation_id) == 1, "the key was applied exactly once"
    following = post(service, conversation_id, str(uuid.uuid4()), {"text": "done"})
    assert steps(following.json()["messages"]) == [3], "no step skipped or repeated"
    assert dones(redis_server, conversation_id) == 2
    return {"resend_503s": refused}


def save_marker(key: str) -> bytes:
    """In the conversation's save only: the key's HMAC inside the user message's metadata (JSON)."""
    return HASHER.key(key).encode() + b'"'


def reply_marker() -> bytes:
    """In the reply's storage only (after the save): the record "d<message HMAC><replies JSON>" of a
    "done"."""
    return b"d" + HASHER.message("text:done").encode() + b"["


def killed_at(pair: Pair, redis_server: RedisServer, where: str) -> Dict[str, Any]:
    """Send "done" to `a`, kill -9 `a` while it waits on Redis at `where` ("save": the commit, "reply": the
    reply's storage just after it), resend to `b`, restart `a`."""
    conversation_id = on_the_plan(pair.b)
    key = str(uuid.uuid4())
    trigger = pair.proxy.arm(save_marker(key) if where == "save" else reply_marker(), hold=True)
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        sent = pool.submit(post, pair.a, conversation_id, key, {"text": "done"})
        assert trigger.fired.wait(30), "the turn never reached the point of the fault"
        pair.a.kill9()
        with pytest.raises(httpx.TransportError):
            sent.result(30)
    saved = dones(redis_server, conversation_id)
    outcome = check_exactly_once(pair.b, redis_server, conversation_id, key)
    pair.a.start()
    pair.a.wait_ready()
    return {"saved_before_resend": saved, **outcome}


def test_kill_9_after_the_commit_the_resend_gets_the_saved_reply(pair, redis_server):
    outcomes = [killed_at(pair, redis_server, "reply") for _ in range(TRIALS)]
    print("kill -9 after commit:", outcomes)
    assert all(o["saved_before_resend"] == 1 for o in outcomes), "killed after the turn was saved"


def test_kill_9_before_the_commit_the_resend_applies_it_once(pair, redis_server):
    outcomes = [killed_at(pair, redis_server, "save") for _ in range(TRIALS)]
    print("kill -9 before commit:", outcomes)
    assert all(o["saved_before_resend"] == 0 for o in outcomes), "killed before the turn was saved"


def test_redis_paused_mid_turn(pair, redis_server):
    """redis-server is stopped (SIGSTOP) for 3 s: half the trials right after the save command has gone to
    it (it may or may not have run it: the service cannot tell), half at a random moment of the turn."""
    assert redis_server.process is not None
    pid = redis_server.process.pid
    outcomes = []
    for trial in range(2 * TRIALS):
        conversation_id = on_the_plan(pair.b)
        key = str(uuid.uuid4())
        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            if trial % 2 == 0:
                trigger: Optional[Any] = pair.proxy.arm(save_marker(key), action=lambda: os.kill(pid, signal.SIGSTOP))
                sent = pool.submit(post, pair.a, conversation_id, key, {"text": "done"})
                assert trigger is not None and trigger.fired.wait(30)
            else:
                trigger = None
                sent = pool.submit(post, pair.a, conversation_id, key, {"text": "done"})
                time.sleep(0.3 * (trial / (2 * TRIALS)))
                os.kill(pid, signal.SIGSTOP)
            time.sleep(3)
            os.kill(pid, signal.SIGCONT)
            first = sent.result(60)
        saved = dones(redis_server, conversation_id)
        if first.status_code == 200:
            assert steps(first.json()["messages"]) == [2]
        else:
            assert first.status_code == 503, first.text
        outcome = check_exactly_once(pair.a, redis_server, conversation_id, key)
        outcomes.append({"at": "save" if trigger else "random", "first": first.status_code,
                         "saved_before_resend": saved, **outcome})
    print("Redis paused mid-turn:", outcomes)


def test_one_key_to_both_replicas_at_once(pair, redis_server):
    outcomes = []
    for _ in range(TRIALS):
        conversation_id = on_the_plan(pair.b)
        key = str(uuid.uuid4())
        with concurrent.futures.ThreadPoolExecutor(4) as pool:
            answers = list(pool.map(
                lambda service: post(service, conversation_id, key, {"text": "done"}),
                (pair.a, pair.b, pair.a, pair.b),
            ))
        assert [r.status_code for r in answers] == [200] * 4, [r.text for r in answers]
        assert len({r.content for r in answers}) == 1, "every delivery got the same reply"
        outcomes.append(check_exactly_once(pair.b, redis_server, conversation_id, key))
    print("one key to both replicas at once:", outcomes)
