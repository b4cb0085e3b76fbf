"""The fast lane's record in three round trips (arbitrage/pipeline/lane/sql.py): the rows it
writes are the state machine's, and whatever is off the plain way goes to the ORM path."""

from __future__ import annotations

from typing import Any

import pytest
from django.forms.models import model_to_dict

from accounts.audit import audit_chain_verify
from accounts.models import AuditEvent
from arbitrage.localnet.market import swap_exact_in
from arbitrage.models import Opportunity, Pool, Threshold, Trade
from arbitrage.pipeline import loop as pipeline
from arbitrage.pipeline.lane import fastlane
from arbitrage.pipeline.lane import sql as hotpath
from arbitrage.pipeline.lane.fastlane import FastLane
from arbitrage.pipeline.scan import engine_for
from arbitrage.services.control import execution_pause
from tests.integration.pipeline_helpers import (
    audit_steps,
    confirm,
    push_price,
    reserves,
    settle,
    twin_pairs,
)

pytestmark = [pytest.mark.integration, pytest.mark.django_db]


@pytest.fixture
def no_fallback(monkeypatch):
    """The record must take the plain way: the ORM path is not called."""

    def refuse(**kwargs: Any) -> None:
        raise AssertionError("the lane fell back to the ORM path")

    monkeypatch.setattr(hotpath, "opportunity_execute", refuse)


def _lane_trades(lane, client, market, trader, anvil, *, pair=None) -> list[Trade]:
    """Move a pool 3 % off its twin and let the lane hear the blocks; our trade stays pending
    (a block of its own would make the next test's market differ)."""
    synced = client.block_number()
    first, _ = twin_pairs(market)
    push_price(trader, market, client, pair or first, bps=300)
    anvil.rpc("evm_setAutomine", False)
    try:
        trades: list[Trade] = []
        for number in range(synced + 1, client.block_number() + 1):
            trades += lane.on_head(client.block(number))
        return trades
    finally:
        anvil.rpc("evm_setAutomine", True)


def _filled(row: Any) -> set[str]:
    return {k for k, v in model_to_dict(row).items() if v not in (None, "", [], {})}


def _steps(trade: Trade) -> list[tuple[str, str, list[str], list[str]]]:
    return [
        (e.action, e.target_repr.split(" ", 2)[-1], sorted(e.before or {}), sorted(e.after or {}))
        for e in AuditEvent.objects.filter(
            target_type="arbitrage.trade", target_id=str(trade.pk)
        ).order_by("sequence")
    ]


def _written(trade: Trade) -> tuple[set[str], set[str], list[Any]]:
    trade.refresh_from_db()
    return _filled(trade), _filled(trade.opportunity), _steps(trade)


def test_its_rows_are_the_rows_the_orm_path_writes(
    lane, local_chain, market, client, trader, anvil, monkeypatch, no_fallback
):
    (fast,) = _lane_trades(lane, client, market, trader, anvil)
    assert fast.state == Trade.State.SUBMITTED, fast.error
    fast_rows = _written(fast)
    anvil.mine(1)
    confirm(local_chain)
    settle(local_chain)
    # The same kind of mispricing, traded by the lane through the ORM path.
    monkeypatch.setattr(fastlane, "hotpath_available", lambda: False)
    orm_lane = FastLane(chain=local_chain, ctx=lane.ctx)
    (orm,) = _lane_trades(orm_lane, client, market, trader, anvil)
    assert orm.state == Trade.State.SUBMITTED, orm.error
    assert fast_rows == _written(orm)
    fast.refresh_from_db()
    assert fast.state == Trade.State.CONFIRMED
    assert fast.nonce is not None
    assert orm.nonce is not None
    assert orm.nonce > fast.nonce  # one account, nonces in order
    assert fast.tx_hashes == [fast.tx_hash]
    assert fast.gas_limit == orm.gas_limit
    assert fast.simulated_profit == fast.opportunity.gross_profit > 0
    assert fast.realized_profit == fast.simulated_profit
    assert audit_steps(orm) == [
        "execution.trade_approved",
        "execution.trade_signed",
        "execution.trade_submitted",
    ]
    checked, broken = audit_chain_verify()
    assert broken is None
    assert checked >= 7


def _after_planning(monkeypatch, change) -> None:
    """Run `change` once the lane has chosen what to trade, before it records anything."""
    real = fastlane.choose_for_execution

    def choose_then_change(*args: Any, **kwargs: Any) -> Any:
        chosen = real(*args, **kwargs)
        change()
        return chosen

    monkeypatch.setattr(fastlane, "choose_for_execution", choose_then_change)


def test_the_kill_switch_engaged_after_the_lane_planned_stops_the_send(
    lane, local_chain, market, client, trader, anvil, deployer, monkeypatch
):
    _after_planning(monkeypatch, lambda: execution_pause(chain=local_chain, reason="operator"))
    nonce = client.transaction_count(deployer.account, "pending")
    assert _lane_trades(lane, client, market, trader, anvil) == []
    assert client.transaction_count(deployer.account, "pending") == nonce
    assert not Trade.objects.filter(opportunity__chain=local_chain, state="signed").exists()
    assert lane.state is not None
    assert lane.state.control.execution_paused  # it plans with the switch from now on


def test_a_threshold_changed_after_the_lane_planned_is_not_traded_past(
    lane, local_chain, market, client, trader, anvil, deployer, monkeypatch
):
    # The lane plans with the thresholds it read; one raised meanwhile stops the record.
    lane.on_head(client.block("latest"))  # starts: reads its state
    _after_planning(
        monkeypatch,
        lambda: Threshold.objects.create(chain=local_chain, min_net_profit=10**30),
    )
    nonce = client.transaction_count(deployer.account, "pending")
    assert _lane_trades(lane, client, market, trader, anvil) == []
    assert client.transaction_count(deployer.account, "pending") == nonce
    assert lane.state is not None
    assert lane.state.threshold_for(0) is not None  # the fresh thresholds, for the next block


def test_a_block_with_nothing_to_trade_costs_no_query(
    lane, local_chain, market, client, trader, anvil, django_assert_num_queries
):
    first, _ = twin_pairs(market)

    def move_and_hear() -> int:
        """A move too small to pay for its gas, heard by the lane; the new head."""
        synced = client.block_number()
        push_price(trader, market, client, first, bps=1)
        head: int = client.block_number()
        blocks = [client.block(number) for number in range(synced + 1, head + 1)]
        assert [trade for block in blocks for trade in lane.on_head(block)] == []
        return head

    move_and_hear()  # it starts: builds its engine, reads its state
    assert lane.state is not None
    with django_assert_num_queries(0):
        head = move_and_hear()
    assert lane.last is not None
    assert lane.last.number == head


def _assert_rejected_unsent(lane, client, market, trader, anvil, deployer, reason: str) -> None:
    """The lane's trade of a fresh mispricing ends rejected for `reason`, and nothing is sent."""
    nonce = client.transaction_count(deployer.account, "pending")
    (trade,) = _lane_trades(lane, client, market, trader, anvil)
    assert trade.state == Trade.State.REJECTED
    assert trade.error.startswith(reason), trade.error
    assert client.transaction_count(deployer.account, "pending") == nonce


def test_a_risk_limit_refuses_in_the_record_and_the_refusal_is_recorded(
    lane, local_chain, market, client, trader, anvil, deployer
):
    # The chain's default threshold limits the input (the engine sizes cycles by each start
    # token's own limit only): the record's check refuses, the ORM path records why.
    Threshold.objects.create(chain=local_chain, start_token=None, max_input=1)
    _assert_rejected_unsent(lane, client, market, trader, anvil, deployer, "risk: amount in")


def test_a_mispricing_gone_before_the_record_is_stopped_by_the_simulation(
    lane, local_chain, market, client, trader, anvil, deployer, monkeypatch
):
    first, _ = twin_pairs(market)

    def undo() -> None:
        anvil.rpc("evm_setAutomine", True)
        # Another trader buys back: a new head, where the cycle pays nothing.
        _, reserve1 = reserves(client, first.address)
        swap_exact_in(trader, market, first, token_in=first.token1, amount_in=reserve1 * 3 // 100)
        anvil.rpc("evm_setAutomine", False)

    _after_planning(monkeypatch, undo)
    _assert_rejected_unsent(lane, client, market, trader, anvil, deployer, "simulation reverted")


def test_a_pool_barred_after_the_lane_planned_is_not_traded(
    lane, local_chain, market, client, trader, anvil, deployer, monkeypatch
):
    _, twin = twin_pairs(market)
    twin_id = Pool.objects.get(chain=local_chain, address=twin.address).pk

    def bar() -> None:
        assert twin_id in engine_for(local_chain).pool_ids
        Pool.objects.filter(pk=twin_id).update(active=False)  # as the admin's action does

    _after_planning(monkeypatch, bar)
    nonce = client.transaction_count(deployer.account, "pending")
    # The best cycle runs through the twin, which the block did not change: the record finds
    # it barred, takes nothing, and the twin leaves the lane's engine.
    assert _lane_trades(lane, client, market, trader, anvil) == []
    assert twin_id not in engine_for(local_chain).pool_ids
    assert client.transaction_count(deployer.account, "pending") == nonce
    assert (
        not Trade.objects.filter(opportunity__pool_path__contains=[twin_id])
        .exclude(state=Trade.State.CONFIRMED)
        .exists()
    )


def test_an_opportunity_the_queues_stored_first_is_theirs(
    lane, local_chain, market, client, trader, anvil, deployer
):
    synced = client.block_number()
    first, _ = twin_pairs(market)
    push_price(trader, market, client, first, bps=300)
    head = client.block_number()
    for number in range(synced + 1, head):  # the lane follows the chain up to the parent
        assert lane.on_head(client.block(number)) == []
    result = pipeline.pipeline_sync(local_chain)  # the queues sync and scan the block first
    stored = pipeline.pipeline_scan(local_chain, result.changed_pool_ids, result.head)
    assert stored
    nonce = client.transaction_count(deployer.account, "pending")
    assert lane.on_head(client.block(head)) == []
    assert client.transaction_count(deployer.account, "pending") == nonce
    assert Opportunity.objects.filter(block_number=head).count() == len(stored)
    assert not Trade.objects.filter(opportunity__block_number=head).exists()
    # ... and theirs to take.
    (trade_id,) = pipeline.approve(pipeline.choose_for_execution(local_chain, stored))
    assert pipeline.pipeline_execute(local_chain, trade_id).state == Trade.State.SUBMITTED
