"""Schemathesis over the OpenAPI schema: generated requests never get a server error, and every response
matches what the schema documents (status codes, content types, headers, bodies)."""
from __future__ import annotations

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from kestrel_webtest import ADMIN_TOKEN
from schemathesis.generation import GenerationMode

AUTH = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


@pytest.fixture(scope="session")
def api_schema(app_factory):
    # Schemathesis sends many wrong admin tokens on purpose and expects each to be a 401.
    loaded = schemathesis.openapi.from_asgi("/openapi.json", app_factory(rate_limit_admin_failures=100_000))
    # Both schema-valid data (must be accepted) and schema-violating data (must be refused with a 4xx).
    loaded.config.generation.update(modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
    return loaded


schema = schemathesis.pytest.from_fixture("api_schema")


# Derandomized so CI is repeatable; KESTREL_FUZZ_EXAMPLES=500 KESTREL_FUZZ_RANDOM=1 explores further.
@schema.parametrize()
@settings(
    max_examples=int(os.environ.get("KESTREL_FUZZ_EXAMPLES", "100")),
    derandomize=not os.environ.get("KESTREL_FUZZ_RANDOM"),
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_openapi_contract_holds(case):
    case.call_and_validate(headers=AUTH)
