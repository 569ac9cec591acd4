"""The Redis stores on their own, against a real redis-server (no model): the turn lock (mutual
exclusion between independent clients, owner token, expiry of a dead holder's lock, renewal while a turn
runs, bounded wait), the fenced tracker save, the registry's TTL-based retention, and Rasa's
FailSafeTrackerStore made to raise instead of quietly using memory."""
from __future__ import annotations

import asyncio
import json
import time

import pytest
import redis
from kestrel_redistest import free_port

from api.rasa.stores import KestrelRedisTrackerStore, RedisTurnLockStore, fail_loudly
from api.settings import Settings
from api.store.client import SOCKET_TIMEOUT_SECONDS, LoopClient, redis_client
from api.store.errors import TurnLockLost, TurnLockTimeout
from api.store.keys import conversation_key, lock_key, tracker_key
from api.store.redis import RedisConversationRegistry

pytestmark = pytest.mark.asyncio(loop_scope="function")


def two_processes(url: str, **kwargs: float) -> tuple[RedisTurnLockStore, RedisTurnLockStore]:
    """Two lock stores with their own clients, as two service processes have."""
    return RedisTurnLockStore(url, **kwargs), RedisTurnLockStore(url, **kwargs)


# ---- turn lock ---------------------------------------------------------------------------------------


async def test_only_one_holder_at_a_time_across_clients(redis_server):
    stores = two_processes(redis_server.url, wait_seconds=20)
    inside = 0
    most_inside = 0
    order = []

    async def turn(store: RedisTurnLockStore, n: int) -> None:
        nonlocal inside, most_inside
        async with store.lock("conv-a"):
            inside += 1
            most_inside = max(most_inside, inside)
            order.append(("start", n))
            await asyncio.sleep(0.01)  # the other client's polls run meanwhile
            order.append(("end", n))
            inside -= 1

    await asyncio.gather(*(turn(stores[n % 2], n) for n in range(20)))
    assert most_inside == 1
    assert all(order[i][0] == "start" and order[i + 1] == ("end", order[i][1]) for i in range(0, 40, 2))
    assert not redis_server.client().exists(lock_key("conv-a")), "released after the last turn"


async def test_a_dead_holders_lock_expires_and_its_late_release_cannot_free_the_new_owner(redis_server):
    r = redis_server.client()
    # A process that took the lock and was then killed: its key stays until the lifetime runs out.
    r.set(lock_key("conv-b"), "token-of-a-dead-process", px=400)
    store = RedisTurnLockStore(redis_server.url, wait_seconds=5, lifetime_seconds=2)
    started = time.monotonic()
    async with store.lock("conv-b"):
        waited = time.monotonic() - started
        assert 0.2 < waited < 2, waited
        mine = r.get(lock_key("conv-b"))
        assert mine and mine != b"token-of-a-dead-process"
        # The release script checks the owner token: the dead process's token frees nothing.
        released = r.eval(
            "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end",
            1, lock_key("conv-b"), "token-of-a-dead-process",
        )
        assert released == 0 and r.get(lock_key("conv-b")) == mine


async def test_a_long_turn_keeps_its_lock_past_the_lifetime(redis_server):
    first, second = two_processes(redis_server.url, wait_seconds=0.3, lifetime_seconds=0.3)
    async with first.lock("conv-c"):
        await asyncio.sleep(1.0)  # more than three lifetimes: renewals keep it
        with pytest.raises(TurnLockTimeout):
            async with second.lock("conv-c"):
                pass


async def test_waiting_is_bounded(redis_server):
    first, second = two_processes(redis_server.url, wait_seconds=0.5)
    async with first.lock("conv-d"):
        started = time.monotonic()
        with pytest.raises(TurnLockTimeout):
            async with second.lock("conv-d"):
                pass
        assert time.monotonic() - started < 1.5


async def test_unreachable_redis_fails_fast_instead_of_hanging():
    store = RedisTurnLockStore(f"redis://127.0.0.1:{free_port()}/0", wait_seconds=30)
    started = time.monotonic()
    with pytest.raises(redis.exceptions.ConnectionError):
        async with store.lock("conv-e"):
            pass
    assert time.monotonic() - started < 3


def test_a_redis_that_accepts_but_never_answers_times_out(redis_server):
    """A hung Redis (or a network that drops packets) must not hang a request: socket timeouts bound it."""
    import socket
    import threading

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    held = []
    threading.Thread(target=lambda: [held.append(listener.accept()) for _ in range(4)], daemon=True).start()
    url = f"redis://127.0.0.1:{listener.getsockname()[1]}/0"
    try:
        started = time.monotonic()
        with pytest.raises(redis.exceptions.TimeoutError):
            redis_client(url).ping()
        assert time.monotonic() - started < SOCKET_TIMEOUT_SECONDS + 1
    finally:
        listener.close()


# ---- tracker store -----------------------------------------------------------------------------------


def _tracker(sender: str, *texts: str):
    from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    events = []
    for text in texts:
        events += [UserUttered(text), BotUttered("ok"), ActionExecuted("action_listen")]
    return DialogueStateTracker.from_events(sender, events)


def _store(url: str, retention: float = 60):
    from rasa.shared.core.domain import Domain

    return KestrelRedisTrackerStore(Domain.empty(), redis_client(url), retention, max_events=150)


async def test_save_inside_the_turn_lock_lands_with_the_retention_expiry(redis_server):
    store = _store(redis_server.url, retention=90)
    async with RedisTurnLockStore(redis_server.url, wait_seconds=5).lock("conv-f"):
        await store.save(_tracker("conv-f", "hello"))
    ttl = redis_server.client().pttl(tracker_key("conv-f"))
    assert 85_000 < ttl <= 90_000
    retrieved = await store.retrieve("conv-f")
    assert [e.text for e in retrieved.events if e.type_name == "user"] == ["hello"]


async def test_save_after_the_lock_was_lost_is_refused_and_writes_nothing(redis_server):
    store = _store(redis_server.url)
    r = redis_server.client()
    async with RedisTurnLockStore(redis_server.url, wait_seconds=5).lock("conv-g"):
        await store.save(_tracker("conv-g", "first"))
        # Our lock expired (the process stalled) and another process took the conversation.
        r.set(lock_key("conv-g"), "another-process", px=5000)
        with pytest.raises(TurnLockLost):
            await store.save(_tracker("conv-g", "first", "stale second"))
    r.delete(lock_key("conv-g"))
    retrieved = await store.retrieve("conv-g")
    assert [e.text for e in retrieved.events if e.type_name == "user"] == ["first"]


async def test_rasas_failsafe_wrapper_raises_instead_of_falling_back_to_memory(redis_server):
    from rasa.core.tracker_store import FailSafeTrackerStore

    dead = _store(f"redis://127.0.0.1:{free_port()}/0")
    # Rasa's own behaviour, for the record: a read error becomes "no conversation", a write goes to memory.
    assert await FailSafeTrackerStore(dead).retrieve("someone") is None

    wrapper = FailSafeTrackerStore(dead)

    class FakeAgent:
        tracker_store = wrapper
        processor = None

    fail_loudly(FakeAgent(), dead)
    with pytest.raises(redis.exceptions.ConnectionError):
        await wrapper.retrieve("someone")
    with pytest.raises(redis.exceptions.ConnectionError):
        await wrapper.save(_tracker("someone", "hi"))
    assert wrapper._fallback_tracker_store is None, "nothing was kept in memory"


async def test_fail_loudly_refuses_unexpected_rasa_wiring(redis_server):
    class NotWrapped:
        tracker_store = object()
        processor = None

    with pytest.raises(RuntimeError, match="rasa 3.6"):
        fail_loudly(NotWrapped(), object())


async def test_turns_keep_the_stored_history_bounded_with_every_event_streamed_once(redis_server):
    """Turn after turn as the processor plays them (retrieve, add a turn, save): what Redis holds stays
    under the cap with its slots, and each save streams exactly the turn's new events."""
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import ActionExecuted, BotUttered, SlotSet, UserUttered

    from api.rasa.turn_events import TurnEventBroker, collect_into, stop_collecting

    domain = Domain.from_dict({"slots": {"age_group": {"type": "text", "mappings": [{"type": "custom"}]}}})
    store = KestrelRedisTrackerStore(domain, redis_client(redis_server.url), 60, max_events=50,
                                     event_broker=TurnEventBroker())
    await store.save(store.init_tracker("conv-long"))
    r = redis_server.client()
    for n in range(40):
        tracker = await store.retrieve("conv-long")
        new = [UserUttered(f"message {n}"), BotUttered("ok"), ActionExecuted("action_listen")]
        if n == 2:
            new.insert(1, SlotSet("age_group", "under18"))
        streamed: list = []
        token = collect_into(streamed)
        try:
            for event in new:
                tracker.update(event)
            await store.save(tracker)
        finally:
            stop_collecting(token)
        assert [e["event"] for e in streamed] == [e.type_name for e in new], f"turn {n}"
        stored = json.loads(r.get(tracker_key("conv-long")))["events"]
        assert len(stored) <= 50, f"turn {n}: {len(stored)} events stored"
    tracker = await store.retrieve("conv-long")
    assert tracker.get_slot("age_group") == "under18", "set in turn 2, long since dropped from the history"
    assert tracker.latest_message.text == "message 39"
    assert "message 2" not in [e.text for e in tracker.events if e.type_name == "user"]


async def test_a_save_that_lacks_an_earlier_session_still_merges_it(redis_server):
    """Rasa hands a turn only the latest session; the save puts the earlier ones back (Rasa's merge)."""
    from rasa.shared.core.events import ActionExecuted, SessionStarted, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    store = _store(redis_server.url)
    earlier = [ActionExecuted("action_session_start", timestamp=1), SessionStarted(timestamp=1),
               UserUttered("earlier session", timestamp=2), ActionExecuted("action_listen", timestamp=3)]
    await store.save(DialogueStateTracker.from_events("conv-sessions", earlier))
    latest = [ActionExecuted("action_session_start", timestamp=10), SessionStarted(timestamp=10),
              UserUttered("latest session", timestamp=11), ActionExecuted("action_listen", timestamp=12)]
    await store.save(DialogueStateTracker.from_events("conv-sessions", latest))
    full = await store.retrieve_full_tracker("conv-sessions")
    assert [e.text for e in full.events if e.type_name == "user"] == ["earlier session", "latest session"]


# ---- conversation registry ---------------------------------------------------------------------------


async def test_registry_expiry_is_redis_key_expiry(redis_server):
    registry = RedisConversationRegistry(LoopClient(redis_server.url), retention_seconds=0.3, turn_budget_seconds=60)
    await registry.touch("idle")
    await registry.begin_turn("busy")
    assert await registry.is_live("idle") and await registry.is_live("busy")
    time.sleep(0.5)
    assert not await registry.is_live("idle") and not await registry.known("idle"), "gone once idle past retention"
    assert await registry.is_live("busy"), "a turn in progress keeps its conversation"
    await registry.end_turn("busy")
    assert 0 < redis_server.client().pttl(conversation_key("busy")) <= 300
    assert await registry.expired() == [], "nothing to sweep: Redis removes expired keys itself"


async def test_registry_forget_is_final_even_for_a_turn_still_running(redis_server):
    registry = RedisConversationRegistry(LoopClient(redis_server.url), retention_seconds=60, turn_budget_seconds=60)
    await registry.begin_turn("gone")
    assert await registry.forget("gone") is True
    await registry.end_turn("gone")  # the turn ends after the deletion
    assert not await registry.known("gone")
    assert await registry.forget("gone") is False


async def test_registry_counts_live_conversations_across_processes(redis_server):
    redis_server.client().delete("kestrel:active")
    one = RedisConversationRegistry(LoopClient(redis_server.url), retention_seconds=0.3, turn_budget_seconds=0)
    other = RedisConversationRegistry(LoopClient(redis_server.url), retention_seconds=60, turn_budget_seconds=0)
    await one.touch("short-lived")
    await other.touch("long-lived")
    assert await one.count() == await other.count() == 2
    time.sleep(0.5)
    assert await other.count() == 1


# ---- settings ----------------------------------------------------------------------------------------


def test_redis_url_must_be_a_redis_url():
    assert Settings(redis_url="redis://cache:6379/0").redis_url == "redis://cache:6379/0"
    assert Settings(redis_url="").redis_url is None
    with pytest.raises(ValueError, match="REDIS_URL"):
        Settings(redis_url="cache:6379")


# ---- messaging channels' seen-set ----------------------------------------------------------------------


async def test_channel_deliveries_are_seen_once_across_processes(redis_server, tmp_path):
    from api.assistant import Assistant
    from api.store.memory import MemorySeen

    processes = [Assistant(Settings(redis_url=redis_server.url, model_path=tmp_path)) for _ in range(2)]
    for assistant in processes:
        assert await assistant.check_store(), "the background check that start() runs"
    one, other = (assistant.seen_store(60) for assistant in processes)
    assert await one.first_time("delivery-1") is True
    assert await other.first_time("delivery-1") is False, "a retry reaching another process is a duplicate"
    assert await other.first_time("delivery-2") is True
    assert 0 < redis_server.client().pttl("kestrel:seen:delivery-1") <= 60_000
    assert isinstance(Assistant(Settings(model_path=tmp_path)).seen_store(60), MemorySeen), "no Redis: this process's"


# ---- every Redis error is a 503 ------------------------------------------------------------------------


@pytest.mark.parametrize("error, down", [
    (redis.exceptions.ExecAbortError("EXECABORT Transaction discarded because of previous errors."), False),
    (redis.exceptions.OutOfMemoryError("command not allowed when used memory > 'maxmemory'."), False),
    (redis.exceptions.ResponseError("MISCONF Redis is configured to save RDB snapshots, but it's currently "
                                    "unable to persist to disk."), False),
    (redis.exceptions.ReadOnlyError("You can't write against a read only replica."), False),
    (redis.exceptions.ResponseError("WRONGTYPE Operation against a key holding the wrong kind of value"), False),
    (redis.exceptions.ConnectionError("Connection reset by peer"), True),
    (redis.exceptions.TimeoutError("Timeout reading from socket"), True),
])
async def test_every_redis_error_is_a_503_and_only_an_unreachable_redis_marks_the_store_down(
    redis_server, tmp_path, monkeypatch, error, down
):
    import httpx

    from api.assistant import Assistant
    from api.conversations import API, new_conversation_id
    from api.main import create_app

    settings = Settings(redis_url=redis_server.url, model_path=tmp_path)
    assistant = Assistant(settings)
    assert await assistant.check_store()

    def fail(conversation_id: str) -> bool:
        raise error

    monkeypatch.setattr(assistant.registry, "forget", fail)
    app = create_app(settings, assistant=assistant)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as c:
        response = await c.delete(f"/api/v1/conversations/{new_conversation_id(API)}")
    assert response.status_code == 503, response.text
    assert response.headers["Retry-After"].isdigit()
    assert assistant.store.ok is (not down), "a Redis that answers is not treated as gone"


async def test_the_per_client_count_is_shared_through_redis_without_the_address(redis_server):
    from api.conversation_caps import ConversationCaps
    from api.store.redis_window import RedisWindowStorage

    def process() -> ConversationCaps:
        return ConversationCaps(overall=100, per_client=2, window_seconds=60, count_live=lambda: 0,
                                storage=RedisWindowStorage(LoopClient(redis_server.url)), secret=b"s" * 32)

    one, other = process(), process()
    assert await one.admit("203.0.113.9") is None and await other.admit("203.0.113.9") is None
    refusal = await one.admit("203.0.113.9")
    assert refusal is not None and refusal.per_client, "the other process's conversation counted"
    keys = [key.decode() for key in redis_server.client().keys("*")]
    assert keys and not any("203.0.113.9" in key for key in keys), keys
