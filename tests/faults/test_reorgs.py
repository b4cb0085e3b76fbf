"""Reorgs of depth 1, 2 and 3 over a confirmed trade (anvil: `evm_snapshot` before the trade's
block, `evm_revert`, then as many other blocks mined), and the finality depth: no profit stays
booked on an orphaned block, each reversal is audited, the opportunity says why."""

from __future__ import annotations

import time

import pytest

from accounts.models import AuditEvent
from arbitrage.api.serializers import TradeSerializer
from arbitrage.models import Opportunity, Trade
from arbitrage.pipeline import loop as pipeline
from arbitrage.services.control import control_for
from tests.integration.pipeline_helpers import (
    audit_steps,
    balance_of,
    confirm,
    push_price,
    run_once,
    settle,
    twin_pairs,
)

pytestmark = [pytest.mark.integration, pytest.mark.django_db]


@pytest.fixture
def bot(local_chain, live):
    settle(local_chain)
    return local_chain


def _reorged(trade: Trade) -> list[AuditEvent]:
    return list(
        AuditEvent.objects.filter(
            target_type="arbitrage.trade",
            target_id=str(trade.pk),
            action="execution.trade_reorged",
        ).order_by("sequence")
    )


def _reorg(anvil, snapshot: str, depth: int) -> None:
    """The blocks after the snapshot replaced by `depth` other (empty) blocks."""
    anvil.rpc("evm_revert", snapshot)
    anvil.mine(depth)


@pytest.mark.parametrize("depth", [1, 2, 3])
def test_a_reorg_over_a_confirmed_trade_unbooks_its_profit_and_is_audited(
    bot, market, client, trader, anvil, depth
):
    first, _ = twin_pairs(market)
    push_price(trader, market, client, first, bps=300)
    fork_point = anvil.rpc("evm_snapshot")  # the mispricing stays; the trade's block goes
    (trade,) = run_once(bot)
    anvil.mine(depth - 1)  # the trade's block is `depth` blocks deep
    pipeline.pipeline_sync(bot)
    confirm(bot)
    trade.refresh_from_db()
    assert trade.state == Trade.State.CONFIRMED, trade.error
    booked, mined_in = trade.realized_profit, trade.block_number
    assert booked is not None
    assert booked > 0
    assert mined_in is not None
    head = client.block_number()
    assert head - mined_in + 1 == depth

    _reorg(anvil, fork_point, depth)
    assert client.block_number() == head  # same height, other blocks
    back_in_pool = depth == 2
    if back_in_pool:
        # As a node's mempool does with an orphaned block's transactions: the trade's bytes
        # wait in the pool again (anvil's automine off, or it would mine them at once).
        anvil.rpc("evm_setAutomine", False)
        anvil.rpc("eth_sendRawTransaction", trade.signed_tx)
    started = time.monotonic()
    result = pipeline.pipeline_sync(bot)
    assert result.rewound_to == mined_in - 1
    trade.refresh_from_db()
    # Nothing stays booked on the orphaned block.
    assert trade.state == Trade.State.SUBMITTED
    assert trade.realized_profit is None
    assert trade.block_number is None
    assert trade.confirmed_at is None
    assert trade.error == f"reorg: block {mined_in} left the chain"
    opportunity = Opportunity.objects.get(pk=trade.opportunity_id)
    assert opportunity.status == Opportunity.Status.REORGED
    assert opportunity.reason == trade.error
    (reversal,) = _reorged(trade)
    assert reversal.before is not None
    assert reversal.after is not None
    assert reversal.before["state"] == Trade.State.CONFIRMED
    assert reversal.before["block_number"] == mined_in
    # An amount past 2**53 is kept as a string in the audit log's JSON (exact either way).
    assert reversal.before["realized_profit"] in (booked, str(booked))
    assert reversal.after["common_ancestor"] == mined_in - 1
    assert reversal.after["state"] == Trade.State.SUBMITTED
    # Then the confirm step: the same bytes sent again and booked once mined in the new chain,
    # or, past its deadline (or reverting now), dropped: never booked twice, never on the old
    # block.
    for _ in range(4):
        confirm(bot)
        trade.refresh_from_db()
        if trade.state != Trade.State.SUBMITTED:
            break
        anvil.mine(1)
    recovered_in = time.monotonic() - started
    anvil.rpc("evm_setAutomine", True)
    receipt = client.receipt(trade.tx_hash or "")
    if trade.state == Trade.State.CONFIRMED:
        assert receipt is not None
        assert trade.block_number == int(receipt["blockNumber"])
        assert trade.realized_profit == booked  # mined again: the chain paid it again, once
        assert trade.tx_hashes == [trade.tx_hash]
    else:
        # Gone past its deadline, or back in the node's pool and then cancelled (its nonce
        # taken by an empty self-transfer): the execution itself is on no block.
        assert trade.state == Trade.State.DROPPED, trade.error
        assert trade.realized_profit is None
        assert client.receipt(trade.tx_hashes[0]) is None
    if back_in_pool:
        # Past its deadline it could only revert if mined: its nonce cancelled at once.
        assert trade.error == "cancelled: the nonce went to a self-transfer"
        assert audit_steps(trade)[-2:] == ["execution.trade_replaced", "execution.trade_finished"]
    start = trade.opportunity.start_token.address
    assert balance_of(client, start, market.executor) >= 0
    assert audit_steps(trade).count("execution.trade_reorged") == 1
    print(
        f"\nreorg of depth {depth}: profit {booked} unbooked from block {mined_in}, reversal"
        f" audited, opportunity REORGED; then {trade.state} ({trade.error or 'mined again'})"
        f" in {recovered_in:.2f} s{' (its transaction back in the pool)' if back_in_pool else ''};"
        f" profit booked now {trade.realized_profit}"
    )


def test_profit_is_provisional_until_the_finality_depth(bot, market, client, trader, anvil):
    control = control_for(chain=bot)
    control.confirmations = 2
    control.save(update_fields=["confirmations"])
    first, _ = twin_pairs(market)
    push_price(trader, market, client, first, bps=300)
    fork_point = anvil.rpc("evm_snapshot")
    (trade,) = run_once(bot)  # mined at once by anvil, at depth 1
    pipeline.pipeline_sync(bot)
    confirm(bot)
    trade.refresh_from_db()
    receipt = client.receipt(trade.tx_hash or "")
    assert receipt is not None
    mined_in = int(receipt["blockNumber"])
    # Mined, at depth 1 of 2: provisional. Nothing booked; the API shows it sent and mined.
    assert trade.state == Trade.State.SUBMITTED
    assert trade.block_number == mined_in
    assert trade.realized_profit is None
    shown = TradeSerializer(trade).data
    assert shown["state"] == Trade.State.SUBMITTED
    assert shown["block_number"] == mined_in
    assert shown["realized_profit"] is None
    # A reorg of depth 1 now: the provisional block goes; there was nothing booked to undo.
    _reorg(anvil, fork_point, 1)
    pipeline.pipeline_sync(bot)
    trade.refresh_from_db()
    assert trade.block_number is None
    assert trade.realized_profit is None
    assert len(_reorged(trade)) == 1
    # The same bytes are sent again (or, back in the node's pool, wait for the next block),
    # mined in the new chain, and booked at depth 2 only.
    for _ in range(2):
        confirm(bot)
        receipt = client.receipt(trade.tx_hash or "")
        if receipt is not None:
            break
        anvil.mine(1)
    trade.refresh_from_db()
    assert receipt is not None, (trade.state, trade.error)
    remined_in = int(receipt["blockNumber"])
    confirm(bot)
    trade.refresh_from_db()
    assert trade.state == Trade.State.SUBMITTED
    assert trade.realized_profit is None  # depth 1 again
    anvil.mine(1)
    confirm(bot)
    trade.refresh_from_db()
    assert trade.state == Trade.State.CONFIRMED, trade.error
    assert trade.block_number == remined_in
    assert trade.realized_profit == trade.opportunity.gross_profit > 0
    shown = TradeSerializer(trade).data
    assert shown["state"] == Trade.State.CONFIRMED
    print(
        f"\nfinality depth 2: provisional at depth 1 (nothing booked, API state submitted,"
        f" realized_profit null); reorg of depth 1 reversed block {mined_in} (nothing booked),"
        f" re-mined in {remined_in}, booked {trade.realized_profit} at depth 2"
    )
