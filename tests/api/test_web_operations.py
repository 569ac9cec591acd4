"""Health, readiness, metrics, security headers, CORS, the page at / and static files, the OpenAPI docs."""
from __future__ import annotations

import re

import pytest
from kestrel_webtest import (
    BLACKMAIL_TEXT,
    CRISIS_TEXT,
    UNDER18_PAYLOAD,
    all_text,
    client_for,
    make_settings,
    new_conversation,
    say,
)

import api.http.pages as pages
from actions.facts import load_facts
from api.assistant import Assistant
from api.main import create_app

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def test_health_and_ready(client):
    health = await client.get("/health")
    assert health.status_code == 200 and health.json() == {"status": "ok"}
    ready = await client.get("/ready")
    unverified = load_facts("uk").unverified()
    assert ready.status_code == 200
    assert ready.json() == ({"status": "ready", "unverified": unverified} if unverified else {"status": "ready"})


async def test_not_ready_until_the_model_is_loaded():
    # An assistant that was never started has no model: the service is alive but not ready.
    idle = Assistant(make_settings())
    async with client_for(create_app(make_settings(), assistant=idle)) as c:
        assert (await c.get("/health")).status_code == 200
        ready = await c.get("/ready")
        assert ready.status_code == 503 and ready.json()["status"] == "stopped"
        created = await c.post("/api/v1/conversations")
        assert created.status_code == 503
        assert "starting" in created.json()["detail"] and created.headers["retry-after"]
        rest = await c.post("/webhooks/rest/webhook", json={"sender": "s", "message": "hi"})
        assert rest.status_code == 503


async def test_a_model_that_fails_to_load_is_reported(tmp_path):
    broken = tmp_path / "broken.tar.gz"
    broken.write_bytes(b"not a model")
    failing = Assistant(make_settings(model_path=broken))
    await failing.start()
    try:
        assert not await failing.wait_until_ready(timeout=120)
        async with client_for(create_app(make_settings(), assistant=failing)) as c:
            ready = await c.get("/ready")
            assert ready.status_code == 503
            assert {k: v for k, v in ready.json().items() if k != "unverified"} == {
                "status": "failed", "detail": "model failed to load"
            }
            created = await c.post("/api/v1/conversations")
            assert created.status_code == 503 and "could not be loaded" in created.json()["detail"]
    finally:
        await failing.stop()


def metric(text: str, name: str, **labels: str) -> float:
    """The value of one series in Prometheus text format (0 when absent), whatever the label order."""
    for line in text.splitlines():
        match = re.fullmatch(r"([a-z_]+)(?:\{(.*)\})? ([0-9.e+-]+)", line)
        if match and match.group(1) == name:
            found = dict(re.findall(r'([a-z_]+)="([^"]*)"', match.group(2) or ""))
            if found == labels:
                return float(match.group(3))
    return 0.0


async def test_metrics_count_situations_crisis_and_plan_steps(client):
    before = (await client.get("/metrics")).text
    conversation_id, _ = await new_conversation(client)
    await say(client, conversation_id, text=BLACKMAIL_TEXT)
    replies = await say(client, conversation_id, payload=UNDER18_PAYLOAD)
    for _ in range(12):
        if "That's the whole plan" in all_text(replies):
            break
        replies = await say(client, conversation_id, payload="/next_step")
    await say(client, conversation_id, text=CRISIS_TEXT)
    after = (await client.get("/metrics")).text

    def grew(name: str, **labels: str) -> float:
        return metric(after, name, **labels) - metric(before, name, **labels)

    assert grew("kestrel_situations_recognised_total", intent="blackmail_money") == 1
    assert grew("kestrel_situations_recognised_total", intent="crisis") == 1
    assert grew("kestrel_crisis_responses_total") == 1
    assert grew("kestrel_plan_steps_reached_total", step="summary") == 1
    steps = set(re.findall(r'kestrel_plan_steps_reached_total\{step="([^"]+)"\}', after))
    assert len(steps) >= 5, steps
    route = "/api/v1/conversations/{conversation_id}/messages"
    assert grew("kestrel_http_requests_total", route=route, method="POST", status="200") >= 8
    assert metric(after, "kestrel_http_request_duration_seconds_count", route=route, method="POST") > 0
    assert metric(after, "kestrel_active_conversations") >= 1
    assert metric(after, "kestrel_model_ready") == 1


async def test_active_conversations_gauge_follows_create_and_delete(client):
    def active(text: str) -> float:
        return metric(text, "kestrel_active_conversations")

    start = active((await client.get("/metrics")).text)
    conversation_id, _ = await new_conversation(client)
    assert active((await client.get("/metrics")).text) == start + 1
    await client.delete(f"/api/v1/conversations/{conversation_id}")
    assert active((await client.get("/metrics")).text) == start


SECURITY_HEADERS = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "SAMEORIGIN",
}


@pytest.mark.parametrize(
    "method,path",
    [("GET", "/"), ("GET", "/health"), ("GET", "/metrics"), ("POST", "/api/v1/conversations"),
     ("GET", "/api/v1/missing"), ("GET", "/openapi.json"), ("GET", "/static/missing.js"),
     ("GET", "/socket.io/?EIO=4&transport=polling")],
)
async def test_security_headers_on_every_response(client, method, path):
    response = await client.request(method, path)
    for name, value in SECURITY_HEADERS.items():
        assert response.headers.get(name) == value, (path, name)
    csp = response.headers["content-security-policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'self'" in csp and "object-src 'none'" in csp
    assert "unsafe-inline" not in csp
    if not path.startswith("/static"):
        assert response.headers["cache-control"] == "no-store"
        assert response.headers["cross-origin-resource-policy"] == "same-origin"


async def test_docs_page_gets_the_csp_it_needs(client):
    docs = await client.get("/docs")
    assert docs.status_code == 200
    assert "cdn.jsdelivr.net" in docs.headers["content-security-policy"]


async def test_docs_page_loads_only_pinned_assets_with_integrity(client):
    page = (await client.get("/docs")).text
    external = re.findall(r'<(?:script|link)\b[^>]*(?:src|href)="(https?://[^"]+)"[^>]*>', page)
    tags = re.findall(r'<(?:script|link)\b[^>]*(?:src|href)="https?://[^"]+"[^>]*>', page)
    code = [(url, tag) for url, tag in zip(external, tags) if "icon" not in tag]
    assert len(code) == 2, "the Swagger UI script and stylesheet"
    for url, tag in code:
        assert re.search(r"@\d+\.\d+\.\d+/", url), f"{url} is not pinned to one release"
        assert re.search(r'integrity="sha384-[A-Za-z0-9+/]{64}"', tag) and 'crossorigin="anonymous"' in tag, tag
    csp = (await client.get("/docs")).headers["content-security-policy"]
    assert "https://cdn.jsdelivr.net " not in csp + " ", "the CDN is allowed for the pinned folder only"
    assert (await client.get("/redoc")).status_code == 404, "ReDoc would load an unpinned script"


async def test_cors_only_for_configured_origins(app_factory):
    partner = "https://partner.example"
    async with client_for(app_factory(cors_origins=[partner])) as c:
        allowed = await c.post("/api/v1/conversations", headers={"Origin": partner})
        assert allowed.headers["access-control-allow-origin"] == partner
        other = await c.post("/api/v1/conversations", headers={"Origin": "https://evil.example"})
        assert "access-control-allow-origin" not in other.headers
        preflight = await c.options(
            "/api/v1/conversations/abc",
            headers={"Origin": partner, "Access-Control-Request-Method": "DELETE",
                     "Access-Control-Request-Headers": "content-type"},
        )
        assert preflight.status_code == 200 and "DELETE" in preflight.headers["access-control-allow-methods"]
        assert partner in (await c.get("/health")).headers["content-security-policy"], "partner may frame pages"
    async with client_for(app_factory()) as c:
        response = await c.post("/api/v1/conversations", headers={"Origin": partner})
        assert "access-control-allow-origin" not in response.headers


async def test_index_page(client):
    response = await client.get("/")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")


async def test_static_files_are_cacheable_and_loadable_cross_origin(app_factory, tmp_path, monkeypatch):
    (tmp_path / "widget.js").write_text("console.log('kestrel');\n")
    monkeypatch.setattr(pages, "STATIC_DIR", tmp_path)
    async with client_for(app_factory()) as c:
        response = await c.get("/static/widget.js")
        assert response.status_code == 200 and "kestrel" in response.text
        assert response.headers["cache-control"] == "public, max-age=3600"
        assert response.headers["cross-origin-resource-policy"] == "cross-origin"
        assert response.headers["x-content-type-options"] == "nosniff"
        etag = response.headers["etag"]
        again = await c.get("/static/widget.js", headers={"If-None-Match": etag})
        assert again.status_code == 304
        assert (await c.get("/static/nothing.js")).status_code == 404


async def test_openapi_documents_the_contract(client):
    schema = (await client.get("/openapi.json")).json()
    paths = schema["paths"]
    expected = {
        ("/api/v1/conversations", "post"): ("201", "ConversationCreated"),
        ("/api/v1/conversations/{conversation_id}/messages", "post"): ("200", "MessagesResponse"),
        ("/webhooks/rest/webhook", "post"): ("200", "RestMessage"),
        ("/model/parse", "post"): ("200", "ParseResult"),
        ("/health", "get"): ("200", "Health"),
        ("/ready", "get"): ("200", "Readiness"),
    }
    for (path, method), (status, model) in expected.items():
        responses = paths[path][method]["responses"]
        assert model in str(responses[status]), (path, responses[status])
    assert "204" in paths["/api/v1/conversations/{conversation_id}"]["delete"]["responses"]
    send = paths["/api/v1/conversations/{conversation_id}/messages"]["post"]["responses"]
    assert {"404", "413", "415", "422", "429", "503"} <= set(send)
    assert schema["components"]["schemas"]["SendMessage"]["properties"]["text"]["maxLength"] == 2000
    assert "HTTPBearer" in schema["components"]["securitySchemes"]
