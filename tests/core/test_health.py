"""/healthz and /readyz against the real PostgreSQL and Redis, with each one down, and with
each one hung: a server that accepts connections and never answers (what a frozen process
does) must not hold the answer past a second."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest

from tests.conftest import ROOT

# A port on loopback where nothing listens: the dependency is "down".
CLOSED_PORT = 1

PROBE = """
import django, json, time
django.setup()
from django.test import Client
client = Client(HTTP_HOST="127.0.0.1")
client.get("/healthz")  # the URLs loaded: the probe is timed
started = time.monotonic()
response = client.get("/readyz")
print(json.dumps({
    "status": response.status_code,
    "body": response.json(),
    "seconds": time.monotonic() - started,
    "retry_after": response.headers.get("Retry-After"),
}))
"""


def _probe(**overrides: str) -> dict[str, object]:
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="config.settings.test", **overrides)
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    parsed: dict[str, object] = json.loads(result.stdout.strip().splitlines()[-1])
    return parsed


@pytest.fixture
def hung_port() -> Iterator[int]:
    """A loopback port that accepts connections (the kernel completes them) and never answers."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(64)
        yield server.getsockname()[1]


def test_healthz_answers_while_the_process_lives(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_readyz_is_200_with_postgresql_and_redis_up(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["checks"] == {"database": "ok", "broker": "ok"}


def test_readyz_is_503_naming_the_database_when_it_is_down():
    result = _probe(DATABASE_URL=f"postgres://arbx:arbx@127.0.0.1:{CLOSED_PORT}/arbx")
    assert result["status"] == 503
    assert result["body"] == {"status": "unavailable", "failing": ["database"]}


def test_readyz_is_503_naming_the_broker_when_it_is_down():
    url = f"redis://127.0.0.1:{CLOSED_PORT}/0"
    result = _probe(REDIS_URL=url, CELERY_BROKER_URL=url)
    assert result["status"] == 503
    assert result["body"] == {"status": "unavailable", "failing": ["broker"]}


def test_responses_carry_a_request_id(client):
    response = client.get("/healthz", HTTP_X_REQUEST_ID="abc-123")
    assert response["X-Request-ID"] == "abc-123"
    generated = client.get("/healthz", HTTP_X_REQUEST_ID="bad id with spaces")["X-Request-ID"]
    assert generated != "bad id with spaces"
    assert len(generated) == 32


@pytest.mark.django_db
def test_readyz_is_503_within_a_second_naming_a_hung_broker(client, settings, hung_port):
    assert client.get("/healthz").status_code == 200  # the URLs loaded: the probe is timed
    settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{hung_port}/0"
    started = time.monotonic()
    response = client.get("/readyz")
    seconds = time.monotonic() - started
    print(f"readyz with a hung broker: {response.status_code} in {seconds:.3f} s")
    assert response.status_code == 503
    assert seconds < 1.0
    assert response.json() == {"status": "unavailable", "failing": ["broker"]}
    assert response["Retry-After"] == "1"


def test_readyz_is_503_within_a_second_naming_a_hung_database(hung_port):
    result = _probe(DATABASE_URL=f"postgres://arbx:arbx@127.0.0.1:{hung_port}/arbx")
    print(f"readyz with a hung database: {result['status']} in {result['seconds']:.3f} s")
    assert result["status"] == 503
    assert result["body"] == {"status": "unavailable", "failing": ["database"]}
    assert result["retry_after"] == "1"
    assert float(str(result["seconds"])) < 1.0
