"""The reconciler's passes against a real chain: an approved trade whose task was lost, a trade
signed but never sent, a nonce gap, a nonce taken by a transaction the database does not know;
and a second pass that changes nothing."""

from __future__ import annotations

import time

import pytest
from django.db import transaction
from eth_account import Account

from accounts.models import AuditEvent
from arbitrage.localnet.anvil import DEV_ACCOUNTS, DEV_KEYS
from arbitrage.localnet.market import swap_exact_in
from arbitrage.models import Opportunity, Trade
from arbitrage.pipeline import loop as pipeline
from arbitrage.pipeline.execute import _prepare, locked_in, trade_finish
from arbitrage.pipeline.reconcile import ReconcileReport, reconcile
from arbitrage.pipeline.rules import CANCEL_GAS, choose, transaction_fields
from arbitrage.services.control import control_for
from tests.integration.pipeline_helpers import (
    approved_trade_for_a_mispricing,
    push_price,
    reserves,
    twin_pairs,
)
from tests.integration.processes import wait_for

pytestmark = [pytest.mark.integration, pytest.mark.django_db]

ACCOUNT = DEV_ACCOUNTS[0]


def _reconcile(chain) -> tuple[ReconcileReport, float]:
    started = time.monotonic()
    report = reconcile(chain, pipeline.execution_context(chain), grace_seconds=0)
    return report, time.monotonic() - started


def _changes_nothing(chain, client) -> ReconcileReport:
    """A second pass: no repair, no audit row, no transaction."""
    audit_rows = AuditEvent.objects.count()
    nonce = client.transaction_count(ACCOUNT, "pending")
    rows = list(Trade.objects.order_by("pk").values_list("pk", "state", "tx_hash"))
    report, _ = _reconcile(chain)
    assert report.executed == report.expired == report.dropped == []
    assert report.unknown_nonces == report.gaps_filled == []
    assert report.errors == []
    assert report.resent == 0
    assert AuditEvent.objects.count() == audit_rows
    assert client.transaction_count(ACCOUNT, "pending") == nonce
    assert list(Trade.objects.order_by("pk").values_list("pk", "state", "tx_hash")) == rows
    return report


def _reconciled(label_nonce: int, chain) -> list[dict[str, object]]:
    return [
        e.after
        for e in AuditEvent.objects.filter(
            action="execution.reconciled",
            target_repr=f"nonce {label_nonce} of {ACCOUNT} on chain {chain.chain_id}",
        )
    ]


def test_an_approved_trade_whose_task_was_lost_is_executed_at_the_head(
    local_chain, live, market, client, trader, anvil
):
    trade_id = approved_trade_for_a_mispricing(local_chain, market, client, trader)
    anvil.mine(1)  # the task never came; the head moved on (within the state-lag limit)
    nonce_before = client.transaction_count(ACCOUNT, "latest")
    head = client.block_number()
    report, took = _reconcile(local_chain)
    assert report.executed == [trade_id]
    trade = Trade.objects.get(pk=trade_id)
    assert trade.state == Trade.State.CONFIRMED, trade.error  # sent, then the confirm pass
    assert trade.deadline_block == head + 2  # simulated again at the head
    receipt = client.receipt(trade.tx_hash or "")
    assert receipt is not None
    assert int(receipt["status"]) == 1
    assert client.transaction_count(ACCOUNT, "latest") == nonce_before + 1
    assert trade.realized_profit == trade.simulated_profit
    assert trade.realized_profit is not None
    assert trade.realized_profit > 0
    _changes_nothing(local_chain, client)
    print(f"\nreconciler: approved trade with a lost task executed and confirmed in {took:.2f} s")


def test_an_approved_trade_that_no_longer_pays_or_is_stale_is_not_sent(
    local_chain, live, market, client, trader, deployer, anvil
):
    """Two approved trades whose tasks were lost: one whose opportunity someone else closed
    (refused by the simulation at the head, with its reason), one found more blocks behind the
    head than the state-lag limit (expired, with its reason). Nothing is sent."""
    first, _ = twin_pairs(market)
    gone = approved_trade_for_a_mispricing(local_chain, market, client, trader)
    _, reserve1 = reserves(client, first.address)
    swap_exact_in(
        deployer, market, first, token_in=first.token1, amount_in=reserve1 * 310 // 10_000
    )
    nonce_before = client.transaction_count(ACCOUNT, "latest")
    report, _ = _reconcile(local_chain)
    assert report.executed == [gone]
    closed = Trade.objects.get(pk=gone)
    assert closed.state == Trade.State.REJECTED
    assert closed.error.startswith("simulation reverted: InsufficientProfit"), closed.error
    assert Opportunity.objects.get(pk=closed.opportunity_id).status == Opportunity.Status.REJECTED

    stale = approved_trade_for_a_mispricing(local_chain, market, client, trader)
    max_lag = control_for(chain=local_chain).max_state_lag_blocks
    anvil.mine(max_lag + 1)
    nonce_before = client.transaction_count(ACCOUNT, "latest")
    report, _ = _reconcile(local_chain)
    assert report.expired == [stale]
    assert report.executed == []
    expired = Trade.objects.get(pk=stale)
    assert expired.state == Trade.State.DROPPED
    assert expired.error.startswith("expired: never executed; stale: found at block")
    assert expired.tx_hash is None
    opportunity = Opportunity.objects.get(pk=expired.opportunity_id)
    assert opportunity.status == Opportunity.Status.EXPIRED
    assert opportunity.reason.startswith("expired: never executed; stale")
    assert client.transaction_count(ACCOUNT, "latest") == nonce_before
    _changes_nothing(local_chain, client)
    print(
        f"\nreconciler: approved trade that no longer pays: {closed.error!r};"
        f" stale one: {expired.error!r}; transactions sent 0"
    )


def test_a_trade_signed_but_never_sent_is_sent_once(
    local_chain, live, market, client, trader, anvil
):
    trade_id = approved_trade_for_a_mispricing(local_chain, market, client, trader)
    ctx = pipeline.execution_context(local_chain)
    nonce_before = client.transaction_count(ACCOUNT, "latest")
    assert _prepare(ctx, trade_id) is not None  # signed and committed; the worker then died
    signed = Trade.objects.get(pk=trade_id)
    assert signed.state == Trade.State.SIGNED
    assert client.transaction(signed.tx_hash or "") is None  # never reached the node
    report, took = _reconcile(local_chain)
    assert report.resent == 1
    trade = Trade.objects.get(pk=trade_id)
    assert trade.state == Trade.State.CONFIRMED, trade.error
    assert trade.tx_hashes == [signed.tx_hash]  # the same bytes: one transaction
    assert client.receipt(signed.tx_hash or "") is not None
    assert client.transaction_count(ACCOUNT, "latest") == nonce_before + 1
    assert trade.realized_profit == trade.opportunity.gross_profit
    _changes_nothing(local_chain, client)
    print(f"\nreconciler: signed, never sent: sent once and confirmed in {took:.2f} s (doubles 0)")


def _two_approved(chain, market, client, trader) -> tuple[int, int]:
    """Two approved trades on pools the other does not touch."""
    one = approved_trade_for_a_mispricing(chain, market, client, trader)
    control = control_for(chain=chain)
    control.max_trades_in_flight = 2
    control.max_state_lag_blocks = 10  # the second push takes blocks: the first is not stale
    control.save(update_fields=["max_trades_in_flight", "max_state_lag_blocks"])
    busy = Trade.objects.get(pk=one).opportunity.pool_path
    first, _ = twin_pairs(market)
    seen = {first.token0, first.token1} - {market.weth}
    other = next(
        p
        for p in market.pairs
        if p.dex == "Uniswap V2" and not ({p.token0, p.token1} - {market.weth}) & seen
    )
    push_price(trader, market, client, other, bps=300)
    result = pipeline.pipeline_sync(chain)
    found = pipeline.pipeline_scan(chain, result.changed_pool_ids, result.head)
    (two,) = pipeline.approve(choose(found, [busy], 2))
    return one, two


def test_a_nonce_gap_is_filled_by_a_cancellation_and_the_next_trade_mines(
    local_chain, live, market, client, trader, anvil
):
    lost, waiting = _two_approved(local_chain, market, client, trader)
    ctx = pipeline.execution_context(local_chain)
    mined_before = client.transaction_count(ACCOUNT, "latest")
    assert _prepare(ctx, lost) is not None  # signed with the next nonce, never sent
    sent = pipeline.pipeline_execute(local_chain, waiting)  # the nonce after it: queued
    assert sent.state == Trade.State.SUBMITTED, sent.error
    gap = Trade.objects.get(pk=lost).nonce
    assert gap == mined_before
    assert sent.nonce == gap + 1
    with transaction.atomic():  # the lost one is given up: its nonce is a gap now
        trade = locked_in(lost, Trade.State.SIGNED)
        assert trade is not None
        trade_finish(trade, Trade.State.DROPPED, "given up unsent")
    anvil.mine(1)
    assert client.receipt(sent.tx_hash or "") is None  # stuck behind the gap
    assert client.transaction_count(ACCOUNT, "latest") == mined_before
    report, took = _reconcile(local_chain)
    assert report.gaps_filled == [gap]
    assert client.transaction_count(ACCOUNT, "latest") == mined_before + 2
    (note,) = _reconciled(gap, local_chain)
    assert note["found"] == "gap filled by a cancellation"
    cancellation = client.transaction(str(note["tx_hash"]))
    assert cancellation is not None
    assert cancellation["to"].lower() == ACCOUNT.lower()
    assert int(cancellation["value"], 16) == 0
    assert int(cancellation["gas"], 16) == CANCEL_GAS
    assert int(cancellation["nonce"], 16) == gap
    assert client.receipt(str(note["tx_hash"])) is not None
    receipt = client.receipt(sent.tx_hash or "")
    assert receipt is not None  # the trade above the gap mined
    trade = Trade.objects.get(pk=waiting)
    assert trade.state in (Trade.State.CONFIRMED, Trade.State.FAILED), trade.error
    assert trade.block_number == int(receipt["blockNumber"])
    _changes_nothing(local_chain, client)
    print(
        f"\nreconciler: nonce gap {gap} filled by a cancellation in {took:.2f} s; the trade at"
        f" nonce {gap + 1} mined ({trade.state})"
    )


def _outside_send(client, anvil, nonce: int, tip: int) -> str:
    """A transfer from the bot's account, sent by someone holding its key outside the
    product."""
    account = Account.from_key(DEV_KEYS[0])
    base = client.block("latest").base_fee_per_gas
    signed = account.sign_transaction(
        transaction_fields(
            chain_id=anvil.chain_id,
            nonce=nonce,
            to=DEV_ACCOUNTS[2],
            data="0x",
            gas=CANCEL_GAS,
            max_fee=4 * base + tip,
            tip=tip,
        )
    )
    return str(anvil.rpc("eth_sendRawTransaction", "0x" + signed.raw_transaction.hex()))


def test_a_nonce_taken_by_an_unknown_transaction_is_recorded_once_and_its_trade_dropped(
    local_chain, live, market, client, trader, anvil
):
    trade_id = approved_trade_for_a_mispricing(local_chain, market, client, trader)
    anvil.rpc("evm_setAutomine", False)
    trade = pipeline.pipeline_execute(local_chain, trade_id)
    assert trade.state == Trade.State.SUBMITTED, trade.error
    nonce = trade.nonce
    assert nonce is not None
    # Someone with the key sends another transaction with the trade's nonce, at a higher fee:
    # it replaces the trade's in the node's pool, and is mined.
    outsider = _outside_send(client, anvil, nonce, 2 * (trade.max_priority_fee_per_gas or 1))
    anvil.rpc("evm_mine")
    anvil.rpc("evm_setAutomine", True)
    assert client.receipt(outsider) is not None
    assert client.receipt(trade.tx_hash or "") is None
    # And one more, with the next nonce, that no row of ours holds.
    later = _outside_send(client, anvil, nonce + 1, 10**9)
    # Automine was just switched back on: the node mines it in a moment, not always at once.
    assert wait_for(lambda: client.receipt(later), timeout=10, step=0.05) is not None
    report, took = _reconcile(local_chain)
    assert report.dropped == [trade_id]
    assert sorted(report.unknown_nonces) == [nonce, nonce + 1]
    dropped = Trade.objects.get(pk=trade_id)
    assert dropped.state == Trade.State.DROPPED
    assert dropped.error == (
        f"nonce {nonce} was used on chain by a transaction the trade did not send"
    )
    assert dropped.realized_profit is None
    for taken in (nonce, nonce + 1):
        (note,) = _reconciled(taken, local_chain)  # recorded once
        assert note["found"] == "used by a transaction the database does not know"
    assert Opportunity.objects.get(pk=dropped.opportunity_id).status == Opportunity.Status.EXPIRED
    _changes_nothing(local_chain, client)
    print(
        f"\nreconciler: nonces {nonce} and {nonce + 1} taken outside the product: recorded once"
        f" each, trade {trade_id} dropped, in {took:.2f} s; a second pass changed nothing"
    )
