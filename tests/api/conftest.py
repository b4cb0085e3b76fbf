from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest
from django.db import transaction

from tests.personas import _fresh_throttles_and_roles, api_as, personas  # noqa: F401

if TYPE_CHECKING:
    from tests.api.world import World


def pytest_configure(config: pytest.Config) -> None:
    # The test settings' SECRET_KEY (which signs test JWTs) is short on purpose; production
    # requires a 50-character JWT_SIGNING_KEY.
    config.addinivalue_line("filterwarnings", "ignore::jwt.warnings.InsecureKeyLengthWarning")


@pytest.fixture(scope="module")
def module_rows(django_db_setup, django_db_blocker) -> Iterator[tuple[dict[str, Any], World]]:
    """The personas and the world, built once for a module of many read-only-minded cells
    (Django's setUpTestData): they live in a transaction around the module, rolled back at its
    end, and each test runs in a savepoint inside it, so a test's writes still vanish with it.
    Building them per test took about 0.4 s, a thousand times over."""
    from tests.api.world import build_world
    from tests.personas import PERSONAS, make_user

    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            people = {name: make_user(name, role) for name, role in PERSONAS.items()}
            yield people, build_world()
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
