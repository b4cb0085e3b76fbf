"""The API's contract beyond permissions: error shape, amounts as strings, pagination,
filters, validation, and the audit row each write leaves."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest

from accounts.audit import AuditAction, audit_record
from accounts.models import AuditEvent
from arbitrage.models import ExecutionControl, Opportunity, Threshold, Trade
from tests.api.world import build_world
from tests.factories import OpportunityFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(personas):
    return build_world()


def _shape(response) -> dict[str, Any]:
    body: dict[str, Any] = response.json()
    assert set(body) == {"code", "message", "detail"}, body
    assert isinstance(body["detail"], dict)
    return body


# --- one error shape -----------------------------------------------------------------------


def test_it_answers_every_failure_in_one_shape(api_as, world):
    viewer = api_as("viewer")
    cases = [
        (api_as("anonymous").get("/api/v1/pools/"), 401, "not_authenticated"),
        (viewer.post("/api/v1/thresholds/", {}, format="json"), 403, "permission_denied"),
        (viewer.get("/api/v1/pools/999999/"), 404, "not_found"),
        (viewer.get("/api/v1/no-such-thing/"), 404, "not_found"),
        (viewer.get("/api/v1/pools/not-a-number/"), 404, "not_found"),
        (viewer.delete("/api/v1/pools/"), 405, "method_not_allowed"),
        (viewer.get("/api/v1/pools/", {"chain": "x"}), 400, "invalid"),
        (viewer.get("/api/v1/pools/", {"cursor": "garbage"}), 404, "not_found"),
    ]
    for response, status, code in cases:
        assert response.status_code == status, response.content
        assert _shape(response)["code"] == code


def test_it_names_the_field_of_invalid_input(api_as, world):
    response = api_as("operator").post(
        "/api/v1/thresholds/", {"chain": world.chain.pk, "max_hops": 9}, format="json"
    )
    assert response.status_code == 400
    assert "max_hops" in _shape(response)["detail"]


def test_it_answers_a_domain_error_with_its_code(api_as, world):
    operator = api_as("operator")
    opportunity = world.opportunity.pk
    operator.post(f"/api/v1/opportunities/{opportunity}/cancel/", {"reason": "x"}, format="json")
    response = operator.post(f"/api/v1/opportunities/{opportunity}/approve/")
    assert response.status_code == 409
    body = _shape(response)
    assert body["code"] == "invalid_state"
    assert body["detail"] == {"state": "rejected"}


# --- amounts, pagination, filters ----------------------------------------------------------


def test_it_serializes_amounts_as_decimal_strings(api_as, world):
    big = 2**200 + 1
    OpportunityFactory(chain=world.chain, amount_in=big, net_profit=-(10**30))
    body = api_as("viewer").get("/api/v1/opportunities/", {"ordering": "-id"}).json()
    first = body["results"][0]
    assert first["amount_in"] == str(big)
    assert first["net_profit"] == str(-(10**30))
    pool = api_as("viewer").get(f"/api/v1/pools/{world.pool.pk}/").json()
    assert isinstance(pool["reserve0"], str)


def test_it_refuses_amounts_given_as_json_numbers(api_as, world):
    response = api_as("operator").patch(
        f"/api/v1/thresholds/{world.threshold.pk}/", {"min_net_profit": 1.5}, format="json"
    )
    assert response.status_code == 400
    assert "min_net_profit" in _shape(response)["detail"]
    for bad in ("-1", "1e18", "0x10", "1.0", " 1"):
        response = api_as("operator").patch(
            f"/api/v1/thresholds/{world.threshold.pk}/", {"max_input": bad}, format="json"
        )
        assert response.status_code == 400, bad


def test_it_pages_with_a_cursor(api_as, world):
    for _ in range(4):
        OpportunityFactory(chain=world.chain)
    viewer = api_as("viewer")
    seen: list[int] = []
    url: str | None = "/api/v1/opportunities/"
    params: dict[str, int] | None = {"page_size": 2}
    while url:
        body = viewer.get(url, params).json()
        seen += [row["id"] for row in body["results"]]
        url, params = body["next"], None
    assert seen == sorted(Opportunity.objects.values_list("id", flat=True), reverse=True)


def test_it_filters_and_orders(api_as, world):
    viewer = api_as("viewer")
    detected = viewer.get("/api/v1/opportunities/", {"status": "detected"}).json()["results"]
    assert {row["status"] for row in detected} == {"detected"}
    by_chain = viewer.get("/api/v1/pools/", {"chain": world.chain.pk + 1000}).json()
    assert by_chain["results"] == []
    by_token = viewer.get("/api/v1/pools/", {"token": world.token.pk}).json()["results"]
    assert [row["id"] for row in by_token] == [world.pool.pk]
    ordered = viewer.get("/api/v1/opportunities/", {"ordering": "id"}).json()["results"]
    assert [row["id"] for row in ordered] == sorted(row["id"] for row in ordered)


# --- writes leave audit rows ---------------------------------------------------------------


def test_a_threshold_change_is_validated_and_audited(api_as, world, personas):
    operator = api_as("operator")
    response = operator.patch(
        f"/api/v1/thresholds/{world.threshold.pk}/",
        {"min_net_profit": "1000000000000000000000", "enabled": False, "version": 1},
        format="json",
    )
    assert response.status_code == 200
    assert response.json()["min_net_profit"] == "1000000000000000000000"
    event = AuditEvent.objects.filter(action=AuditAction.CONFIG_UPDATED).latest("sequence")
    assert event.actor == personas["otto"]
    assert event.after == {"min_net_profit": "1000000000000000000000", "enabled": False}
    duplicate = operator.post("/api/v1/thresholds/", {"chain": world.chain.pk}, format="json")
    assert duplicate.status_code == 400
    assert Threshold.objects.count() == 1


def test_the_kill_switch_is_audited_and_reading_it_writes_nothing(api_as, world, personas):
    operator = api_as("operator")
    ExecutionControl.objects.all().delete()
    assert (
        operator.get(f"/api/v1/chains/{world.chain.pk}/control/").json()["execution_paused"]
        is False
    )
    assert not ExecutionControl.objects.exists()
    url = f"/api/v1/chains/{world.chain.pk}/control/pause/"
    response = operator.post(url, {"reason": "rpc incident"}, format="json")
    assert response.json()["execution_paused"] is True
    event = AuditEvent.objects.get(action=AuditAction.CONFIG_EXECUTION_PAUSED)
    assert event.actor == personas["otto"]
    assert event.after == {"execution_paused": True, "reason": "rpc incident"}


def test_trade_decisions_are_audited(api_as, world, personas):
    operator = api_as("operator")
    opportunity = world.opportunity.pk
    response = operator.post(f"/api/v1/opportunities/{opportunity}/execute/")
    assert response.status_code == 202
    assert response.json()["state"] == Trade.State.APPROVED
    actions = list(
        AuditEvent.objects.filter(category="execution")
        .order_by("sequence")
        .values_list("action", "actor_username")
    )
    assert actions == [
        ("execution.trade_approved", "otto"),
        ("execution.trade_execute_requested", "otto"),
    ]


def test_a_role_change_is_audited_and_takes_effect(api_as, world, personas):
    admin = api_as("admin")
    url = f"/api/v1/users/{world.user.pk}/roles/"
    response = admin.put(url, {"roles": ["operator", "viewer"]}, format="json")
    assert response.status_code == 200
    assert response.json()["roles"] == ["operator", "viewer"]
    event = AuditEvent.objects.get(action=AuditAction.USERS_ROLES_CHANGED)
    assert (event.before, event.after) == ({"roles": []}, {"roles": ["operator", "viewer"]})
    world.user.refresh_from_db()
    assert world.user.is_staff
    assert world.user.has_perm("arbitrage.change_threshold")


def test_a_deactivated_users_token_stops_working(api_as, world, personas):
    from tests.personas import bearer

    as_target = bearer(world.user)
    assert as_target.get("/api/v1/auth/me/").status_code == 200
    response = api_as("admin").patch(
        f"/api/v1/users/{world.user.pk}/", {"is_active": False}, format="json"
    )
    assert response.status_code == 200
    assert as_target.get("/api/v1/auth/me/").status_code == 401
    event = AuditEvent.objects.get(action=AuditAction.USERS_UPDATED)
    assert event.after == {"is_active": False}


def test_a_new_user_gets_a_validated_password_and_is_audited(api_as, world):
    admin = api_as("admin")
    weak = admin.post("/api/v1/users/", {"username": "neo", "password": "123"}, format="json")
    assert weak.status_code == 400
    assert "password" in _shape(weak)["detail"]
    ok = admin.post(
        "/api/v1/users/",
        {"username": "neo", "password": "a long enough passphrase 5", "roles": ["viewer"]},
        format="json",
    )
    assert ok.status_code == 201
    event = AuditEvent.objects.get(action=AuditAction.USERS_CREATED)
    assert event.after is not None
    assert event.after["roles"] == ["viewer"]
    assert "password" not in event.after


# --- the audit log in the API --------------------------------------------------------------


def test_a_compliance_officer_sees_only_compliance_events(api_as, world):
    body = api_as("compliance_officer").get("/api/v1/audit-events/").json()
    assert {row["category"] for row in body["results"]} == {"compliance"}
    everything = api_as("admin").get("/api/v1/audit-events/").json()
    assert {row["category"] for row in everything["results"]} >= {"compliance", "config"}


def test_it_exports_the_filtered_log_as_csv_without_spreadsheet_formulas(api_as, world):
    audit_record(action=AuditAction.AUTH_LOGIN_FAILED, target_label="=HYPERLINK(evil)")
    response = api_as("admin").get("/api/v1/audit-events/export/", {"category": "auth"})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv"
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][:4] == ["sequence", "created_at", "category", "action"]
    assert [row[3] for row in rows[1:]] == ["auth.login_failed"]
    assert rows[1][8] == "'=HYPERLINK(evil)"
    compliance = api_as("compliance_officer").get("/api/v1/audit-events/export/")
    lines = b"".join(compliance.streaming_content).decode().splitlines()[1:]
    expected = AuditEvent.objects.filter(category="compliance").count()
    assert expected > 1
    assert len(lines) == expected  # the compliance events, and only those
    assert all(",compliance," in line for line in lines)
