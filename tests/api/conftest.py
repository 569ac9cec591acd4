"""Fixtures for the web service tests: the real trained model, loaded once per session.

The model is `models/` at the repo root (`make train` makes it); KESTREL_TEST_MODEL_PATH overrides it.
All async tests here run on the session's event loop (`pytestmark` in each module), which is the loop
the shared Assistant was started on.
"""
from __future__ import annotations

from typing import Any, AsyncIterator, Callable, Iterator

import httpx
import pytest
import pytest_asyncio
from kestrel_webtest import LiveServer, client_for, make_settings, started_assistant

from api.assistant import Assistant
from api.main import create_app


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def assistant() -> AsyncIterator[Assistant]:
    async with started_assistant() as instance:
        yield instance


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
