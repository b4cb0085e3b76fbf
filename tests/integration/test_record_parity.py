"""The fast lane's plain SQL and the queues' ORM path write the same record, value by value.

One block with a mispricing is traded twice from the same chain and database state: by the
lane (lane/sql.py) and, after both are rolled back, by the queues (sync, scan, choose,
approve, execute through the ORM). Every column of the opportunity and the trade, and every
audit row of the trade, must be equal, ids and times aside: the signed bytes and hash too,
since both paths sign the same transaction with the same nonce. A second run changes one
audit payload on the lane's side only and checks that the comparison catches it.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.db import transaction

from accounts.models import AuditEvent
from arbitrage.models import Opportunity, Trade
from arbitrage.pipeline import loop as pipeline
from arbitrage.pipeline import rules
from arbitrage.pipeline.lane import sql as lane_sql
from arbitrage.pipeline.scan import engine_reset
from tests.integration.pipeline_helpers import push_price, twin_pairs

pytestmark = [pytest.mark.integration, pytest.mark.django_db]

# Ids, the times each row was written at, and the audit chain's own links.
TIMES = {"created_at", "updated_at", "detected_at"} | {
    f.name for f in Trade._meta.concrete_fields if f.name.endswith("_at")
}
ASIDE = {"id", "opportunity", "target_id", "sequence", "prev_hash", "hash"} | TIMES


class _UndoError(Exception):
    pass


def _row(obj: Any) -> dict[str, Any]:
    return {
        f.name: getattr(obj, f.attname) for f in obj._meta.concrete_fields if f.name not in ASIDE
    }


def _ids_aside(value: Any, ids: dict[str, str]) -> Any:
    """A payload with the record's own ids replaced by their role."""
    if isinstance(value, dict):
        return {
            k: ids.get(str(v), v) if k == "opportunity" else _ids_aside(v, ids)
            for k, v in value.items()
        }
    if isinstance(value, str):
        for raw, role in ids.items():
            value = value.replace(f" {raw} ", f" {role} ")
        return value
    return value


def _record(trade: Trade) -> dict[str, Any]:
    """Everything the trade's record holds, ids and times aside."""
    trade.refresh_from_db()
    ids = {str(trade.pk): "<trade>", str(trade.opportunity_id): "<opportunity>"}
    events = AuditEvent.objects.filter(
        target_type="arbitrage.trade", target_id=str(trade.pk)
    ).order_by("sequence")
    return {
        "opportunity": _row(Opportunity.objects.get(pk=trade.opportunity_id)),
        "trade": _row(trade),
        "audit": [_ids_aside(_row(event), ids) for event in events],
    }


def _lane_record(lane, client, synced: int, head: int) -> dict[str, Any]:
    """The lane hears the blocks up to the head and trades; its record, then all of it (rows
    and the sent transaction) undone."""
    record: dict[str, Any] = {}
    try:
        with transaction.atomic():
            trades = []
            for number in range(synced + 1, head + 1):
                trades += lane.on_head(client.block(number))
            (trade,) = trades
            assert trade.state == Trade.State.SUBMITTED, trade.error
            record = _record(trade)
            raise _UndoError
    except _UndoError:
        pass
    return record


def _queue_record(chain) -> dict[str, Any]:
    """The same block through the queues' steps, as the tasks run them."""
    engine_reset(chain)  # the lane's engine already holds the block: start from the rows
    result = pipeline.pipeline_sync(chain)
    found = pipeline.pipeline_scan(
        chain, result.changed_pool_ids, result.head, result.base_fee_per_gas, result.priority_fee
    )
    (trade_id,) = pipeline.approve(pipeline.choose_for_execution(chain, found, settle=True))
    trade = pipeline.pipeline_execute(chain, trade_id)
    assert trade.state == Trade.State.SUBMITTED, trade.error
    return _record(trade)


Record = dict[str, Any]


def _both(lane, local_chain, market, client, trader, anvil, monkeypatch) -> tuple[Record, Record]:
    def refuse(**kwargs: Any) -> None:
        raise AssertionError("the lane fell back to the ORM path")

    synced = client.block_number()
    first, _ = twin_pairs(market)
    push_price(trader, market, client, first, bps=300)
    head = client.block_number()
    anvil.rpc("evm_setAutomine", False)  # our transaction stays pending: undone below
    snapshot = anvil.rpc("evm_snapshot")
    with monkeypatch.context() as patch:
        patch.setattr(lane_sql, "opportunity_execute", refuse)  # the plain SQL, or nothing
        fast = _lane_record(lane, client, synced, head)
    anvil.rpc("anvil_dropAllTransactions")
    anvil.rpc("evm_revert", snapshot)
    assert client.block_number() == head
    return fast, _queue_record(local_chain)


def test_the_lane_and_the_queues_write_equal_records(
    lane, local_chain, market, client, trader, anvil, monkeypatch
):
    fast, queued = _both(lane, local_chain, market, client, trader, anvil, monkeypatch)
    assert [e["action"] for e in fast["audit"]] == [
        "execution.trade_approved",
        "execution.trade_signed",
        "execution.trade_submitted",
    ]
    assert fast["trade"]["signed_tx"]
    assert fast["trade"]["nonce"] is not None
    assert fast["opportunity"]["status"] == Opportunity.Status.APPROVED
    assert fast["opportunity"] == queued["opportunity"]
    assert fast["trade"] == queued["trade"]
    assert fast["audit"] == queued["audit"]


def test_the_comparison_catches_a_payload_written_differently(
    lane, local_chain, market, client, trader, anvil, monkeypatch
):
    # The lane's signed step with one more key than the rule's: a difference the parity test
    # must see (and would, were a path to write its own payload).
    def wider(trade: Trade) -> dict[str, Any]:
        return {**rules.signed_after(trade), "lane": True}

    monkeypatch.setattr(lane_sql, "signed_after", wider)
    fast, queued = _both(lane, local_chain, market, client, trader, anvil, monkeypatch)
    assert fast["trade"] == queued["trade"]
    assert fast["audit"] != queued["audit"]
    signed_fast, signed_queued = fast["audit"][1], queued["audit"][1]
    assert signed_fast["after"] == {**signed_queued["after"], "lane": True}
