"""Production settings fail loudly, naming the variable; when all is set, check --deploy passes."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.conftest import ROOT

GOOD_ENV = {
    "DJANGO_SETTINGS_MODULE": "config.settings.production",
    "DJANGO_SECRET_KEY": "x" * 20 + "-production-test-key-that-is-long-enough-0123456789",
    "DJANGO_ALLOWED_HOSTS": "arbx.example.com",
    "DATABASE_URL": "postgres://arbx:arbx@127.0.0.1:5432/arbx",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
    "JWT_SIGNING_KEY": "y" * 20 + "-production-jwt-signing-key-long-enough-0123456789",
    # A Fernet key and an HMAC key for the personal data (test values, not secrets).
    "ARBX_PII_KEYS": "ZmFrZS1rZXktZm9yLXRlc3RzLW9ubHktMzJieXRlcyE=",
    "ARBX_PII_INDEX_KEY": "test-only-blind-index-key",
}


def _run(env_overrides: dict[str, str | None], *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in GOOD_ENV and not k.startswith("AXES_")}
    env.update(GOOD_ENV)
    for key, value in env_overrides.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_it_passes_check_deploy_with_the_required_variables():
    result = _run({}, "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    "variable", ["DJANGO_SECRET_KEY", "DATABASE_URL", "REDIS_URL", "DJANGO_ALLOWED_HOSTS"]
)
def test_it_refuses_to_start_without_a_required_variable(variable):
    result = _run({variable: None}, "check")
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert variable in result.stderr


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("AXES_FAILURE_LIMIT", "five"),
        ("DATABASE_CONN_MAX_AGE", "1.5x"),
        ("DJANGO_DEBUG", "maybe"),
        ("SENTRY_TRACES_SAMPLE_RATE", "lots"),
    ],
)
def test_it_fails_loudly_on_a_malformed_variable(variable, value):
    result = _run({variable: value}, "check")
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert variable in result.stderr


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("DJANGO_SECRET_KEY", "short", "at least 50 characters"),
        ("DATABASE_URL", "sqlite:////tmp/x.db", "PostgreSQL"),
        ("REDIS_URL", "http://127.0.0.1:6379", "redis://"),
    ],
)
def test_it_refuses_unsafe_production_values(variable, value, message):
    result = _run({variable: value}, "check")
    assert result.returncode != 0
    assert message in result.stderr
