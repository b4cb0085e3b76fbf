"""Fault tests: real anvil, PostgreSQL and Redis with faults injected on loopback only.

Each test is bounded in time and prints its figures (run `pytest -s tests/faults` to read them).
The shared PostgreSQL and Redis are never stopped here: a test that needs an outage puts a fault
proxy in front of them or starts its own server.
"""

from __future__ import annotations

import pytest

from tests.integration.conftest import *  # noqa: F403 - the anvil, market and chain fixtures

pytestmark = pytest.mark.integration
