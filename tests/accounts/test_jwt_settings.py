"""Production requires its own JWT signing key; the algorithm and lifetimes are checked."""

from __future__ import annotations

import pytest

from tests.core.test_settings import GOOD_ENV, _run


def test_it_refuses_to_start_production_without_a_jwt_signing_key():
    result = _run({"JWT_SIGNING_KEY": None}, "check")
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "JWT_SIGNING_KEY" in result.stderr


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("JWT_SIGNING_KEY", "short", "JWT_SIGNING_KEY must be at least 50 characters"),
        ("JWT_SIGNING_KEY", GOOD_ENV["DJANGO_SECRET_KEY"], "must differ from DJANGO_SECRET_KEY"),
        ("JWT_ALGORITHM", "none", "JWT_ALGORITHM must be one of HS256, HS384, HS512"),
        ("JWT_ALGORITHM", "RS256", "JWT_ALGORITHM must be one of"),
        ("JWT_ACCESS_MINUTES", "16", "JWT_ACCESS_MINUTES must be from 1 to 15"),
        ("JWT_ACCESS_MINUTES", "soon", "JWT_ACCESS_MINUTES"),
    ],
)
def test_it_refuses_unsafe_jwt_settings(variable, value, message):
    result = _run({variable: value}, "check")
    assert result.returncode != 0
    assert message in result.stderr
