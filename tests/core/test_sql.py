"""core/sql.py: rows written in one statement are the rows `save()` writes."""

from __future__ import annotations

from typing import cast

import pytest
from django.db import connection, transaction
from django.forms.models import model_to_dict
from django.utils import timezone

from accounts.audit import (
    AUDIT_TAIL_SQL,
    AuditAction,
    audit_chain_verify,
    audit_event,
    audit_link,
    audit_record,
)
from accounts.models import AuditEvent
from arbitrage.models import Opportunity, Trade
from core.fields import INT256_MIN, UINT256_MAX
from core.sql import insert_statement, next_ids, result_sets
from tests.factories import OpportunityFactory

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL statements"),
]


def _trade(opportunity: Opportunity, **fields: object) -> Trade:
    now = timezone.now()
    values: dict[str, object] = {
        "tx_hash": "0x" + "cd" * 32,
        "tx_hashes": ["0x" + "cd" * 32],
        "approved_at": now,
        "signed_at": now,
        **fields,
    }
    return Trade(
        opportunity=opportunity,
        state=Trade.State.SIGNED,
        mode=Trade.Mode.LIVE,
        account="0x" + "ab" * 20,
        nonce=7,
        calldata="0x1234",
        signed_tx="0x02f8",
        simulated_profit=INT256_MIN,
        max_fee_per_gas=UINT256_MAX,
        max_priority_fee_per_gas=10**9,
        gas_limit=300_000,
        deadline_block=12,
        **values,
    )


def _stored(trade_id: int) -> dict[str, object]:
    row = model_to_dict(Trade.objects.get(pk=trade_id))
    for key in ("id", "opportunity", "tx_hash", "tx_hashes"):
        row.pop(key)
    return row


def test_an_insert_writes_what_save_writes_to_the_last_wei():
    saved = _trade(OpportunityFactory())
    saved.save()
    with connection.cursor() as cursor:
        cursor.execute(next_ids(Trade))
        (new_id,) = cursor.fetchone()
    inserted = _trade(
        OpportunityFactory(),
        id=new_id,
        tx_hash="0x" + "ef" * 32,
        tx_hashes=["0x" + "ef" * 32],
        approved_at=saved.approved_at,
        signed_at=saved.signed_at,
    )
    sql, params = insert_statement([inserted])
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
    assert not inserted._state.adding
    assert _stored(new_id) == _stored(saved.pk)
    row = Trade.objects.get(pk=new_id)
    assert row.simulated_profit == INT256_MIN
    assert row.max_fee_per_gas == UINT256_MAX
    assert row.created_at is not None  # auto_now_add, as save() sets it
    assert row.tx_hashes == ["0x" + "ef" * 32]


def test_rows_of_two_models_or_mixed_keys_are_refused():
    opportunity = cast(Opportunity, OpportunityFactory())
    with pytest.raises(ValueError, match="one model"):
        insert_statement([_trade(opportunity), opportunity])
    with pytest.raises(ValueError, match="one model"):
        insert_statement([_trade(opportunity, id=5), _trade(opportunity)])
    with pytest.raises(ValueError, match="nothing"):
        insert_statement([])


def test_several_statements_answer_in_order():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1; SELECT 2 WHERE false; SELECT 3, 4")
        assert list(result_sets(cursor)) == [[(1,)], [], [(3, 4)]]


def test_audit_rows_linked_in_a_batch_continue_the_chain():
    audit_record(action=AuditAction.CONFIG_UPDATED, target_label="before the batch")
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(AUDIT_TAIL_SQL)
        tail = cursor.fetchone()
        events = [
            audit_event(
                action=AuditAction.CONFIG_UPDATED, target_label=f"batch {n}", after={"n": n}
            )
            for n in range(3)
        ]
        audit_link(events, tail)
        sql, params = insert_statement(events)
        cursor.execute(sql, params)
    audit_record(action=AuditAction.CONFIG_UPDATED, target_label="after the batch")
    checked, broken = audit_chain_verify()
    assert broken is None
    assert checked == AuditEvent.objects.count() >= 5
    labels = list(AuditEvent.objects.order_by("sequence").values_list("target_repr", flat=True))
    assert labels[-5:] == ["before the batch", "batch 0", "batch 1", "batch 2", "after the batch"]
