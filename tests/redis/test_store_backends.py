"""The conversation store's one interface (api/store/base.py), the same tests against both backends: this
process's memory and a real redis-server. Two stores on one Redis stand for two processes; in memory
each store is a process of its own, so what is shared is checked only where the backend shares."""
from __future__ import annotations

import asyncio
from typing import Callable

import pytest
from kestrel_redistest import RedisServer, free_port

from api.idempotency import Claim, Hasher, read_claim
from api.ratelimit import Limits, RateLimited
from api.settings import Settings
from api.store import ConversationStore, open_store
from api.store.errors import StoreUnavailable
from api.store.memory import MemoryStore
from api.store.redis import RedisStore

pytestmark = pytest.mark.asyncio(loop_scope="function")

MakeStore = Callable[..., ConversationStore]


@pytest.fixture(params=["memory", "redis"])
def make_store(request: pytest.FixtureRequest, tmp_path) -> MakeStore:
    url = None
    if request.param == "redis":
        server = request.getfixturevalue("redis_server")
        server.client().flushall()
        url = server.url

    def make(**settings: float) -> ConversationStore:
        return open_store(Settings(redis_url=url, model_path=tmp_path, **settings), secret=b"s" * 32)

    return make


async def ready(store: ConversationStore) -> ConversationStore:
    assert await store.check(), "the first check finds the store reachable"
    assert store.ok
    return store


async def test_the_backend_is_chosen_by_the_settings(make_store):
    store = make_store()
    assert isinstance(store, RedisStore if store.shared else MemoryStore)


async def test_a_conversation_lives_while_used_and_expires_when_idle(make_store):
    store = await ready(make_store(retention_minutes=0.3 / 60))
    await store.begin_turn("c1")
    await store.end_turn("c1")
    assert await store.is_live("c1") and await store.known("c1")
    await asyncio.sleep(0.15)
    await store.begin_turn("c1")  # a turn in progress keeps it, however long the turn
    await asyncio.sleep(0.4)
    assert await store.is_live("c1")
    await store.end_turn("c1")
    assert await store.is_live("c1"), "retention counts from the end of the last turn"
    await asyncio.sleep(0.45)
    assert not await store.is_live("c1")
    await store.sweep()
    assert not await store.known("c1"), "gone: by Redis key expiry, or by the sweep in memory"


async def test_forgetting_is_final_even_for_a_turn_still_running(make_store):
    store = await ready(make_store())
    await store.begin_turn("c2")
    assert await store.forget("c2") is True
    await store.end_turn("c2")
    assert not await store.known("c2") and not await store.is_live("c2")
    assert await store.forget("c2") is False


async def test_live_count_follows_the_conversations(make_store):
    store = await ready(make_store())
    for conversation_id in ("a", "b", "c"):
        await store.begin_turn(conversation_id)
        await store.end_turn(conversation_id)
    await store.forget("b")
    await store.check()  # with Redis the gauge is read by the background check
    assert store.live_count() == 2


async def test_idempotency_replies_claim_complete_and_forget(make_store):
    store = await ready(make_store(turn_timeout_seconds=1))
    hasher = Hasher(b"k" * 32)
    key, message, other = hasher.key("k1"), hasher.message("text:done"), hasher.message("text:other")

    async def claim(message_hash: str) -> Claim:
        return read_claim(await store.replies.claim("c3", key, message_hash), message_hash)

    assert await claim(message) == Claim()
    # Not answered yet (running, or failed): run it as a keyed turn again; the saved conversation decides.
    assert await claim(message) == Claim()
    with pytest.raises(Exception, match="different message"):
        await claim(other)  # the key's message is remembered from the first delivery on
    await store.replies.complete("c3", key, message, [{"text": "step 2"}])
    assert await claim(message) == Claim(replies=[{"text": "step 2"}])
    with pytest.raises(Exception, match="different message"):
        await claim(other)
    await store.erase("c3")
    assert await claim(other) == Claim(), "erasing the conversation erases its replies"


async def test_the_seen_set_and_the_menus(make_store):
    store = await ready(make_store())
    seen = store.seen(60)
    assert await seen.first_time("d1") is True
    assert await seen.first_time("d1") is False
    menus = store.menus(60)
    assert await menus.get("c4") is None
    await menus.set("c4", '{"numbered": ["/a"]}')
    assert await menus.get("c4") == '{"numbered": ["/a"]}'


async def test_the_caps_on_new_conversations(make_store):
    store = await ready(make_store(max_conversations=2, max_conversations_per_client=1))
    assert await store.caps.admit("203.0.113.5") is None
    refusal = await store.caps.admit("203.0.113.5")
    assert refusal is not None and refusal.per_client
    for conversation_id in ("x", "y"):
        await store.begin_turn(conversation_id)
    refusal = await store.caps.admit(None)
    assert refusal is not None and not refusal.per_client, "the overall cap counts live conversations"


async def test_what_is_shared_between_processes(make_store):
    one, other = await ready(make_store()), await ready(make_store())
    await one.begin_turn("c5")
    await one.end_turn("c5")
    assert await other.is_live("c5") is one.shared
    assert await other.seen(60).first_time("d2") is True
    assert await one.seen(60).first_time("d2") is (not one.shared)
    await one.menus(60).set("c6", "{}")
    assert (await other.menus(60).get("c6") == "{}") is one.shared
    first, second = (Limits(60, 1, window=store.rate_window(), secret=b"k" * 32) for store in (one, other))
    await first.check_conversation("c7")
    if one.shared:
        with pytest.raises(RateLimited):
            await second.check_conversation("c7")
    else:
        await second.check_conversation("c7")  # each process its own allowance
        with pytest.raises(RateLimited):
            await first.check_conversation("c7")


async def test_a_store_that_cannot_be_reached_is_a_503_at_once(tmp_path):
    store = open_store(Settings(redis_url=f"redis://127.0.0.1:{free_port()}/0", model_path=tmp_path))
    assert not await store.check() and not store.ok
    with pytest.raises(StoreUnavailable):
        async with store.guard():
            await store.is_live("c8")


async def test_a_redis_that_goes_away_is_marked_down_and_noticed_when_back(redis_server: RedisServer, tmp_path):
    store = await ready(open_store(Settings(redis_url=redis_server.url, model_path=tmp_path)))
    redis_server.stop()
    try:
        with pytest.raises(StoreUnavailable):
            async with store.guard():
                await store.is_live("c9")
        assert not store.ok, "a connection error marks the store down"
    finally:
        redis_server.start()
    assert await store.check() and store.ok
