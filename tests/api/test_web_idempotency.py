"""Exactly-once turns in memory: a message resent with the same Idempotency-Key (web API header, REST
`metadata.idempotency_key`) gets the first reply and moves nothing."""
from __future__ import annotations

import asyncio
import re
import uuid
from typing import Any, Dict, List

import httpx
import pytest
from kestrel_webtest import BLACKMAIL_TEXT, UNDER18_PAYLOAD, all_text, new_conversation, say, user_metadata, user_texts

pytestmark = pytest.mark.asyncio(loop_scope="session")


def steps(messages: List[Dict[str, Any]]) -> List[int]:
    return [int(n) for n in re.findall(r"Step (\d+) of \d+", all_text(messages))]


async def send(client: httpx.AsyncClient, conversation_id: str, key: str, **body: str) -> httpx.Response:
    return await client.post(
        f"/api/v1/conversations/{conversation_id}/messages", json=body, headers={"Idempotency-Key": key}
    )


async def on_the_plan(client: httpx.AsyncClient) -> str:
    conversation_id, _ = await new_conversation(client)
    await say(client, conversation_id, text=BLACKMAIL_TEXT)
    await say(client, conversation_id, payload=UNDER18_PAYLOAD)  # the plan at a glance
    first = await say(client, conversation_id, payload="/next_step")
    assert steps(first) == [1], all_text(first)
    return conversation_id


async def test_done_twice_with_one_key_moves_the_plan_once(client, assistant):
    conversation_id = await on_the_plan(client)
    key = str(uuid.uuid4())
    first = await send(client, conversation_id, key, text="done")
    assert first.status_code == 200, first.text
    assert steps(first.json()["messages"]) == [2]
    before = user_texts(assistant, conversation_id)

    again = await send(client, conversation_id, key, text="done")
    assert again.status_code == 200
    assert again.content == first.content, "the stored reply of the first delivery, byte for byte"
    assert user_texts(assistant, conversation_id) == before, "the tracker was not touched"

    following = await send(client, conversation_id, str(uuid.uuid4()), text="done")
    assert steps(following.json()["messages"]) == [3], "a new key is a new message: the plan moves on by one"


async def test_concurrent_deliveries_of_one_key_apply_once(client, assistant):
    conversation_id = await on_the_plan(client)
    key = str(uuid.uuid4())
    responses = await asyncio.gather(*(send(client, conversation_id, key, text="done") for _ in range(3)))
    assert [r.status_code for r in responses] == [200] * 3, [r.text for r in responses]
    assert len({r.content for r in responses}) == 1
    assert steps(responses[0].json()["messages"]) == [2]
    assert user_texts(assistant, conversation_id).count("done") == 1


async def test_same_key_for_a_different_message_is_422(client, assistant):
    conversation_id = await on_the_plan(client)
    key = str(uuid.uuid4())
    assert (await send(client, conversation_id, key, text="done")).status_code == 200
    before = user_texts(assistant, conversation_id)
    reused = await send(client, conversation_id, key, text="what if they post them anyway")
    assert reused.status_code == 422
    assert "different message" in reused.json()["detail"]
    button = await send(client, conversation_id, key, payload="/next_step")
    assert button.status_code == 422
    assert user_texts(assistant, conversation_id) == before


async def test_the_same_key_in_another_conversation_is_another_message(client, assistant):
    key = str(uuid.uuid4())
    a = await on_the_plan(client)
    b = await on_the_plan(client)
    assert steps((await send(client, a, key, text="done")).json()["messages"]) == [2]
    assert steps((await send(client, b, key, text="done")).json()["messages"]) == [2]
    assert user_texts(assistant, b).count("done") == 1


@pytest.mark.parametrize("key", ["", " ", "x" * 129, "tab\there", "caf\u00e9"])
async def test_a_bad_key_is_400_and_applies_nothing(client, assistant, key):
    conversation_id, _ = await new_conversation(client)
    before = user_texts(assistant, conversation_id)
    response = await client.post(
        f"/api/v1/conversations/{conversation_id}/messages", json={"text": "done"},
        headers=[(b"Idempotency-Key", key.encode("latin-1"))],
    )
    assert response.status_code == 400, response.text
    assert "Idempotency-Key" in response.json()["detail"]
    assert user_texts(assistant, conversation_id) == before


async def test_the_longest_key_is_taken(client):
    conversation_id, _ = await new_conversation(client)
    assert (await send(client, conversation_id, "k" * 128, payload="/greet")).status_code == 200


async def test_a_turn_that_failed_before_it_was_saved_runs_on_retry(client, assistant, monkeypatch):
    conversation_id = await on_the_plan(client)
    key = str(uuid.uuid4())
    real = assistant._agent.processor.handle_message

    async def busy(*args: Any, **kwargs: Any) -> Any:
        from api.rasa.agent_worker import ModelBusy

        raise ModelBusy("busy for the test")

    monkeypatch.setattr(assistant._agent.processor, "handle_message", busy)
    before = user_texts(assistant, conversation_id)
    assert (await send(client, conversation_id, key, text="done")).status_code == 503
    assert user_texts(assistant, conversation_id) == before, "nothing was saved"
    monkeypatch.setattr(assistant._agent.processor, "handle_message", real)
    retried = await send(client, conversation_id, key, text="done")
    assert retried.status_code == 200 and steps(retried.json()["messages"]) == [2]


async def test_a_turn_saved_just_before_an_error_is_not_applied_again(client, assistant, monkeypatch):
    """The save lands, then the store fails before the answer is back (a Redis timeout reading the
    reply to the write): the client gets 503, and its retry gets the saved turn's reply, applying nothing."""
    import redis

    conversation_id = await on_the_plan(client)
    key = str(uuid.uuid4())
    real = assistant._agent.processor.handle_message

    async def saved_then_timeout(*args: Any, **kwargs: Any) -> Any:
        await real(*args, **kwargs)
        raise redis.exceptions.TimeoutError("timed out reading the answer")

    monkeypatch.setattr(assistant._agent.processor, "handle_message", saved_then_timeout)
    failed = await send(client, conversation_id, key, text="done")
    assert failed.status_code == 503, failed.text
    assert user_texts(assistant, conversation_id).count("done") == 1, "the turn was saved"
    monkeypatch.setattr(assistant._agent.processor, "handle_message", real)

    retried = await send(client, conversation_id, key, text="done")
    assert retried.status_code == 200, retried.text
    assert steps(retried.json()["messages"]) == [2], "the saved turn's reply: step 2"
    assert user_texts(assistant, conversation_id).count("done") == 1, "applied once"
    following = await send(client, conversation_id, str(uuid.uuid4()), text="done")
    assert steps(following.json()["messages"]) == [3], "no step skipped"


async def test_a_reply_rebuilt_from_the_conversation_is_the_first_reply(client, assistant):
    """When the reply could not be stored (Redis failed just after the save), a repeat rebuilds it from the
    saved conversation: byte for byte the reply the first delivery got."""
    conversation_id = await on_the_plan(client)
    key = str(uuid.uuid4())
    first = await send(client, conversation_id, key, text="done")
    assert steps(first.json()["messages"]) == [2]
    assistant.replies.forget(conversation_id)  # the stored reply is lost; the conversation is not

    again = await send(client, conversation_id, key, text="done")
    assert again.status_code == 200 and again.content == first.content
    assert user_texts(assistant, conversation_id).count("done") == 1
    kept = user_metadata(assistant, conversation_id)[-1]
    assert key not in repr(kept), "the conversation holds an HMAC of the key, never the key"


async def test_keys_are_stored_hashed_and_go_with_the_conversation(client, assistant):
    conversation_id = await on_the_plan(client)
    key = "a-very-recognisable-idempotency-key"
    await send(client, conversation_id, key, text="done")
    stored = repr(assistant.replies._cache.get(conversation_id))
    assert stored != "None" and key not in stored
    assert (await client.delete(f"/api/v1/conversations/{conversation_id}")).status_code == 204
    assert assistant.replies._cache.get(conversation_id) is None


# ---- REST: the key in metadata ---------------------------------------------------------------------


async def rest(client: httpx.AsyncClient, sender: str, message: str, **metadata: Any) -> httpx.Response:
    return await client.post("/webhooks/rest/webhook", json={"sender": sender, "message": message, "metadata": metadata})


async def test_rest_repeat_with_the_same_key_returns_the_first_reply(client, assistant):
    sender = uuid.uuid4().hex
    await rest(client, sender, BLACKMAIL_TEXT)
    await rest(client, sender, UNDER18_PAYLOAD)
    first_step = await rest(client, sender, "/next_step")
    assert steps(first_step.json()) == [1]
    key = str(uuid.uuid4())
    first = await rest(client, sender, "done", idempotency_key=key, source="site")
    again = await rest(client, sender, "done", idempotency_key=key, source="site")
    assert first.status_code == again.status_code == 200
    assert again.content == first.content and steps(first.json()) == [2]
    conversation_id = f"rest-{sender}"
    assert user_texts(assistant, conversation_id).count("done") == 1
    kept = user_metadata(assistant, conversation_id)[-1]
    assert kept["source"] == "site" and "idempotency_key" not in kept, "the key is not kept in the conversation"

    assert (await rest(client, sender, "something else", idempotency_key=key)).status_code == 422
    assert (await rest(client, sender, "done", idempotency_key="")).status_code == 400
    assert (await rest(client, sender, "done", idempotency_key=12)).status_code == 400
