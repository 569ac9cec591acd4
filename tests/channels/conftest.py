"""Fixtures for the messaging channel tests: the real trained model (loaded once per session, as in
tests/api), a fake platform server on a loopback port, and apps with all three channels pointed at it.

All async tests here run on the session's event loop (`pytestmark` in each module), the loop the shared
Assistant was started on and the one the channels' background turns run on.
"""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, AsyncIterator, Callable, Iterator

import pytest
import pytest_asyncio

# The web service tests' helpers (settings, model location, the assistant's contract texts).
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "api"))

from channel_fakes import FakePlatform, channel_settings  # noqa: E402
from kestrel_webtest import client_for, make_settings, started_assistant  # noqa: E402

from api.assistant import Assistant  # noqa: E402
from api.main import create_app  # noqa: E402


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def assistant() -> AsyncIterator[Assistant]:
    async with started_assistant() as instance:
        yield instance


@pytest.fixture(scope="session")
def platform() -> Iterator[FakePlatform]:
    with FakePlatform() as fake:
        yield fake


@pytest.fixture(scope="session")
def channel_app_factory(assistant: Assistant, platform: FakePlatform) -> Callable[..., Any]:
    """An app around the shared assistant with all three channels on; keyword arguments override settings."""

    def build(**overrides: Any) -> Any:
        return create_app(make_settings(**{**channel_settings(platform.url), **overrides}), assistant=assistant)

    return build


@pytest_asyncio.fixture(loop_scope="session")
async def channel_app(channel_app_factory: Callable[..., Any]) -> AsyncIterator[Any]:
    app = channel_app_factory()
    yield app
    await app.state.channels.drain(10)


@pytest_asyncio.fixture(loop_scope="session")
async def client(channel_app: Any) -> AsyncIterator[Any]:
    async with client_for(channel_app) as c:
        yield c
