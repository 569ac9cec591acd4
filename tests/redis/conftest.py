"""Fixtures for the Redis scale-out tests: a real redis-server per module, started on a free loopback port
(skipped, with the reason, only when redis-server is not installed: `make test` installs it)."""
from __future__ import annotations

from typing import Iterator

import pytest
from kestrel_redistest import NO_REDIS_REASON, REDIS_SERVER, RedisServer


@pytest.fixture(scope="module")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    if REDIS_SERVER is None:
        pytest.skip(NO_REDIS_REASON)
    server = RedisServer(tmp_path_factory.mktemp("redis")).start()
    yield server
    server.stop()
