"""Writes through the admin leave audit rows; the audit log is read-only there."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse

from accounts.audit import AuditAction, audit_record
from accounts.models import AuditEvent, User
from accounts.roles import Role
from tests.factories import PoolFactory, ThresholdFactory
from tests.personas import PASSWORD, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def ada_client():
    ada = make_user("ada", Role.ADMIN)
    client = Client()
    client.force_login(ada)
    return client


def test_a_bulk_pool_action_writes_one_row_per_changed_pool(ada_client):
    pools = [PoolFactory(), PoolFactory(), PoolFactory(active=False)]
    url = reverse("admin:arbitrage_pool_changelist")
    ada_client.post(url, {"action": "deactivate_pools", "_selected_action": [p.pk for p in pools]})
    events = AuditEvent.objects.filter(action=AuditAction.MARKET_UPDATED).order_by("sequence")
    assert [e.target_id for e in events] == [str(pools[0].pk), str(pools[1].pk)]
    assert all(e.actor_username == "ada" and e.after == {"active": False} for e in events)


def test_a_threshold_edited_in_the_admin_is_audited(ada_client):
    threshold = ThresholdFactory(max_hops=3)
    url = reverse("admin:arbitrage_threshold_change", args=[threshold.pk])
    form = {
        "chain": threshold.chain_id,
        "start_token": "",
        "min_net_profit": "0",
        "min_profit_bps": "0",
        "max_input": "0",
        "max_hops": "4",
        "max_gas_price_wei": "0",
        "max_daily_loss": "0",
        "enabled": "on",
    }
    response = ada_client.post(url, form)
    assert response.status_code == 302, response.content[:500]
    event = AuditEvent.objects.get(action=AuditAction.CONFIG_UPDATED)
    assert (event.before, event.after) == ({"max_hops": 3}, {"max_hops": 4})


def _user_form(client: Client, user, **changes) -> tuple[str, dict[str, object]]:
    """The user's change form as the admin page fills it, with `changes` on top."""
    url = reverse("admin:accounts_user_change", args=[user.pk])
    form = client.get(url).context["adminform"].form
    data = {
        key: value
        for key, value in form.initial.items()
        if value is not None and key not in ("groups", "user_permissions", "password")
    }
    data.update(
        {
            "is_active": "on",
            "last_login_0": "",
            "date_joined_0": user.date_joined.strftime("%Y-%m-%d"),
            "date_joined_1": user.date_joined.strftime("%H:%M:%S"),
            **changes,
        }
    )
    data.pop("last_login", None)
    data.pop("date_joined", None)
    return url, data


@pytest.fixture
def root_client():
    root = User.objects.create_superuser("root", password=PASSWORD)
    client = Client()
    client.force_login(root)
    return client


def test_an_admin_role_user_cannot_grant_privileges_in_the_admin(ada_client):
    ada = User.objects.get(username="ada")
    vera = make_user("vera", Role.VIEWER)
    operator = Group.objects.get(name="operator").pk
    for target in (ada, vera):
        url, data = _user_form(
            ada_client, target, is_superuser="on", is_staff="on", groups=[operator]
        )
        response = ada_client.post(url, data)
        assert response.status_code == 302, response.context["adminform"].form.errors
        target.refresh_from_db()
        assert not target.is_superuser, target.username
        assert [g.name for g in target.groups.all()] == (["admin"] if target == ada else ["viewer"])
    assert not AuditEvent.objects.filter(action=AuditAction.USERS_ROLES_CHANGED).exists()


def test_a_role_change_in_the_admin_is_audited(root_client):
    vera = make_user("vera", Role.VIEWER)
    operator = Group.objects.get(name="operator").pk
    url, data = _user_form(root_client, vera, groups=[operator], is_staff="on")
    response = root_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    event = AuditEvent.objects.get(action=AuditAction.USERS_ROLES_CHANGED)
    assert (event.before, event.after) == ({"roles": ["viewer"]}, {"roles": ["operator"]})
    assert event.actor_username == "root"


def test_admin_logins_and_logouts_are_audited():
    make_user("vera", Role.VIEWER)
    client = Client()
    client.post(reverse("admin:login"), {"username": "vera", "password": "bad"})
    client.post(reverse("admin:login"), {"username": "vera", "password": PASSWORD})
    client.post(reverse("admin:logout"))
    actions = list(AuditEvent.objects.order_by("sequence").values_list("action", flat=True))
    assert actions == ["auth.login_failed", "auth.login_succeeded", "auth.logout"]


def test_the_audit_log_is_read_only_in_the_admin(ada_client):
    event = audit_record(action=AuditAction.CONFIG_UPDATED, after={"x": 1})
    change = reverse("admin:accounts_auditevent_change", args=[event.pk])
    page = ada_client.get(change)
    assert page.status_code == 200
    assert b'name="_save"' not in page.content
    assert ada_client.get(reverse("admin:accounts_auditevent_add")).status_code == 403
    delete = reverse("admin:accounts_auditevent_delete", args=[event.pk])
    assert ada_client.post(delete, {"post": "yes"}).status_code == 403
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_a_compliance_officer_sees_only_compliance_events_in_the_admin():
    cora = make_user("cora", Role.COMPLIANCE_OFFICER)
    audit_record(action=AuditAction.CONFIG_UPDATED, target_label="config thing")
    audit_record(action=AuditAction.COMPLIANCE_KYC_REJECTED, target_label="kyc case 7")
    client = Client()
    client.force_login(cora)
    page = client.get(reverse("admin:accounts_auditevent_changelist"))
    assert page.status_code == 200
    assert b"kyc case 7" in page.content
    assert b"config thing" not in page.content
