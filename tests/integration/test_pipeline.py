"""The bot end to end on anvil: real Uniswap V2 pairs, our executor, PostgreSQL."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from arbitrage.chain.client import ChainClient
from arbitrage.localnet.anvil import DEV_ACCOUNTS
from arbitrage.localnet.market import swap_exact_in
from arbitrage.models import Opportunity, Pool, Threshold, Trade
from arbitrage.pipeline import loop as pipeline
from arbitrage.pipeline.choose import in_flight_paths
from arbitrage.pipeline.decisions import trade_approve
from arbitrage.pipeline.execute import trade_execute
from arbitrage.pipeline.scan import engine_reset, scan_pools
from arbitrage.services.control import control_for, execution_pause
from tests.integration.pipeline_helpers import (
    approved_trade_for_a_mispricing,
    audit_steps,
    balance_of,
    balances,
    confirm,
    opportunity_pools,
    push_price,
    reserves,
    reset_process_caches,
    run_once,
    settle,
    twin_pairs,
)

pytestmark = [pytest.mark.integration]


@pytest.fixture
def bot(local_chain, live, client):
    """The chain registered and synced, with no opportunity left to take."""
    settle(local_chain)
    return local_chain


@pytest.mark.django_db
def test_it_captures_a_two_pool_mispricing_within_two_blocks(bot, market, client, deployer, trader):
    first, second = twin_pairs(market)
    push_price(trader, market, client, first, bps=300)
    mispriced_at = client.block_number()
    before = balances(client, market)
    trades = run_once(bot)
    assert len(trades) == 1
    confirm(bot)
    trade = Trade.objects.get(pk=trades[0].pk)
    assert trade.state == Trade.State.CONFIRMED, trade.error
    assert trade.block_number - mispriced_at <= 2
    assert opportunity_pools(trade.opportunity) == {first.address, second.address}
    start = trade.opportunity.start_token.address
    assert balance_of(client, start, market.executor) - before[start] == trade.realized_profit
    # Nothing moved between scan and execution: the chain paid what the engine predicted.
    assert trade.realized_profit == trade.opportunity.gross_profit > 0
    # Every step that touched the chain is in the audit log, in order.
    assert audit_steps(trade)[-3:] == [
        "execution.trade_signed",
        "execution.trade_submitted",
        "execution.trade_finished",
    ]


@pytest.mark.django_db
def test_it_captures_a_triangular_mispricing(bot, market, client, deployer, trader):
    # A pool between two non-hub tokens: moving it opens a triangle through WETH.
    triangle_leg = next(
        p for p in market.pairs if p.dex == "Uniswap V2" and market.weth not in (p.token0, p.token1)
    )
    push_price(trader, market, client, triangle_leg, bps=300)
    mispriced_at = client.block_number()
    before = balances(client, market)
    trades = run_once(bot)
    assert trades, "no trade for a 3 % move of a triangle leg"
    confirm(bot)
    trade = Trade.objects.get(pk=trades[0].pk)
    assert trade.state == Trade.State.CONFIRMED, trade.error
    assert len(trade.opportunity.pool_path) == 3
    assert triangle_leg.address in opportunity_pools(trade.opportunity)
    assert trade.block_number - mispriced_at <= 2
    start = trade.opportunity.start_token.address
    assert balance_of(client, start, market.executor) - before[start] == trade.realized_profit
    assert trade.realized_profit == trade.opportunity.gross_profit > 0


@pytest.mark.django_db
def test_a_vanished_opportunity_is_stopped_by_the_simulation(bot, market, client, deployer, trader):
    first, _ = twin_pairs(market)
    push_price(trader, market, client, first, bps=300)
    result = pipeline.pipeline_sync(bot)
    found = pipeline.pipeline_scan(bot, result.changed_pool_ids, result.head)
    assert found
    # Someone else closes the gap before we execute.
    _, reserve1 = reserves(client, first.address)
    swap_exact_in(
        deployer, market, first, token_in=first.token1, amount_in=reserve1 * 310 // 10_000
    )
    nonce_before = client.transaction_count(deployer.account, "latest")
    (trade_id,) = pipeline.approve(pipeline.choose_for_execution(bot, found))
    trade = pipeline.pipeline_execute(bot, trade_id)
    assert trade.state == Trade.State.REJECTED
    assert "simulation reverted: InsufficientProfit" in trade.error
    assert trade.tx_hash is None
    assert client.transaction_count(deployer.account, "latest") == nonce_before


@pytest.mark.django_db
def test_the_kill_switch_stops_execution_within_one_scan(bot, market, client, deployer, trader):
    first, _ = twin_pairs(market)
    execution_pause(chain=bot, reason="test")
    push_price(trader, market, client, first, bps=300)
    assert run_once(bot) == []
    assert Opportunity.objects.filter(chain=bot, status=Opportunity.Status.DETECTED).exists()
    assert not Trade.objects.filter(state=Trade.State.SUBMITTED).exists()
    # An already-approved trade is refused at the gate too.
    opportunity = Opportunity.objects.filter(chain=bot).latest("detected_at")
    trade = trade_approve(opportunity_id=opportunity.pk, mode="live")
    trade = pipeline.pipeline_execute(bot, trade.pk)
    assert trade.state == Trade.State.REJECTED
    assert trade.error.startswith("kill switch")


@pytest.mark.django_db
def test_risk_limits_refuse_an_oversized_trade(bot, market, client, deployer, trader):
    first, _ = twin_pairs(market)
    push_price(trader, market, client, first, bps=300)
    Threshold.objects.update_or_create(chain=bot, start_token=None, defaults={"max_input": 1})
    trades = run_once(bot)
    assert len(trades) == 1
    assert trades[0].state == Trade.State.REJECTED
    assert trades[0].error.startswith("risk: amount in")
    assert trades[0].tx_hash is None


@pytest.mark.django_db(transaction=True)
def test_an_execute_delivered_twice_concurrently_sends_one_transaction(
    local_chain, live, market, client, deployer, trader
):
    trade_id = approved_trade_for_a_mispricing(local_chain, market, client, trader)
    nonce_before = client.transaction_count(deployer.account, "latest")
    errors = []

    def deliver():
        try:
            trade_execute(trade_id=trade_id, ctx=pipeline.execution_context(local_chain))
        except Exception as exc:  # surfaced below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=deliver) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    confirm(local_chain)
    trade = Trade.objects.get(pk=trade_id)
    assert trade.state == Trade.State.CONFIRMED, trade.error
    assert client.transaction_count(deployer.account, "latest") == nonce_before + 1
    assert len(trade.tx_hashes) == 1


@pytest.mark.django_db(transaction=True)
def test_a_trade_held_by_an_execution_leaves_its_chain_free_for_the_sync(
    local_chain, market, client, trader
):
    """The sync locks the chain and then marks our mined trades; an execution or confirmation
    locks a trade. Were the trade's lock to take its chain's row too (PostgreSQL locks every
    joined row of a SELECT ... FOR UPDATE), the two would deadlock."""
    from django.db import DatabaseError, transaction

    from arbitrage.models import Chain
    from arbitrage.pipeline.execute import _locked

    trade_id = approved_trade_for_a_mispricing(local_chain, market, client, trader)
    errors: list[Exception] = []

    def sync_lock() -> None:
        try:
            with transaction.atomic():
                Chain.objects.select_for_update(nowait=True).get(pk=local_chain.pk)
                Trade.objects.filter(pk=trade_id).exists()
        except DatabaseError as exc:
            errors.append(exc)
        finally:
            connection.close()

    with transaction.atomic():
        held = _locked(trade_id)
        assert held.opportunity.chain.pk == local_chain.pk  # read with it, not locked
        other = threading.Thread(target=sync_lock)
        other.start()
        other.join(30)
    assert errors == []


@pytest.mark.django_db
def test_a_reorg_unbooks_the_profit_of_a_trade_that_left_the_chain(
    bot, market, client, deployer, trader, anvil
):
    first, _ = twin_pairs(market)
    fork_point = anvil.rpc("evm_snapshot")
    push_price(trader, market, client, first, bps=300)
    (trade,) = run_once(bot)
    confirm(bot)
    trade.refresh_from_db()
    assert trade.state == Trade.State.CONFIRMED
    anvil.rpc("evm_revert", fork_point)  # the mispricing and the trade leave the chain
    anvil.mine(3)
    result = pipeline.pipeline_sync(bot)
    assert result.rewound_to is not None
    trade.refresh_from_db()
    assert trade.realized_profit is None
    assert trade.state != Trade.State.CONFIRMED
    # Past its deadline the trade is dropped (or its nonce cancelled), never re-run.
    for _ in range(3):
        confirm(bot)
        anvil.mine(1)
    trade.refresh_from_db()
    assert trade.state == Trade.State.DROPPED, trade.error
    assert trade.realized_profit is None
    pool = Pool.objects.get(chain=bot, address=first.address)
    assert (pool.reserve0, pool.reserve1) == reserves(client, first.address)


@pytest.mark.django_db
def test_dry_run_does_everything_but_sign_and_send(local_chain, market, client, trader, settings):
    settings.ARBX_EXECUTION_MODE = "dry_run"
    reset_process_caches()
    run_once(local_chain)
    first, _ = twin_pairs(market)
    push_price(trader, market, client, first, bps=300)
    nonce_before = client.transaction_count(DEV_ACCOUNTS[0], "latest")
    (trade,) = run_once(local_chain)
    assert trade.mode == Trade.Mode.DRY_RUN
    assert trade.state == Trade.State.SIMULATED, trade.error
    assert trade.simulated_profit == trade.opportunity.gross_profit > 0
    assert trade.calldata.startswith("0x")  # what would have been sent
    assert trade.error.startswith("dry run: would have sent")
    assert trade.tx_hash is None
    assert trade.signed_tx == ""
    assert client.transaction_count(DEV_ACCOUNTS[0], "latest") == nonce_before
    reset_process_caches()


@pytest.mark.django_db
def test_the_sync_marks_our_mined_trade_so_it_stops_holding_its_pools(bot, market, client, trader):
    control = control_for(chain=bot)
    control.confirmations = 3
    control.save()
    first, _ = twin_pairs(market)
    push_price(trader, market, client, first, bps=300)
    (trade,) = run_once(bot)  # anvil mines it at once
    assert trade.state == Trade.State.SUBMITTED
    assert trade.block_number is None
    assert in_flight_paths(bot.pk) == [trade.opportunity.pool_path]
    # The next sync reads our executor's CycleExecuted event in the same eth_getLogs call.
    pipeline.pipeline_sync(bot)
    trade.refresh_from_db()
    receipt = client.receipt(trade.tx_hash or "")
    assert receipt is not None
    assert trade.block_number == int(receipt["blockNumber"])
    assert trade.state == Trade.State.SUBMITTED  # still waiting for its confirmations
    assert in_flight_paths(bot.pk) == []
    for _ in range(3):
        client.w3.provider.make_request("evm_mine", [])
    confirm(bot)
    trade.refresh_from_db()
    assert trade.state == Trade.State.CONFIRMED


@pytest.mark.django_db
def test_a_kill_switch_engaged_during_the_simulation_stops_the_signing(
    bot, market, client, trader, monkeypatch
):
    first, _ = twin_pairs(market)
    push_price(trader, market, client, first, bps=300)
    result = pipeline.pipeline_sync(bot)
    found = pipeline.pipeline_scan(bot, result.changed_pool_ids, result.head)
    (trade_id,) = pipeline.approve(pipeline.choose_for_execution(bot, found))
    simulate = ChainClient.head_tip_and_nonce  # the reads before signing, with the simulation

    def simulate_then_pause(self, *args, **kwargs):
        out = simulate(self, *args, **kwargs)
        assert out.call_result is not None  # it was simulated, and it would pay
        execution_pause(chain=bot, reason="operator")  # between simulation and signing
        return out

    monkeypatch.setattr(ChainClient, "head_tip_and_nonce", simulate_then_pause)
    nonce_before = client.transaction_count(DEV_ACCOUNTS[0], "pending")
    trade = pipeline.pipeline_execute(bot, trade_id)
    assert trade.state == Trade.State.REJECTED
    assert trade.error == "kill switch engaged before signing"
    assert trade.tx_hash is None
    assert client.transaction_count(DEV_ACCOUNTS[0], "pending") == nonce_before


@pytest.mark.django_db
def test_the_scan_settles_our_own_trade_only_when_it_holds_something_back(
    bot, market, client, trader
):
    first, _ = twin_pairs(market)
    push_price(trader, market, client, first, bps=300)
    (trade,) = run_once(bot)  # mined at once by anvil, not yet confirmed in the database
    assert trade.state == Trade.State.SUBMITTED
    push_price(trader, market, client, first, bps=300)  # the same pools, mispriced again
    result = pipeline.pipeline_sync(bot)
    found = pipeline.pipeline_scan(bot, result.changed_pool_ids, result.head)
    assert found
    # As if the sync had not seen the trade's event: it still holds its pools back.
    Trade.objects.filter(pk=trade.pk).update(block_number=None)
    assert pipeline.choose_for_execution(bot, found) == []
    # A sync that saw the event but has not committed the mark yet names it as mined.
    assert pipeline.choose_for_execution(bot, found, mined={trade.tx_hash})
    # With settle, the scan settles what is mined, and then the pools are free.
    chosen = pipeline.choose_for_execution(bot, found, settle=True)
    assert chosen
    assert Trade.objects.get(pk=trade.pk).state == Trade.State.CONFIRMED


@pytest.mark.django_db
def test_reserves_handed_on_by_the_sync_stand_in_for_uncommitted_rows(bot, market, client, trader):
    from arbitrage.pipeline.sync import EarlyChanges

    first, _ = twin_pairs(market)
    pool = Pool.objects.get(chain=bot, address=first.address)
    stale = (pool.reserve0, pool.reserve1)
    push_price(trader, market, client, first, bps=300)
    handed: list[EarlyChanges] = []
    result = pipeline.pipeline_sync(bot, early=handed.append)
    (changes,) = handed
    fresh = changes.reserves[pool.pk]

    def scan(row: tuple[int, int], **kwargs: object) -> list[tuple[str, int, int]]:
        """A scan from a cold engine with the pool's row at `row` (each opportunity is
        stored once per block, so the block's earlier ones are cleared first)."""
        Opportunity.objects.filter(block_number=result.head).delete()
        Pool.objects.filter(pk=pool.pk).update(reserve0=row[0], reserve1=row[1])
        engine_reset()
        found = pipeline.pipeline_scan(bot, result.handed_on, result.head, **kwargs)
        return [(o.cycle_key, o.amount_in, o.net_profit) for o in found]

    committed = scan(fresh)
    assert any(str(pool.pk) in key.split("-") for key, _, _ in committed)
    # As if the sync had not committed yet: the row still holds the old reserves.
    assert scan(stale) != committed
    assert scan(stale, reserves=changes.reserves) == committed


@pytest.mark.django_db
def test_a_second_scan_of_a_block_stores_nothing_twice(bot, market, client, trader):
    first, _ = twin_pairs(market)
    push_price(trader, market, client, first, bps=300)
    result = pipeline.pipeline_sync(bot)
    found = pipeline.pipeline_scan(bot, result.changed_pool_ids, result.head)
    assert found
    stored = Opportunity.objects.filter(block_number=result.head).count()
    assert stored == len(found)
    engine_reset()  # a restarted worker scans the block again
    assert pipeline.pipeline_scan(bot, result.changed_pool_ids, result.head) == []
    assert Opportunity.objects.filter(block_number=result.head).count() == stored


@pytest.mark.django_db
def test_a_scan_stores_what_the_fast_lane_left_of_a_block(bot, market, client, trader):
    """The fast lane stores only the opportunity it takes; the block's scan stores the rest."""
    first, _ = twin_pairs(market)
    push_price(trader, market, client, first, bps=300)
    result = pipeline.pipeline_sync(bot)
    candidates = scan_pools(
        chain=bot,
        pool_ids=result.changed_pool_ids,
        block_number=result.head,
        gas_price_wei=10**9,
        store=False,
    )
    assert len(candidates) > 1
    assert all(o.pk is None for o in candidates)
    taken = candidates[0]
    taken.save()
    engine_reset()
    stored = pipeline.pipeline_scan(bot, result.changed_pool_ids, result.head)
    assert {o.cycle_key for o in stored} == {o.cycle_key for o in candidates[1:]}
    assert Opportunity.objects.filter(block_number=result.head).count() == len(candidates)


@pytest.mark.django_db
def test_a_pool_deactivated_in_the_admin_leaves_the_engine_at_the_next_scan(
    bot, market, client, trader
):
    from arbitrage.pipeline.scan import engine_for

    first, second = twin_pairs(market)
    push_price(trader, market, client, first, bps=300)
    result = pipeline.pipeline_sync(bot)
    found = pipeline.pipeline_scan(bot, result.changed_pool_ids, result.head)
    pool = Pool.objects.get(chain=bot, address=first.address)
    assert any(pool.pk in o.pool_path for o in found)  # a cycle through the pool is found
    # The operator deactivates it the way the admin's action does (one UPDATE, no signal);
    # then only its twin moves, three times as far: the twins are mispriced the other way.
    Pool.objects.filter(pk=pool.pk).update(active=False)
    push_price(trader, market, client, second, bps=900)
    result = pipeline.pipeline_sync(bot)
    assert pool.pk not in result.changed_pool_ids
    found = pipeline.pipeline_scan(bot, result.changed_pool_ids, result.head)
    assert found  # the twin still trades, with other pools
    assert not any(pool.pk in o.pool_path for o in found)
    assert not Opportunity.objects.filter(
        block_number=result.head, pool_path__contains=[pool.pk]
    ).exists()
    assert pool.pk not in engine_for(bot).pool_ids  # the engine let it go
    # Back in service, the pool's cycle is found again once the pool moves.
    Pool.objects.filter(pk=pool.pk).update(active=True)
    push_price(trader, market, client, first, bps=100)
    result = pipeline.pipeline_sync(bot)
    found = pipeline.pipeline_scan(bot, result.changed_pool_ids, result.head)
    assert pool.pk in engine_for(bot).pool_ids


def _amounts_out(opportunity: Opportunity) -> list[int]:
    """Each hop's output at the pools' stored reserves and the fees the opportunity records
    (Uniswap V2's getAmountOut with the fee in ppm)."""
    amount, outs = opportunity.amount_in, []
    pools = Pool.objects.in_bulk(opportunity.pool_path)
    for pool_id, token_in, fee in zip(
        opportunity.pool_path, opportunity.token_path, opportunity.fees_ppm, strict=False
    ):
        pool = pools[pool_id]
        r_in, r_out = (
            (pool.reserve0, pool.reserve1)
            if pool.token0_id == token_in
            else (pool.reserve1, pool.reserve0)
        )
        with_fee = amount * (1_000_000 - fee)
        amount = with_fee * r_out // (r_in * 1_000_000 + with_fee)
        outs.append(amount)
    return outs


@pytest.mark.django_db
def test_the_executor_is_called_with_the_fees_the_engine_priced(bot, market, client, trader):
    from arbitrage.pipeline.execute import cycle_call

    first, _ = twin_pairs(market)
    push_price(trader, market, client, first, bps=300)
    result = pipeline.pipeline_sync(bot)
    best = pipeline.pipeline_scan(bot, result.changed_pool_ids, result.head)[0]
    rows = dict(Pool.objects.filter(pk__in=best.pool_path).values_list("pk", "fee_ppm"))
    assert best.fees_ppm == [rows[pk] for pk in best.pool_path]
    assert cycle_call(best, deadline_block=1, min_net=0).fees_ppm == best.fees_ppm
    # Recorded without fees (made elsewhere): the pools' fees now.
    best.fees_ppm = []
    assert cycle_call(best, deadline_block=1, min_net=0).fees_ppm == [
        rows[pk] for pk in best.pool_path
    ]
    # The operator edits a pool's fee: once the pool moves again, the engine prices it with the
    # new fee, the opportunity records it, and the executor is called with it.
    pool = Pool.objects.get(chain=bot, address=first.address)
    Pool.objects.filter(pk=pool.pk).update(fee_ppm=2_000)
    push_price(trader, market, client, first, bps=300)
    result = pipeline.pipeline_sync(bot)
    found = pipeline.pipeline_scan(bot, result.changed_pool_ids, result.head)
    through = [o for o in found if pool.pk in o.pool_path]
    assert through
    for opportunity in through:
        assert opportunity.fees_ppm[opportunity.pool_path.index(pool.pk)] == 2_000
        assert [int(a) for a in opportunity.amounts_out] == _amounts_out(opportunity)
        call = cycle_call(opportunity, deadline_block=1, min_net=0)
        assert call.fees_ppm == opportunity.fees_ppm


@pytest.mark.django_db
def test_an_approval_executed_blocks_later_is_simulated_with_a_deadline_from_the_head(
    bot, market, client, trader, anvil
):
    trade_id = approved_trade_for_a_mispricing(bot, market, client, trader)
    trade = Trade.objects.select_related("opportunity").get(pk=trade_id)
    control = control_for(chain=bot)
    control.max_state_lag_blocks = 5  # within the state-lag limit: simulated again at the head
    control.save(update_fields=["max_state_lag_blocks"])
    anvil.mine(3)  # an operator's approval, or a message that came back late
    head = client.block_number()
    assert head >= trade.opportunity.block_number + 3
    trade = pipeline.pipeline_execute(bot, trade_id)
    assert trade.state == Trade.State.SUBMITTED, trade.error  # it still paid at the head
    assert trade.deadline_block == head + 2  # not the opportunity's block + 2, long past
    confirm(bot)
    trade.refresh_from_db()
    assert trade.state == Trade.State.CONFIRMED
    assert trade.simulated_profit is not None
    assert trade.realized_profit == trade.simulated_profit > 0


@pytest.mark.django_db
def test_changes_made_while_scanning_is_off_are_seen_when_it_is_back_on(
    bot, market, client, trader
):
    """A scan skipped while scanning is off drops the warm engine: it would otherwise miss
    those blocks' reserves for good (each scan updates only the pools that changed)."""
    first, second = twin_pairs(market)
    pipeline.pipeline_scan(bot, [], client.block_number())  # the engine is warm
    control = control_for(chain=bot)
    control.scanning_enabled = False
    control.save()
    push_price(trader, market, client, first, bps=300)
    result = pipeline.pipeline_sync(bot)
    assert pipeline.pipeline_scan(bot, result.changed_pool_ids, result.head) == []
    control.scanning_enabled = True
    control.save()
    # Only the twin changes now, a little: the cycle through both is priced with the first
    # pool's new reserves, so the 3 % move is found.
    push_price(trader, market, client, second, bps=1)
    result = pipeline.pipeline_sync(bot)
    assert list(result.changed_pool_ids) == [
        p.pk for p in Pool.objects.filter(address=second.address)
    ]
    found = pipeline.pipeline_scan(bot, result.changed_pool_ids, result.head)
    assert any(opportunity_pools(o) == {first.address, second.address} for o in found)


@pytest.mark.django_db(transaction=True)
def test_a_cancel_racing_an_execution_finishing_the_trade_waits_and_does_not_deadlock(
    local_chain, market, client, trader
):
    """An execution holds its trade and then updates the opportunity when it finishes it; a
    cancel of that opportunity takes the two rows in the same order, so it waits for the
    execution and then finds the trade finished (locking the opportunity first, the two
    deadlocked and PostgreSQL aborted one)."""
    import time

    from django.db import transaction

    from arbitrage.errors import ArbitrageError
    from arbitrage.pipeline.decisions import trade_cancel
    from arbitrage.pipeline.execute import _locked, trade_finish

    trade_id = approved_trade_for_a_mispricing(local_chain, market, client, trader)
    opportunity_id = Trade.objects.get(pk=trade_id).opportunity_id
    held, cancelling = threading.Event(), threading.Event()
    outcome: dict[str, object] = {}

    def execution() -> None:
        try:
            with transaction.atomic():
                trade = _locked(trade_id)
                held.set()
                cancelling.wait(10)
                time.sleep(0.5)  # the cancel is now waiting for a lock
                trade_finish(trade, Trade.State.REJECTED, "simulation reverted: test")
        except Exception as exc:
            outcome["execution"] = exc
        finally:
            connection.close()

    def cancel() -> None:
        held.wait(10)
        cancelling.set()
        try:
            trade_cancel(opportunity_id=opportunity_id, reason="operator")
        except Exception as exc:
            outcome["cancel"] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=execution), threading.Thread(target=cancel)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert "execution" not in outcome  # no deadlock victim
    assert isinstance(outcome.get("cancel"), ArbitrageError)
    assert "can no longer be cancelled" in str(outcome["cancel"])
    trade = Trade.objects.get(pk=trade_id)
    assert trade.state == Trade.State.REJECTED
    assert trade.error == "simulation reverted: test"
