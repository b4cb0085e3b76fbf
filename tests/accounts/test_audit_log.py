"""The audit log: hash chain, append-only on PostgreSQL, tamper detection, same transaction."""

from __future__ import annotations

import threading

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from accounts.audit import AuditAction, audit_chain_verify, audit_record, hash_of
from accounts.models import AuditEvent
from accounts.roles import Role
from arbitrage.services.thresholds import threshold_update
from tests.factories import ThresholdFactory
from tests.personas import make_user

pytestmark = pytest.mark.django_db


def _events(n: int) -> list[AuditEvent]:
    user = make_user("ada", Role.ADMIN)
    return [
        audit_record(action=AuditAction.CONFIG_UPDATED, actor=user, target=user, after={"n": i})
        for i in range(n)
    ]


def test_it_chains_each_row_to_the_previous_one():
    first, second, third = _events(3)
    assert first.prev_hash == "0" * 64
    assert second.prev_hash == first.hash
    assert third.prev_hash == second.hash
    assert [e.sequence for e in (first, second, third)] == [1, 2, 3]
    for event in AuditEvent.objects.all():
        assert hash_of(event) == event.hash
    assert audit_chain_verify() == (3, None)


def test_it_records_actor_target_before_after_ip_and_request_id():
    user = make_user("ada", Role.ADMIN)
    threshold = ThresholdFactory(max_hops=3)
    from accounts.audit import client_ip_var
    from core.logging import request_id_var

    ip_token, rid_token = client_ip_var.set("192.0.2.7"), request_id_var.set("req-123")
    try:
        threshold_update(threshold=threshold, max_hops=4, min_net_profit=10**30, actor=user)
    finally:
        client_ip_var.reset(ip_token)
        request_id_var.reset(rid_token)
    event = AuditEvent.objects.get()
    assert event.action == "config.updated"
    assert event.category == "config"
    assert (event.actor_id, event.actor_username) == (user.pk, "ada")
    assert (event.target_type, event.target_id) == ("arbitrage.threshold", str(threshold.pk))
    assert event.before == {"max_hops": 3, "min_net_profit": "0"}
    assert event.after == {"max_hops": 4, "min_net_profit": str(10**30)}
    assert (event.ip, event.request_id) == ("192.0.2.7", "req-123")
    assert event.created_at is not None


def _update_then_fail(threshold) -> None:
    with transaction.atomic():
        threshold_update(threshold=threshold, max_hops=4)
        raise RuntimeError("the surrounding work failed")


def test_it_writes_nothing_when_the_change_rolls_back():
    threshold = ThresholdFactory()
    with pytest.raises(RuntimeError):
        _update_then_fail(threshold)
    assert not AuditEvent.objects.exists()


def test_it_refuses_update_and_delete_through_sql():
    (event,) = _events(1)
    table = AuditEvent._meta.db_table
    for sql in (
        f"UPDATE {table} SET action = 'config.deleted' WHERE id = %s",  # noqa: S608
        f"DELETE FROM {table} WHERE id = %s",  # noqa: S608
    ):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql, [event.pk])
    assert AuditEvent.objects.get(pk=event.pk).hash == event.hash


def test_it_refuses_update_and_delete_through_the_orm():
    (event,) = _events(1)
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(after={"n": 99})
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).delete()


def _as_superuser_bypassing_the_trigger(sql: str, params: list[object]) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")
        try:
            cursor.execute(sql, params)
        finally:
            cursor.execute("SET session_replication_role = origin")


def test_verify_audit_log_names_a_row_changed_behind_the_triggers_back(capsys):
    events = _events(4)
    call_command("verify_audit_log")
    assert "4 row(s) verified" in capsys.readouterr().out
    _as_superuser_bypassing_the_trigger(
        f"UPDATE {AuditEvent._meta.db_table} SET after = %s WHERE id = %s",  # noqa: S608
        ['{"n": 99}', events[2].pk],
    )
    with pytest.raises(CommandError, match=r"sequence 3 .*content does not match its hash"):
        call_command("verify_audit_log")


def test_verify_audit_log_names_a_removed_row():
    events = _events(4)
    _as_superuser_bypassing_the_trigger(
        f"DELETE FROM {AuditEvent._meta.db_table} WHERE id = %s",  # noqa: S608
        [events[1].pk],
    )
    with pytest.raises(CommandError, match="sequence 2 is missing"):
        call_command("verify_audit_log")


def test_verify_audit_log_names_a_row_rehashed_without_its_successor():
    events = _events(3)
    forged = AuditEvent.objects.get(pk=events[1].pk)
    forged.after = {"n": 42}
    new_hash = hash_of(forged)
    _as_superuser_bypassing_the_trigger(
        f"UPDATE {AuditEvent._meta.db_table} SET after = %s, hash = %s WHERE id = %s",  # noqa: S608
        ['{"n": 42}', new_hash, events[1].pk],
    )
    with pytest.raises(CommandError, match=r"sequence 3 .*prev_hash"):
        call_command("verify_audit_log")


@pytest.mark.django_db(transaction=True)
def test_it_never_forks_the_chain_under_concurrent_appends():
    user = make_user("ada", Role.ADMIN)
    barrier = threading.Barrier(8)

    def append() -> None:
        try:
            barrier.wait(timeout=30)
            for i in range(5):
                audit_record(action=AuditAction.CONFIG_UPDATED, actor=user, after={"i": i})
        finally:
            connection.close()

    threads = [threading.Thread(target=append) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert audit_chain_verify() == (40, None)
    assert AuditEvent.objects.values("prev_hash").distinct().count() == 40
