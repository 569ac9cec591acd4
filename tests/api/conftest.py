"""Fixtures for the web service tests: the real trained model, loaded once per session.

The model is `models/` at the repo root (`make train` makes it); KESTREL_TEST_MODEL_PATH overrides it.
All async tests here run on the session's event loop (`pytestmark` in each module), which is the loop
the shared Assistant was started on.
"""
from __future__ import annotations

import time
from typing import Any, AsyncIterator, Callable, Iterator

import httpx
import pytest
import pytest_asyncio
from kestrel_webtest import MODEL_DIR, LiveServer, client_for, make_settings

from api.assistant import Assistant
from api.main import create_app
from api.settings import latest_model


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def assistant() -> AsyncIterator[Assistant]:
    if MODEL_DIR.is_dir() and latest_model(MODEL_DIR) is None:
        pytest.fail(f"no trained model in {MODEL_DIR}: run `make train` first")
    started = time.perf_counter()
    instance = Assistant(make_settings())
    await instance.start()
    ready = await instance.wait_until_ready(timeout=900)
    assert ready, f"model failed to load: {instance.load_error}"
    print(f"\n[kestrel] model loaded in {time.perf_counter() - started:.1f} s")
    yield instance
    await instance.stop()


@pytest.fixture(scope="session")
def app_factory(assistant: Assistant) -> Callable[..., Any]:
    """Build an app around the shared assistant, with app-level settings overridden."""

    def build(**overrides: Any) -> Any:
        return create_app(make_settings(**overrides), assistant=assistant)

    return build


@pytest_asyncio.fixture(loop_scope="session")
async def client(app_factory: Callable[..., Any]) -> AsyncIterator[httpx.AsyncClient]:
    async with client_for(app_factory()) as c:
        yield c


@pytest.fixture(scope="session")
def live_server(app_factory: Callable[..., Any]) -> Iterator[LiveServer]:
    with LiveServer(app_factory()) as server:
        yield server
