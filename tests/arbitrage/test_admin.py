"""Every admin page answers a superuser, and the admin refuses bad input like the model does."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.urls import reverse

from arbitrage.models import ExecutionControl, Pool, Token
from tests.api.world import compliance_rows
from tests.factories import (
    ChainFactory,
    OpportunityFactory,
    PoolFactory,
    ReserveSnapshotFactory,
    ThresholdFactory,
    TradeFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def populated(admin_user):
    pool = PoolFactory()
    ReserveSnapshotFactory(pool=pool)
    ThresholdFactory(chain=pool.chain)
    ExecutionControl.objects.create(chain=pool.chain)
    TradeFactory(opportunity=OpportunityFactory(chain=pool.chain))
    compliance_rows(pool.chain, pool.token0, admin_user)
    return pool


def _admin_urls():
    for model, model_admin in admin.site._registry.items():
        info = (model._meta.app_label, model._meta.model_name)
        yield model, model_admin, info


OUR_APPS = {"arbitrage", "accounts", "compliance"}


def test_every_changelist_and_change_page_answers_200(admin_client, admin_user, populated, rf):
    request = rf.get("/")
    request.user = admin_user
    opened = set()
    for model, model_admin, info in _admin_urls():
        response = admin_client.get(reverse("admin:{}_{}_changelist".format(*info)))
        assert response.status_code == 200, info
        obj = model._default_manager.first()
        if obj is not None:
            url = reverse("admin:{}_{}_change".format(*info), args=[obj.pk])
            assert admin_client.get(url).status_code == 200, info
            opened.add(info)
        elif model_admin.has_add_permission(request):
            url = reverse("admin:{}_{}_add".format(*info))
            assert admin_client.get(url).status_code == 200, info
    ours = {info for _, _, info in _admin_urls() if info[0] in OUR_APPS}
    assert ours <= opened, f"no row to open for {ours - opened}"
    assert len(ours) >= 9


def test_every_changelist_search_answers_200(admin_client, populated):
    for _model, model_admin, info in _admin_urls():
        if model_admin.search_fields:
            url = reverse("admin:{}_{}_changelist".format(*info))
            assert admin_client.get(url, {"q": "0xab"}).status_code == 200, info


def test_the_admin_refuses_a_token_with_a_bad_address_or_decimals(admin_client):
    chain = ChainFactory()
    url = reverse("admin:arbitrage_token_add")
    response = admin_client.post(
        url, {"chain": chain.pk, "address": "0x12", "symbol": "BAD", "decimals": 300}
    )
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert {"address", "decimals"} <= set(errors)
    assert Token.objects.count() == 0


def test_deactivate_and_activate_actions(admin_client):
    pools = [PoolFactory(), PoolFactory()]
    url = reverse("admin:arbitrage_pool_changelist")
    ids = [p.pk for p in pools]
    admin_client.post(url, {"action": "deactivate_pools", "_selected_action": ids})
    assert not Pool.objects.filter(active=True).exists()
    admin_client.post(url, {"action": "activate_pools", "_selected_action": ids})
    assert Pool.objects.filter(active=True).count() == 2


def test_on_chain_fields_are_read_only_on_a_pool(admin_client):
    pool = PoolFactory(reserve0=123)
    url = reverse("admin:arbitrage_pool_change", args=[pool.pk])
    form = admin_client.get(url).context["adminform"].form
    assert "reserve0" not in form.fields
    assert "address" not in form.fields
