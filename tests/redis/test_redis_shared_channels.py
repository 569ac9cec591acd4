"""Two service processes on one Redis (WORKERS=1 each, as two replicas, or two workers, run): a messaging
channel's numbered options offered by one are understood by the other, and rate limits are one
allowance for both.

With menus kept per process, an SMS "1" answering "Reply 1 for Under 18" that reaches the other process
is read as the text "1": the under-18 then gets the plan for every age, with no notice."""
from __future__ import annotations

import secrets
import sys
import time
from pathlib import Path
from typing import Callable, Dict, Iterator, List, Tuple

import httpx
import pytest
from kestrel_redistest import (
    BLACKMAIL_TEXT,
    CHANNEL_ID_SECRET,
    UNDER18_PAYLOAD,
    RedisServer,
    Service,
    running,
    slots,
    tracker_events,
)

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "channels"))
from channel_fakes import (  # noqa: E402
    PUBLIC_BASE_URL,
    TWILIO_SID,
    TWILIO_TOKEN,
    FakePlatform,
    Recorded,
    form,
    twilio_params,
    twilio_signature,
)

from api.channels.ids import ConversationIds  # noqa: E402

PER_CONVERSATION = 4
Pair = Tuple[Service, Service, FakePlatform]


@pytest.fixture(scope="module")
def pair(redis_server: RedisServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pair]:
    logs = tmp_path_factory.mktemp("shared-channel-logs")
    with FakePlatform() as platform:
        env: Dict[str, str] = dict(
            PUBLIC_BASE_URL=PUBLIC_BASE_URL, TWILIO_ACCOUNT_SID=TWILIO_SID, TWILIO_AUTH_TOKEN=TWILIO_TOKEN,
            TWILIO_API_BASE=platform.url, WORKERS="1", RATE_LIMIT_PER_CONVERSATION=str(PER_CONVERSATION),
        )
        a = Service("a", logs, redis_server.url, **env)
        b = Service("b", logs, redis_server.url, **env)
        with running(a, b):
            yield a, b, platform


def new_number() -> str:
    return "+4477009" + "".join(secrets.choice("0123456789") for _ in range(5))


def new_sid() -> str:
    return "SM" + secrets.token_hex(16)


def text_message(service: Service, sender: str, body: str) -> None:
    """A correctly signed Twilio webhook, as Twilio would sign it for PUBLIC_BASE_URL."""
    params = twilio_params(sender, body, new_sid())
    signature = twilio_signature(f"{PUBLIC_BASE_URL}/webhooks/twilio", params)
    response = httpx.post(
        f"{service.url}/webhooks/twilio", content=form(params), timeout=30,
        headers={"Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": signature},
    )
    assert response.status_code == 200, response.text


def sms_to(number: str) -> Callable[[Recorded], bool]:
    return lambda r: r["path"].endswith("/Messages.json") and r.get("form", {}).get("To") == number


def wait_for(platform: FakePlatform, predicate: Callable[[Recorded], bool], timeout: float = 60) -> List[Recorded]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = platform.received(predicate)
        if found:
            return found
        time.sleep(0.05)
    raise AssertionError("no such message reached the platform")


def user_texts(events: List[Dict]) -> List[str]:
    return [e.get("text") for e in events if e.get("event") == "user"]


def test_an_sms_menu_answer_reaching_the_other_process_is_taken(pair, redis_server):
    a, b, platform = pair
    number = new_number()
    text_message(a, number, BLACKMAIL_TEXT)
    wait_for(platform, lambda r: sms_to(number)(r) and "Reply 1 for Under 18" in r["form"]["Body"])

    text_message(b, number, "1")  # the answer reaches the process that did not offer the options
    plan = wait_for(platform, lambda r: sms_to(number)(r) and "Your plan" in r["form"]["Body"])
    assert plan
    conversation_id = ConversationIds(CHANNEL_ID_SECRET.encode()).conversation("twilio", number)
    events = tracker_events(redis_server.client(), conversation_id)
    assert user_texts(events) == [BLACKMAIL_TEXT, UNDER18_PAYLOAD], "the 1 was read as the Under 18 button"
    assert slots(events)["age_group"] == "under18"

    menu_keys = redis_server.client().keys("kestrel:menu:*")
    assert menu_keys == [f"kestrel:menu:{conversation_id}".encode()]
    stored = redis_server.client().get(menu_keys[0])
    ttl = redis_server.client().pttl(menu_keys[0])
    assert 0 < ttl <= 30 * 60 * 1000, "the menu expires with the conversation"
    assert number.encode() not in stored and b"Under 18" not in stored and BLACKMAIL_TEXT.encode() not in stored


def test_a_conversation_rate_limit_holds_across_processes(pair):
    a, b, _ = pair
    with a.client() as c:
        conversation_id = c.post("/api/v1/conversations").json()["conversation_id"]
    url = f"/api/v1/conversations/{conversation_id}/messages"
    statuses = []
    for service in (a, b, a, b, a):
        with service.client() as c:
            response = c.post(url, json={"payload": "/greet"})
        statuses.append(response.status_code)
    assert statuses[:PER_CONVERSATION] == [200] * PER_CONVERSATION
    assert statuses[PER_CONVERSATION] == 429, "each process would otherwise grant its own allowance"
    assert int(response.headers["retry-after"]) >= 1
