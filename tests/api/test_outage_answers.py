"""Outages answer 503 with Retry-After in the API's error shape, never 500: the database gone
(its port closed under a live connection), the broker gone during an approval; a bug stays 500.
Real PostgreSQL, and a broker on a loopback port where nothing listens."""

from __future__ import annotations

import json
import socket
import time
from typing import Any

import pytest
from django.db import OperationalError, connection
from django.test import RequestFactory

from accounts.models import AuditEvent
from arbitrage.models import Trade
from core.api.errors import RETRY_AFTER_SECONDS, json_server_error
from tests.api.world import build_world

pytestmark = pytest.mark.django_db(transaction=True)


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _outage(response: Any, part: str) -> dict[str, Any]:
    assert response.status_code == 503, response.content
    assert response["Retry-After"] == str(RETRY_AFTER_SECONDS)
    body: dict[str, Any] = json.loads(response.content)
    assert body == {
        "code": f"{part}_unavailable",
        "message": body["message"],
        "detail": {"dependency": part, "retry_after_seconds": RETRY_AFTER_SECONDS},
    }
    return body


@pytest.fixture
def world(personas):
    return build_world()


def test_a_database_outage_answers_503_and_the_api_recovers(api_as, world):
    operator = api_as("operator")
    assert operator.get("/api/v1/trades/").status_code == 200
    port = connection.settings_dict["PORT"]
    connection.close()
    connection.settings_dict["PORT"] = str(_closed_port())  # the next query is refused
    try:
        _outage(operator.get("/api/v1/trades/"), "database")
        _outage(operator.post(f"/api/v1/opportunities/{world.opportunity.pk}/execute/"), "database")
    finally:
        connection.close()
        connection.settings_dict["PORT"] = port
    assert operator.get("/api/v1/trades/").status_code == 200  # back by itself


def test_an_approval_with_the_broker_down_answers_503_and_stays_approved(api_as, world, settings):
    settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{_closed_port()}/0"
    started = time.monotonic()
    response = api_as("operator").post(f"/api/v1/opportunities/{world.opportunity.pk}/execute/")
    seconds = time.monotonic() - started
    print(f"approval with the broker down: {response.status_code} in {seconds:.3f} s")
    _outage(response, "broker")
    trade = Trade.objects.get(opportunity=world.opportunity)
    assert trade.state == Trade.State.APPROVED  # left for the reconciler's approved pass
    steps: list[tuple[str, dict[str, Any]]] = [
        (action, after or {})
        for action, after in AuditEvent.objects.filter(
            target_type="arbitrage.trade", target_id=str(trade.pk)
        )
        .order_by("sequence")
        .values_list("action", "after")
    ]
    assert [action for action, _ in steps][-2:] == [
        "execution.trade_execute_requested",
        "execution.trade_queue_failed",
    ]
    assert steps[-1][1]["queued"] is False
    assert "broker unavailable" in steps[-1][1]["reason"]
    assert seconds < 2.0


def test_an_outage_outside_a_drf_view_answers_503_and_a_bug_500():
    request = RequestFactory().get("/api/v1/anything")
    try:
        raise OperationalError("server closed the connection unexpectedly")
    except OperationalError:
        _outage(json_server_error(request), "database")
    try:
        raise ValueError("a bug")
    except ValueError:
        response = json_server_error(request)
    assert response.status_code == 500
    page = RequestFactory().get("/admin/")
    try:
        raise OperationalError("gone")
    except OperationalError:
        answer = json_server_error(page)
    assert (answer.status_code, answer["Retry-After"]) == (503, str(RETRY_AFTER_SECONDS))
