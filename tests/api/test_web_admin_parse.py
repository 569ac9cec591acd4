"""POST /model/parse: Rasa's parse result, only with the admin bearer token."""
from __future__ import annotations

import pytest
from kestrel_webtest import ADMIN_TOKEN, BLACKMAIL_TEXT, CRISIS_TEXT, client_for

pytestmark = pytest.mark.asyncio(loop_scope="session")

AUTH = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


async def test_parse_with_token_returns_rasas_parse_result(client, assistant):
    before = len(assistant.registry)
    response = await client.post("/model/parse", json={"text": BLACKMAIL_TEXT}, headers=AUTH)
    assert response.status_code == 200
    body = response.json()
    assert body["text"] == BLACKMAIL_TEXT
    assert body["intent"]["name"] == "blackmail_money"
    assert 0 < body["intent"]["confidence"] <= 1
    assert isinstance(body["entities"], list)
    assert body["intent_ranking"][0]["name"] == "blackmail_money"
    assert len(assistant.registry) == before, "parsing touches no conversation"

    crisis = (await client.post("/model/parse", json={"text": CRISIS_TEXT}, headers=AUTH)).json()
    assert crisis["intent"]["name"] == "crisis"


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer wrong"}, {"Authorization": ADMIN_TOKEN}, {"Authorization": f"Basic {ADMIN_TOKEN}"}],
    ids=["missing", "wrong", "no-scheme", "basic"],
)
async def test_parse_without_the_right_token_is_401(client, headers):
    response = await client.post("/model/parse", json={"text": "hello"}, headers=headers)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"


async def test_wrong_token_learns_nothing_about_the_body(client):
    response = await client.post("/model/parse", content=b"{not json", headers={"Content-Type": "application/json"})
    assert response.status_code == 401


async def test_parse_is_404_when_no_admin_token_is_configured(app_factory):
    async with client_for(app_factory(admin_token=None)) as c:
        for headers in ({}, AUTH, {"Authorization": "Bearer "}):
            response = await c.post("/model/parse", json={"text": "hello"}, headers=headers)
            assert response.status_code == 404
    async with client_for(app_factory(admin_token="")) as c:  # ADMIN_TOKEN= (empty) is not a token
        response = await c.post("/model/parse", json={"text": "hello"}, headers={"Authorization": "Bearer "})
        assert response.status_code == 404


async def test_wrong_tokens_are_rate_limited_per_client(app_factory):
    async with client_for(app_factory()) as c:
        wrong = {"Authorization": "Bearer " + "x" * 40}
        statuses = [(await c.post("/model/parse", json={"text": "hi"}, headers=wrong)).status_code for _ in range(10)]
        assert statuses == [401] * 10
        limited = await c.post("/model/parse", json={"text": "hi"}, headers=wrong)
        assert limited.status_code == 429
        assert int(limited.headers["retry-after"]) >= 1
        # While limited, the right token gets the same answer, so a lucky guess cannot be told apart.
        assert (await c.post("/model/parse", json={"text": "hi"}, headers=AUTH)).status_code == 429


async def test_right_tokens_do_not_use_up_the_allowance(app_factory):
    async with client_for(app_factory()) as c:
        for _ in range(15):
            assert (await c.post("/model/parse", json={"text": "hi"}, headers=AUTH)).status_code == 200
