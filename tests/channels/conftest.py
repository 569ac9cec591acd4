"""Fixtures for the messaging channel tests: the real trained model (loaded once per session, as in
tests/api), a fake platform server on a loopback port, and apps with all three channels pointed at it.

All async tests here run on the session's event loop (`pytestmark` in each module), the loop the shared
Assistant was started on and the one the channels' background turns run on.
"""
from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any, AsyncIterator, Callable, Iterator

import pytest
import pytest_asyncio

# The web service tests' helpers (settings, model location, the assistant's contract texts).
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "api"))

from channel_fakes import FakePlatform, channel_settings  # noqa: E402
from kestrel_webtest import MODEL_DIR, client_for, make_settings  # noqa: E402

from api.assistant import Assistant  # noqa: E402
from api.main import create_app  # noqa: E402
from api.settings import latest_model  # noqa: E402


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
