"""The fast lane: the watcher's own trade of the newest block, before the queues see it."""

from __future__ import annotations

import pytest

from arbitrage.models import Opportunity, Trade
from arbitrage.pipeline import loop as pipeline
from arbitrage.pipeline.scan import engine_build, engine_for
from arbitrage.services.control import execution_pause
from tests.integration.pipeline_helpers import (
    audit_steps,
    balance_of,
    balances,
    confirm,
    opportunity_pools,
    push_price,
    run_once,
    settle,
    twin_pairs,
)

pytestmark = [pytest.mark.integration, pytest.mark.django_db]


def _mispriced_head(client, trader, market):
    """Move a pool 3 % off its twin (the trader's transactions take a block each): the pool,
    and the header of the block that moved it."""
    first, _ = twin_pairs(market)
    push_price(trader, market, client, first, bps=300)
    return first, client.block("latest")


def _hear(lane, client, first_block: int) -> list[Trade]:
    """Push every block from `first_block` to the head to the lane, as the watcher does; the
    trades it made."""
    trades: list[Trade] = []
    for number in range(first_block, client.block_number() + 1):
        trades += lane.on_head(client.block(number))
    return trades


def test_it_trades_the_block_it_hears_and_the_chain_pays_what_it_recorded(
    lane, local_chain, market, client, trader, deployer, anvil
):
    synced = client.block_number()
    first, head = _mispriced_head(client, trader, market)
    nonce = client.transaction_count(deployer.account, "latest")
    before = balances(client, market)
    anvil.rpc("evm_setAutomine", False)  # the lane's trade waits for the next block
    try:
        (trade,) = _hear(lane, client, synced + 1)
        assert trade.state == Trade.State.SUBMITTED, trade.error
        assert trade.opportunity.block_number == head.number
        assert first.address in opportunity_pools(trade.opportunity)
        # The queues then sync and scan the same block: they meet the lane's opportunity as
        # stored and its trade as ours in flight, and send nothing.
        assert run_once(local_chain) == []
        anvil.mine(1)
    finally:
        anvil.rpc("evm_setAutomine", True)
    confirm(local_chain)
    trade.refresh_from_db()
    assert trade.state == Trade.State.CONFIRMED, trade.error
    assert trade.block_number == head.number + 1
    assert client.transaction_count(deployer.account, "latest") == nonce + 1
    assert Trade.objects.filter(opportunity__block_number=head.number).count() == 1
    start = trade.opportunity.start_token.address
    assert balance_of(client, start, market.executor) - before[start] == trade.realized_profit
    assert trade.realized_profit == trade.opportunity.gross_profit > 0
    # The same state machine and audit trail as the execute queue's.
    assert audit_steps(trade) == [
        "execution.trade_approved",
        "execution.trade_signed",
        "execution.trade_submitted",
        "execution.trade_finished",
    ]


def test_its_engine_follows_the_chain_from_block_to_block(
    lane, local_chain, market, client, trader, anvil
):
    synced = client.block_number()
    _, head = _mispriced_head(client, trader, market)
    _hear(lane, client, synced + 1)
    landed = client.block("latest")  # the block our trade landed in
    assert landed.number == head.number + 1
    # Our trade left a smaller cycle behind; the lane's sight of its own trade in the logs
    # frees the in-flight slot (the sync has not recorded the block yet).
    anvil.rpc("evm_setAutomine", False)  # that trade stays pending: the head stays `landed`
    try:
        (residual,) = lane.on_head(landed)
        assert residual.state == Trade.State.SUBMITTED, residual.error
        assert lane.last == landed
        # What the lane's engine holds equals an engine built from the rows, once synced.
        held = engine_for(local_chain).engine.scan_all()
        assert pipeline.pipeline_sync(local_chain).head == landed.number
        assert held == engine_build(local_chain).engine.scan_all()
        assert len(held) > 0
    finally:
        anvil.rpc("evm_setAutomine", True)


def test_it_steps_aside_until_the_database_has_the_parent(
    lane, local_chain, market, client, trader, anvil
):
    synced = client.block_number()
    anvil.mine(1)  # a block the lane does not hear: the database has not synced it either
    _, head = _mispriced_head(client, trader, market)
    assert _hear(lane, client, synced + 2) == []
    assert lane.last is None
    assert not Opportunity.objects.filter(block_number=head.number).exists()
    # The queues sync it (and trade it); the lane starts again from a block whose parent the
    # database has.
    run_once(local_chain)
    confirm(local_chain)
    settle(local_chain)
    synced = client.block_number()
    _, head = _mispriced_head(client, trader, market)
    (trade,) = _hear(lane, client, synced + 1)
    assert trade.state == Trade.State.SUBMITTED, trade.error
    assert lane.last == head


def test_the_kill_switch_stops_it(lane, local_chain, market, client, trader, deployer):
    execution_pause(chain=local_chain, reason="test")
    synced = client.block_number()
    _, head = _mispriced_head(client, trader, market)
    nonce = client.transaction_count(deployer.account, "pending")
    assert _hear(lane, client, synced + 1) == []
    assert client.transaction_count(deployer.account, "pending") == nonce
    # The queues record the block's opportunities, and take none either.
    assert run_once(local_chain) == []
    assert Opportunity.objects.filter(block_number=head.number).exists()
    assert not Trade.objects.filter(opportunity__block_number=head.number).exists()
