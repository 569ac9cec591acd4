"""Exactly-once turns with Redis: a message resent with the same Idempotency-Key gets the first reply and
moves nothing, whichever of two `python -m api` processes on one redis-server it reaches, even when both
get it at once. Also the reply store's claim script on its own."""
from __future__ import annotations

import asyncio
import uuid
from typing import Any, Iterator, List, Tuple

import httpx
import pytest
from kestrel_redistest import (
    BLACKMAIL_TEXT,
    CHANNEL_ID_SECRET,
    UNDER18_PAYLOAD,
    RedisServer,
    Service,
    running,
    steps,
    tracker_events,
    turns,
)

from api.idempotency import (
    Claim,
    Hasher,
    IdempotencyKeyReused,
    RedisReplies,
    read_claim,
)
from api.store.client import LoopClient
from api.store.keys import replies_key

Pair = Tuple[Service, Service]


@pytest.fixture(scope="module")
def pair(redis_server: RedisServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pair]:
    logs = tmp_path_factory.mktemp("idempotency-logs")
    a = Service("a", logs, redis_server.url, WORKERS="1")
    b = Service("b", logs, redis_server.url, WORKERS="1")
    with running(a, b):
        yield a, b


def send(service: Service, conversation_id: str, key: str, **body: str) -> httpx.Response:
    with service.client() as c:
        return c.post(
            f"/api/v1/conversations/{conversation_id}/messages", json=body, headers={"Idempotency-Key": key}
        )


def on_the_plan(a: Service, b: Service) -> str:
    with a.client() as c:
        conversation_id = c.post("/api/v1/conversations").json()["conversation_id"]
    for service, body in ((b, {"text": BLACKMAIL_TEXT}), (a, {"payload": UNDER18_PAYLOAD})):
        with service.client() as c:
            assert c.post(f"/api/v1/conversations/{conversation_id}/messages", json=body).status_code == 200
    first = send(b, conversation_id, str(uuid.uuid4()), payload="/next_step")
    assert steps(first.json()["messages"]) == [1], first.text
    return conversation_id


def user_turns(redis_server: RedisServer, conversation_id: str) -> List[str]:
    return turns(tracker_events(redis_server.client(), conversation_id))


def test_done_resent_to_the_other_process_moves_the_plan_once(pair, redis_server):
    a, b = pair
    conversation_id = on_the_plan(a, b)
    key = str(uuid.uuid4())
    first = send(a, conversation_id, key, text="done")
    assert first.status_code == 200 and steps(first.json()["messages"]) == [2], first.text
    before = user_turns(redis_server, conversation_id)

    again = send(b, conversation_id, key, text="done")
    assert again.status_code == 200
    assert again.content == first.content, "the first delivery's reply, byte for byte"
    assert user_turns(redis_server, conversation_id) == before, "the tracker was not touched"
    assert steps(send(b, conversation_id, str(uuid.uuid4()), text="done").json()["messages"]) == [3]


def test_one_key_delivered_to_both_processes_at_once_applies_once(pair, redis_server):
    a, b = pair
    conversation_id = on_the_plan(a, b)
    key = str(uuid.uuid4())

    async def deliver(service: Service) -> httpx.Response:
        async with httpx.AsyncClient(base_url=service.url, timeout=60) as c:
            return await c.post(
                f"/api/v1/conversations/{conversation_id}/messages", json={"text": "done"},
                headers={"Idempotency-Key": key},
            )

    async def both() -> List[httpx.Response]:
        return list(await asyncio.gather(deliver(a), deliver(b), deliver(a), deliver(b)))

    responses = asyncio.run(both())
    assert [r.status_code for r in responses] == [200] * 4, [r.text for r in responses]
    assert len({r.content for r in responses}) == 1, "every delivery got the same reply"
    assert steps(responses[0].json()["messages"]) == [2]
    assert user_turns(redis_server, conversation_id).count("done") == 1


def test_a_reused_key_is_422_and_a_bad_key_400(pair, redis_server):
    a, b = pair
    conversation_id = on_the_plan(a, b)
    key = str(uuid.uuid4())
    assert send(a, conversation_id, key, text="done").status_code == 200
    before = user_turns(redis_server, conversation_id)
    reused = send(b, conversation_id, key, text="can they still post them")
    assert reused.status_code == 422 and "different message" in reused.json()["detail"]
    with b.client() as c:
        bad = c.post(
            f"/api/v1/conversations/{conversation_id}/messages", json={"text": "done"},
            headers={"Idempotency-Key": "x" * 129},
        )
    assert bad.status_code == 400 and "Idempotency-Key" in bad.json()["detail"]
    assert user_turns(redis_server, conversation_id) == before


def test_replies_live_hashed_with_the_conversation_and_go_when_it_is_deleted(pair, redis_server):
    a, b = pair
    conversation_id = on_the_plan(a, b)
    key = "a-very-recognisable-idempotency-key"
    assert send(a, conversation_id, key, text="done").status_code == 200
    r = redis_server.client()
    stored = r.hgetall(replies_key(conversation_id))
    assert len(stored) == 2  # the /next_step and the "done"
    assert all(key.encode() not in field + value for field, value in stored.items())
    assert 0 < r.pttl(replies_key(conversation_id)) <= 30 * 60 * 1000, "kept for the retention period"
    with b.client() as c:
        assert c.delete(f"/api/v1/conversations/{conversation_id}").status_code == 204
    assert not r.exists(replies_key(conversation_id))


def test_rest_metadata_key_across_processes(pair, redis_server):
    a, b = pair
    sender = uuid.uuid4().hex
    key = str(uuid.uuid4())

    def rest(service: Service, message: str, **metadata: Any) -> httpx.Response:
        with service.client() as c:
            return c.post("/webhooks/rest/webhook", json={"sender": sender, "message": message, "metadata": metadata})

    rest(a, BLACKMAIL_TEXT)
    rest(b, UNDER18_PAYLOAD)
    assert steps(rest(a, "/next_step").json()) == [1]
    first = rest(a, "done", idempotency_key=key)
    again = rest(b, "done", idempotency_key=key)
    assert first.status_code == again.status_code == 200 and again.content == first.content
    assert steps(first.json()) == [2]
    assert user_turns(redis_server, f"rest-{sender}").count("done") == 1


# ---- the claim script on its own (no model) ------------------------------------------------------------


@pytest.mark.asyncio(loop_scope="function")
async def test_the_claim_script_remembers_a_keys_message_and_its_reply(redis_server):
    client = LoopClient(redis_server.url)
    store = RedisReplies(client, retention_seconds=60)
    hasher = Hasher(CHANNEL_ID_SECRET.encode())
    conversation, key, message = "api-claims", hasher.key("k1"), hasher.message("text:done")

    assert read_claim(await store.claim(conversation, key, message), message) == Claim()
    # Not answered yet (still running, or failed): run it again; the saved conversation decides.
    assert read_claim(await store.claim(conversation, key, message), message) == Claim()
    other = hasher.message("text:other")
    with pytest.raises(IdempotencyKeyReused):
        read_claim(await store.claim(conversation, key, other), other)
    await store.complete(conversation, key, message, [{"text": "step 2"}])
    assert read_claim(await store.claim(conversation, key, message), message) == Claim(replies=[{"text": "step 2"}])
    with pytest.raises(IdempotencyKeyReused):
        read_claim(await store.claim(conversation, key, other), other)
    assert 0 < await client.get().pttl(replies_key(conversation)) <= 60_000
