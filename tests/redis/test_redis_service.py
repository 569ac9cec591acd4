"""Several service processes sharing one real Redis: the way Kestrel scales out.

Two deployments of `python -m api` run against a private redis-server: A (one process) and B (WORKERS=2,
two uvicorn worker processes), so three processes with a model each share the conversations. They are
started once for this module (loading the models takes a while) and the tests run in file order; the
last one kills A.
"""
from __future__ import annotations

import concurrent.futures
import re
import time
from typing import Dict, Iterator, List, Tuple

import httpx
import pytest
from kestrel_redistest import (
    BLACKMAIL_TEXT,
    UNDER18_PAYLOAD,
    RedisServer,
    Service,
    all_text,
    running,
    slots,
    tracker_events,
    turns,
)

Deployments = Tuple[Service, Service]


@pytest.fixture(scope="module")
def services(redis_server: RedisServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployments]:
    logs = tmp_path_factory.mktemp("service-logs")
    # Whole histories, so the tests can check that no turn was lost or interleaved (by default the oldest
    # turns of a long conversation are dropped: tests/api/test_web_history_bound.py).
    full = {"MAX_EVENTS_PER_CONVERSATION": "2000"}
    a = Service("a", logs, redis_server.url, **full)
    b = Service("b", logs, redis_server.url, WORKERS="2", **full)
    started = time.monotonic()
    with running(a, b):
        print(f"\n[kestrel] 3 service processes ready in {time.monotonic() - started:.1f} s")
        yield a, b


def start_conversation(service: Service) -> str:
    with service.client() as c:
        response = c.post("/api/v1/conversations")
    assert response.status_code == 201, response.text
    return response.json()["conversation_id"]


def send(service: Service, conversation_id: str, **body: str) -> httpx.Response:
    with service.client() as c:
        return c.post(f"/api/v1/conversations/{conversation_id}/messages", json=body)


def say(service: Service, conversation_id: str, **body: str) -> List[Dict]:
    response = send(service, conversation_id, **body)
    assert response.status_code == 200, f"{service.name}: {response.status_code} {response.text}"
    return response.json()["messages"]


def test_b_runs_two_worker_processes(services):
    _, b = services
    assert len(b.worker_pids()) == 2
    assert b.models_loaded() == 2, "each worker loaded its own model"


def test_conversation_alternating_between_processes_keeps_its_state(services, redis_server):
    a, b = services
    conversation_id = start_conversation(a)
    first = say(b, conversation_id, text=BLACKMAIL_TEXT)
    assert re.search(r"don.t pay", all_text(first), re.IGNORECASE), all_text(first)
    replies = say(a, conversation_id, payload=UNDER18_PAYLOAD)
    steps = [int(n) for n in re.findall(r"Step (\d+) of \d+", all_text(replies))]
    assert "Your plan" in all_text(replies), "the age answer shows the whole plan"
    for i in range(12):
        if "That's the whole plan" in all_text(replies):
            break
        replies = say((b, a)[i % 2], conversation_id, payload="/next_step")
        steps += [int(n) for n in re.findall(r"Step (\d+) of \d+", all_text(replies))]
    assert "That's the whole plan" in all_text(replies), "the plan, walked across three processes, reaches its end"
    assert steps == list(range(1, len(steps) + 1)) and len(steps) >= 3, f"each process took the next step: {steps}"

    events = tracker_events(redis_server.client(), conversation_id)
    texts = turns(events)
    assert texts[:3] == ["/greet", BLACKMAIL_TEXT, UNDER18_PAYLOAD]
    assert slots(events).get("situation") == "money" and slots(events).get("age_group") == "under18"


def test_concurrent_messages_on_two_processes_are_never_lost_or_interleaved(services, redis_server):
    """20 messages per conversation, sent at once to both deployments for two conversations: with a turn
    lock that is not correct across processes, turns overlap and one save overwrites the other."""
    a, b = services
    conversations = [start_conversation(a), start_conversation(b)]
    per_conversation = 20

    def post(job: Tuple[str, int]) -> Tuple[str, int, int]:
        conversation_id, n = job
        target = (a, b)[n % 2]
        response = send(target, conversation_id, text=f"thanks, message {n}")
        return conversation_id, n, response.status_code

    jobs = [(cid, n) for n in range(per_conversation) for cid in conversations]
    started = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(len(jobs)) as pool:
        results = list(pool.map(post, jobs))
    elapsed = time.monotonic() - started
    assert all(status == 200 for _, _, status in results), results
    print(f"\n[kestrel] {len(jobs)} concurrent turns on 3 processes in {elapsed:.1f} s")

    r = redis_server.client()
    for conversation_id in conversations:
        texts = turns(tracker_events(r, conversation_id))  # whole turns, one after another
        expected = ["/greet"] + [f"thanks, message {n}" for n in range(per_conversation)]
        assert len(texts) == len(expected), f"{len(expected) - len(texts)} messages lost"
        assert sorted(texts) == sorted(expected), "every message exactly once"
        assert not r.exists(f"kestrel:lock:{conversation_id}"), "every turn lock released"


def test_deleting_on_one_process_erases_it_for_all(services, redis_server):
    a, b = services
    conversation_id = start_conversation(a)
    say(b, conversation_id, text=BLACKMAIL_TEXT)
    with b.client() as c:
        assert c.delete(f"/api/v1/conversations/{conversation_id}").status_code == 204
    assert not redis_server.client().exists(f"kestrel:tracker:{conversation_id}", f"kestrel:conv:{conversation_id}")
    assert send(a, conversation_id, text="hello").status_code == 404


def wait_for(condition, timeout: float, what: str) -> float:
    started = time.monotonic()
    while not condition():
        assert time.monotonic() - started < timeout, f"{what} not within {timeout} s"
        time.sleep(0.1)
    return time.monotonic() - started


def ready_status(service: Service) -> int:
    return httpx.get(service.url + "/ready", timeout=5).status_code


def always(service: Service, status: int, times: int = 6) -> bool:
    # B answers from either worker: ask several times so both have been asked.
    return all(ready_status(service) == status for _ in range(times))


def test_redis_down_means_503_and_not_ready_then_recovery_by_itself(services, redis_server):
    a, b = services
    conversation_id = start_conversation(a)
    say(b, conversation_id, text=BLACKMAIL_TEXT)

    redis_server.stop()
    try:
        wait_for(lambda: always(a, 503, 1) and always(b, 503), 10, "/ready failing")
        body = httpx.get(a.url + "/ready", timeout=5).json()
        assert body["status"] == "store_unreachable"
        assert httpx.get(a.url + "/health", timeout=5).status_code == 200, "alive, just not ready"

        for service in (a, b):
            started = time.monotonic()
            response = send(service, conversation_id, payload=UNDER18_PAYLOAD)
            assert time.monotonic() - started < 5, "a quick answer, never a hang"
            assert response.status_code == 503
            assert "conversation store" in response.json()["detail"]
            assert response.headers["Retry-After"].isdigit()
            with service.client() as c:
                assert c.post("/api/v1/conversations").status_code == 503
                assert c.delete(f"/api/v1/conversations/{conversation_id}").status_code == 503
                assert c.post("/webhooks/rest/webhook", json={"sender": "redis-down-0123456789abcdef", "message": "hi"}).status_code == 503
    finally:
        redis_server.start()

    recovered = wait_for(lambda: always(a, 200, 1) and always(b, 200), 15, "/ready recovering")
    print(f"\n[kestrel] ready again {recovered:.1f} s after Redis came back")
    replies = say(a, conversation_id, payload=UNDER18_PAYLOAD)
    assert "1. Save the evidence" in all_text(replies), "the conversation carried on where it was"
    texts = turns(tracker_events(redis_server.client(), conversation_id))
    assert texts == ["/greet", BLACKMAIL_TEXT, UNDER18_PAYLOAD], "nothing was kept in a process's memory meanwhile"


def test_kill_9_mid_turn_and_the_conversation_continues_on_the_other(services, redis_server):
    a, b = services
    r = redis_server.client()
    conversation_id = start_conversation(a)
    say(b, conversation_id, text=BLACKMAIL_TEXT)
    say(a, conversation_id, payload=UNDER18_PAYLOAD)

    # Messages in flight on A; A is killed the moment it holds the conversation's turn lock, i.e. mid-turn.
    lock = f"kestrel:lock:{conversation_id}"
    sent = [f"in flight {n}" for n in range(10)]
    pool = concurrent.futures.ThreadPoolExecutor(len(sent))
    in_flight = [pool.submit(send, a, conversation_id, text=text) for text in sent]
    deadline = time.monotonic() + 30
    while not r.exists(lock):  # a turn takes ~20 ms: poll without sleeping
        assert time.monotonic() < deadline, "A never took the turn lock"
    a.kill9()
    assert r.exists(lock), "A died holding the lock"
    answered = []
    for text, future in zip(sent, in_flight):
        try:
            response = future.result()
        except httpx.HTTPError:
            continue
        if response.status_code == 200:
            answered.append(text)
    pool.shutdown()

    started = time.monotonic()
    replies = say(b, conversation_id, payload="/next_step")
    waited = time.monotonic() - started
    print(f"\n[kestrel] B answered {waited:.1f} s after A was killed holding the lock")
    assert replies and waited < 20, "the dead process's lock expired by itself (lifetime 10 s)"
    texts = turns(tracker_events(r, conversation_id))  # whole turns only: the one cut off left no trace
    assert texts[:3] == ["/greet", BLACKMAIL_TEXT, UNDER18_PAYLOAD]
    assert texts[-1] == "/next_step"
    during = texts[3:-1]
    assert len(set(during)) == len(during) and set(during) <= set(sent)
    assert set(answered) <= set(during), "every message A answered before dying was kept"
