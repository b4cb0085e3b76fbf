"""Run-time configuration through the API and the admin: validated, versioned (optimistic
locking: a change made from a stale version answers 409, never a silent overwrite), audited,
with its history readable, and the configuration epoch raised by every change."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from accounts.audit import AuditAction
from accounts.models import AuditEvent
from arbitrage.models import ConfigEpoch, ExecutionControl, Pool, Threshold
from arbitrage.services.thresholds import threshold_update
from tests.api.world import build_world


@pytest.fixture
def world(personas):
    return build_world()


def _shape(response) -> dict[str, Any]:
    body: dict[str, Any] = response.json()
    assert set(body) == {"code", "message", "detail"}, body
    return body


def _epoch() -> int:
    epoch = ConfigEpoch.objects.filter(name="runtime").values_list("epoch", flat=True).first()
    return epoch or 0  # a transactional test before this one may have flushed the row


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_edits_the_second_gets_409_and_nothing_is_overwritten(api_as, world):
    url = f"/api/v1/thresholds/{world.threshold.pk}/"
    read = api_as("operator").get(url)
    version = read.json()["version"]
    audited = AuditEvent.objects.filter(action=AuditAction.CONFIG_UPDATED).count()
    assert read["ETag"] == f'"{version}"'
    clients = [api_as("operator"), api_as("admin")]
    bodies = [{"max_hops": 4, "version": version}, {"max_hops": 2, "version": version}]
    barrier = threading.Barrier(2)
    answers: list[Any] = [None, None]

    def edit(i: int) -> None:
        try:
            barrier.wait(timeout=10)
            answers[i] = clients[i].patch(url, bodies[i], format="json")
        finally:
            connection.close()

    threads = [threading.Thread(target=edit, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    statuses = sorted(answer.status_code for answer in answers)
    print(f"\nconcurrent edits from version {version}: answers {statuses}")
    assert statuses == [200, 409]
    won = next(i for i in range(2) if answers[i].status_code == 200)
    lost = answers[1 - won]
    body = _shape(lost)
    assert body["code"] == "conflict"
    assert body["detail"] == {"version": version + 1, "expected": version}
    threshold = Threshold.objects.get(pk=world.threshold.pk)
    assert threshold.max_hops == bodies[won]["max_hops"]  # the winner's, not overwritten
    assert threshold.version == version + 1
    assert answers[won]["ETag"] == f'"{version + 1}"'
    # One change, one audit row.
    assert AuditEvent.objects.filter(action=AuditAction.CONFIG_UPDATED).count() == audited + 1


@pytest.mark.django_db
def test_a_stale_if_match_answers_409_and_a_fresh_one_changes_and_raises_the_epoch(api_as, world):
    operator = api_as("operator")
    url = f"/api/v1/thresholds/{world.threshold.pk}/"
    etag = operator.get(url)["ETag"]
    epoch = _epoch()
    threshold_update(threshold=world.threshold, max_input=10**21)  # someone else, meanwhile
    stale = operator.patch(url, {"max_hops": 4}, format="json", HTTP_IF_MATCH=etag)
    assert stale.status_code == 409, stale.content
    assert _shape(stale)["code"] == "conflict"
    assert Threshold.objects.get(pk=world.threshold.pk).max_hops != 4
    fresh_etag = operator.get(url)["ETag"]
    fresh = operator.patch(url, {"max_hops": 4}, format="json", HTTP_IF_MATCH=fresh_etag)
    assert fresh.status_code == 200, fresh.content
    assert fresh.json()["max_hops"] == 4
    assert _epoch() == epoch + 2  # one per change: the other edit's and this one


@pytest.mark.django_db
def test_the_history_lists_each_change_with_before_and_after(api_as, world, personas):
    operator = api_as("operator")
    url = f"/api/v1/thresholds/{world.threshold.pk}/"
    first = operator.get(url).json()["version"]
    operator.patch(url, {"max_hops": 4, "version": first}, format="json")
    operator.patch(url, {"min_net_profit": "123", "version": first + 1}, format="json")
    history = operator.get(f"{url}history/")
    assert history.status_code == 200
    rows = [row for row in history.json() if row["action"] == AuditAction.CONFIG_UPDATED]
    assert [(row["before"], row["after"]) for row in rows[-2:]] == [
        ({"max_hops": 3}, {"max_hops": 4}),
        ({"min_net_profit": "0"}, {"min_net_profit": "123"}),
    ]
    assert all(row["target_id"] == str(world.threshold.pk) for row in history.json())
    assert rows[-1]["actor"] == personas["otto"].pk
    assert api_as("viewer").get(f"{url}history/").status_code == 403


@pytest.mark.django_db
def test_pools_tokens_chains_and_the_control_are_versioned_and_audited(api_as, world):
    admin, operator = api_as("admin"), api_as("operator")
    epoch = _epoch()
    pool_url = f"/api/v1/pools/{world.pool.pk}/"
    version = admin.get(pool_url).json()["version"]
    off = admin.patch(
        pool_url, {"active": False, "inactive_reason": "audit", "version": version}, format="json"
    )
    assert off.status_code == 200, off.content
    assert (off.json()["active"], off.json()["version"]) == (False, version + 1)
    again = admin.patch(pool_url, {"active": True, "version": version}, format="json")
    assert again.status_code == 409
    on = admin.patch(pool_url, {"active": True, "version": version + 1}, format="json")
    assert (on.json()["active"], on.json()["inactive_reason"]) == (True, "")
    pool_history = admin.get(f"{pool_url}history/").json()
    assert [row["after"] for row in pool_history[-2:]] == [
        {"active": False, "inactive_reason": "audit"},
        {"active": True, "inactive_reason": ""},
    ]

    token_url = f"/api/v1/tokens/{world.token.pk}/"
    token_version = admin.get(token_url).json()["version"]
    blocked = admin.patch(token_url, {"is_blocked": True, "version": token_version}, format="json")
    assert blocked.json()["is_blocked"] is True

    chain_url = f"/api/v1/chains/{world.chain.pk}/"
    urls = ["http://127.0.0.1:8546", "http://127.0.0.1:8545"]
    chain_version = admin.get(chain_url).json()["version"]
    chain = admin.patch(chain_url, {"rpc_urls": urls, "version": chain_version}, format="json")
    assert chain.status_code == 200, chain.content
    world.chain.refresh_from_db()
    assert world.chain.rpc_urls == urls
    assert api_as("operator").patch(chain_url, {"rpc_urls": []}, format="json").status_code == 403

    control_url = f"/api/v1/chains/{world.chain.pk}/control/"
    control = operator.get(control_url)
    limits = {"max_trades_in_flight": 3, "confirmations": 4, "version": control.json()["version"]}
    changed = operator.patch(control_url, limits, format="json")
    assert changed.status_code == 200, changed.content
    assert changed.json()["max_trades_in_flight"] == 3
    assert changed["ETag"] == f'"{control.json()["version"] + 1}"'
    paused = operator.post(
        f"{control_url}pause/", {"reason": "incident", "version": 1}, format="json"
    )
    assert paused.status_code == 409  # the limits changed it since version 1
    history = operator.get(f"{control_url}history/").json()
    assert history[-1]["after"] == {"max_trades_in_flight": 3, "confirmations": 4}
    # Five changes (the refused ones change nothing), five raises of the epoch.
    assert _epoch() == epoch + 5


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/api/v1/thresholds/{threshold}/", {"max_hops": 9}, "max_hops"),
        ("/api/v1/thresholds/{threshold}/", {"max_input": "-1"}, "max_input"),
        ("/api/v1/thresholds/{threshold}/", {"version": 0}, "version"),
        ("/api/v1/chains/{chain}/", {"rpc_urls": ["ftp://node"]}, "rpc_urls"),
        ("/api/v1/chains/{chain}/control/", {"confirmations": 0}, "confirmations"),
        ("/api/v1/pools/{pool}/", {"fee_ppm": 1_000_000}, "fee_ppm"),
    ],
)
def test_invalid_settings_answer_400_naming_the_field(api_as, world, path, body, field):
    url = path.format(**world.ids())
    before = api_as("admin").get(url).json()
    # Made from the current version (a change without one is refused first, with 428).
    response = api_as("admin").patch(url, {"version": before["version"], **body}, format="json")
    assert response.status_code == 400, response.content
    error = _shape(response)
    assert error["code"] == "invalid"
    assert field in error["detail"]
    assert api_as("admin").get(url).json() == before  # nothing changed, version included


@pytest.mark.django_db
def test_a_malformed_if_match_answers_400(api_as, world):
    url = f"/api/v1/thresholds/{world.threshold.pk}/"
    response = api_as("operator").patch(url, {"max_hops": 4}, format="json", HTTP_IF_MATCH="xyz")
    assert response.status_code == 400
    assert "If-Match" in _shape(response)["detail"]


# --- the admin -------------------------------------------------------------------------------


@pytest.fixture
def ada_client(personas):
    client = Client()
    client.force_login(personas["ada"])
    return client


def _threshold_form(threshold: Threshold, **changes: Any) -> dict[str, Any]:
    form = {
        "chain": threshold.chain_id,
        "start_token": threshold.start_token_id or "",
        "min_net_profit": str(threshold.min_net_profit),
        "min_profit_bps": str(threshold.min_profit_bps),
        "max_input": str(threshold.max_input),
        "max_hops": str(threshold.max_hops),
        "max_gas_price_wei": str(threshold.max_gas_price_wei),
        "max_daily_loss": str(threshold.max_daily_loss),
        "enabled": "on",
    }
    form.update(changes)
    return form


@pytest.mark.django_db
def test_the_admin_refuses_a_stale_save_and_shows_why(ada_client, world):
    threshold = world.threshold
    url = reverse("admin:arbitrage_threshold_change", args=[threshold.pk])
    page = ada_client.get(url)
    opened_at = page.context["adminform"].form["expected_version"].value()
    assert opened_at == threshold.version
    assert b"istory (audit log)" in page.content
    threshold_update(threshold=threshold, min_net_profit=777)  # someone else saves first
    response = ada_client.post(
        url, _threshold_form(threshold, max_hops="4", expected_version=str(opened_at))
    )
    assert response.status_code == 200  # the form again, with the error
    errors = response.context["adminform"].form.non_field_errors()
    assert any("Changed by someone else" in error for error in errors)
    threshold.refresh_from_db()
    assert (threshold.max_hops, threshold.min_net_profit) == (3, 777)  # nothing overwritten
    # Reloaded, the same change saves, from the current version.
    current = ada_client.get(url).context["adminform"].form["expected_version"].value()
    epoch = _epoch()
    saved = ada_client.post(
        url,
        _threshold_form(threshold, max_hops="4", expected_version=str(current)),
    )
    assert saved.status_code == 302
    threshold.refresh_from_db()
    assert (threshold.max_hops, threshold.min_net_profit, threshold.version) == (
        4,
        777,
        current + 1,
    )
    assert _epoch() == epoch + 1


@pytest.mark.django_db
def test_the_admin_pool_action_raises_versions_and_the_epoch(ada_client, world):
    pool = world.pool
    version, epoch = pool.version, _epoch()
    url = reverse("admin:arbitrage_pool_changelist")
    ada_client.post(url, {"action": "deactivate_pools", "_selected_action": [pool.pk]})
    ada_client.post(url, {"action": "activate_pools", "_selected_action": [pool.pk]})
    pool.refresh_from_db()
    assert pool.active
    assert pool.version == version + 2
    assert _epoch() == epoch + 2
    control = ExecutionControl.objects.get(chain=pool.chain)
    control_url = reverse("admin:arbitrage_executioncontrol_change", args=[control.pk])
    assert ada_client.get(control_url).status_code == 200
    assert Pool.objects.filter(pk=pool.pk, active=True).exists()


@pytest.mark.django_db
def test_a_schedule_is_versioned_validated_and_audited(api_as, world):
    from arbitrage.services.schedules import schedules_install

    admin = api_as("admin")
    sync = next(t for t in schedules_install(chain=world.chain) if t.name.startswith("sync"))
    url = f"/api/v1/schedules/{sync.pk}/"
    read = admin.get(url)
    assert read.status_code == 200
    version = read.json()["version"]
    assert read["ETag"] == f'"{version}"'
    epoch = _epoch()
    slower = admin.patch(url, {"every_seconds": 30, "version": version}, format="json")
    assert slower.status_code == 200, slower.content
    assert slower.json()["every_seconds"] == 30
    assert slower.json()["version"] != version
    stale = admin.patch(url, {"enabled": False, "version": version}, format="json")
    assert stale.status_code == 409
    assert _shape(stale)["code"] == "conflict"
    bad = admin.patch(url, {"every_seconds": 0}, format="json")
    assert bad.status_code == 400
    assert "every_seconds" in _shape(bad)["detail"]
    history = admin.get(f"{url}history/").json()
    assert (history[-1]["before"], history[-1]["after"]) == (
        {"every_seconds": 5},
        {"every_seconds": 30},
    )
    assert _epoch() == epoch + 1
    assert api_as("operator").get(url).status_code == 403


def test_a_change_without_a_version_answers_428_and_changes_nothing(api_as, world):
    admin = api_as("admin")
    for url, body in (
        (f"/api/v1/thresholds/{world.threshold.pk}/", {"max_hops": 4}),
        (f"/api/v1/pools/{world.pool.pk}/", {"active": False}),
        (f"/api/v1/chains/{world.chain.pk}/control/", {"max_trades_in_flight": 3}),
    ):
        before = admin.get(url).json()
        response = admin.patch(url, body, format="json")
        assert response.status_code == 428, url
        assert response.json()["code"] == "version_required"
        assert admin.get(url).json() == before
    # The kill switch is pressed without reading first.
    paused = admin.post(
        f"/api/v1/chains/{world.chain.pk}/control/pause/", {"reason": "incident"}, format="json"
    )
    assert paused.status_code == 200
