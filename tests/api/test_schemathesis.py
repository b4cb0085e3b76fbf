"""Property tests of the whole API from its own OpenAPI schema (schemathesis, in process).

For every operation and every role, a bounded number of generated requests (valid and
invalid bodies, query strings, path ids that exist and that do not) must never answer 5xx,
and every answer must match the schema: a documented status, content type and body.
"""

from __future__ import annotations

import re

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Ok
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from config.wsgi import application
from tests.personas import COLUMNS, ROLE_PERSONA, bearer

pytestmark = pytest.mark.django_db


@pytest.fixture
def personas(db, module_rows):
    """The module's personas (built once; see module_rows)."""
    return module_rows[0]


@pytest.fixture
def world(db, module_rows):
    """The module's world (built once; each test's writes roll back with it)."""
    return module_rows[1]


SCHEMA = schemathesis.openapi.from_wsgi("/api/schema/", application)
_LOADED = list(SCHEMA.get_all_operations())
OPERATIONS = [result.ok() for result in _LOADED if isinstance(result, Ok)]
assert len(OPERATIONS) == len(_LOADED), "an operation of the schema could not be loaded"
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
EXAMPLES_PER_OPERATION = 10

# Which row of the world an `{id}` in a path names, so that most requests reach a real row.
_RESOURCE_ROW = {
    "chains": "chain",
    "tokens": "token",
    "dexes": "dex",
    "pools": "pool",
    "thresholds": "threshold",
    "schedules": "schedule",
    "opportunities": "opportunity",
    "trades": "trade",
    "users": "user",
    "audit-events": "compliance_event",
}


def _row_for(path: str) -> str | None:
    match = re.match(r"^/api/v1/([a-z-]+)/\{id\}/", path)
    return _RESOURCE_ROW.get(match.group(1)) if match else None


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    # Django's WSGI handler closes the database connection when a request ends; inside the
    # test's transaction that would lose it (Django's own test client does the same as this).
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture(autouse=True)
def _generous_throttles(settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "100000/min", "user": "100000/min"},
    }


@pytest.mark.parametrize("column", COLUMNS)
@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda op: op.label)
def test_it_never_fails_and_always_matches_the_schema(operation, column, personas, world):
    ids = world.ids()
    row = _row_for(operation.path)
    headers = {}
    if column != "anonymous":
        client = bearer(personas[ROLE_PERSONA[column]])
        headers["Authorization"] = client._credentials["HTTP_AUTHORIZATION"]

    @given(
        case=st.one_of(
            operation.as_strategy(GenerationMode.POSITIVE),
            operation.as_strategy(GenerationMode.NEGATIVE),
        )
    )
    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def run(case):
        generated = str((case.path_parameters or {}).get("id", ""))
        if row is not None and generated[-1:] in ("1", "3", "5", "7", "9"):
            # About half of the generated ids are swapped for a real row's.
            case.path_parameters["id"] = str(ids[row])
        case.call_and_validate(headers=headers, checks=CHECKS)

    run()
