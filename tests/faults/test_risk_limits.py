"""The risk limits and the stale-state refusal on both paths (the execute queue's
`trade_execute`, the fast lane's `on_head`), then the fast lane and a Celery worker of
concurrency 2 racing on 50 mispricings: trades in flight never exceed the limit."""

from __future__ import annotations

import threading
import time
from collections import Counter

import pytest
import redis
from django.conf import settings
from django.db import connection
from django.utils import timezone
from web3 import Web3

from arbitrage.chain.artifacts import forge, uniswap
from arbitrage.chain.client import ChainClient
from arbitrage.localnet.anvil import DEV_ACCOUNTS
from arbitrage.localnet.market import Deployer, LocalMarket, LocalPair
from arbitrage.models import BlockRecord, Opportunity, Threshold, Token, Trade
from arbitrage.pipeline import loop as pipeline
from arbitrage.pipeline.lane.fastlane import FastLane
from arbitrage.pipeline.rules import IN_FLIGHT_STATES, choose
from arbitrage.services.control import control_for
from arbitrage.tasks import execute_confirm, sync_chain
from tests.factories import OpportunityFactory, TradeFactory
from tests.integration.pipeline_helpers import push_price, reserves, run_once, twin_pairs
from tests.integration.test_worker import _celery_worker, _stop

pytestmark = pytest.mark.integration

ACCOUNT = DEV_ACCOUNTS[0]

# limit -> (the default threshold's setting that the mispricing's trade breaks, the reason)
LIMITS = {
    "max_input": ({"max_input": 1}, "risk: amount in"),
    "max_gas_price": ({"max_gas_price_wei": 1}, "risk: gas price"),
    "max_daily_loss": ({"max_daily_loss": 1}, "risk: daily loss"),
}


def _book_losses(chain) -> None:
    """A loss booked today for every token of the chain (a trade that cost more than it made)."""
    for token in Token.objects.filter(chain=chain):
        opportunity = OpportunityFactory(
            chain=chain, start_token=token, block_number=1, status=Opportunity.Status.EXECUTED
        )
        TradeFactory(
            opportunity=opportunity,
            mode=Trade.Mode.LIVE,
            state=Trade.State.FAILED,
            realized_profit=-(10**15),
            finished_at=timezone.now(),
        )


def _hear(lane, client, first_block: int) -> list[Trade]:
    """Every block from `first_block` to the head pushed to the lane; the trades it made."""
    trades: list[Trade] = []
    for number in range(first_block, client.block_number() + 1):
        trades += lane.on_head(client.block(number))
    return trades


def _assert_refused(trade: Trade, reason: str, client, nonce_before: int) -> None:
    trade.refresh_from_db()
    assert trade.state == Trade.State.REJECTED
    assert trade.error.startswith(reason), trade.error
    assert trade.tx_hash is None
    assert Opportunity.objects.get(pk=trade.opportunity_id).status == Opportunity.Status.REJECTED
    assert client.transaction_count(ACCOUNT, "pending") == nonce_before  # nothing sent


def _twinned(market: LocalMarket) -> list[LocalPair]:
    """The pairs of the first DEX with a twin on the second."""
    seconds = {
        frozenset((p.token0, p.token1)) for p in market.pairs if p.dex == "Uniswap V2 (second)"
    }
    return [
        p
        for p in market.pairs
        if p.dex == "Uniswap V2" and frozenset((p.token0, p.token1)) in seconds
    ]


def _disjoint_twins(market: LocalMarket, count: int) -> list[LocalPair]:
    """`count` pairs of the first DEX, each with a twin on the second, sharing no token but
    WETH."""
    chosen: list[LocalPair] = []
    used: set[str] = set()
    for pair in _twinned(market):
        tokens = {pair.token0, pair.token1} - {market.weth}
        if tokens & used:
            continue
        chosen.append(pair)
        used |= tokens
    assert len(chosen) >= count, f"only {len(chosen)} disjoint twin pairs"
    return chosen[:count]


def _run(path: str, chain, client, lane: FastLane, synced: int) -> list[Trade]:
    """The blocks after `synced` through the worker's way (sync, scan, choose, approve,
    execute) or heard by the fast lane; the trades made."""
    if path == "worker":
        return run_once(chain)
    return _hear(lane, client, synced + 1)


def _lane_at_head(chain) -> FastLane:
    """A fast lane (re)started on rows synced to the head: it plans with the thresholds and
    switches as they are now (one changed after its last read makes it leave its next block
    to the queues)."""
    pipeline.pipeline_sync(chain)
    return FastLane(chain=chain, ctx=pipeline.execution_context(chain))


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["worker", "fast-lane"])
def test_each_risk_limit_and_stale_state_refuse_a_trade_on_both_paths(
    lane, local_chain, market, client, trader, anvil, path
):
    """One settled market, a pair pushed again for each case: each risk limit in turn refuses
    the mispricing's trade; then state found more blocks behind the head than the state-lag
    limit allows; then a second trade while one is in flight."""
    first, _ = twin_pairs(market)
    bps = 300
    for limit in sorted(LIMITS):
        setting, reason = LIMITS[limit]
        Threshold.objects.update_or_create(chain=local_chain, start_token=None, defaults=setting)
        if limit == "max_daily_loss":
            _book_losses(local_chain)
        lane = _lane_at_head(local_chain)
        synced = client.block_number()
        push_price(trader, market, client, first, bps=bps)
        bps = 100  # the pair moves on from where the refused trade left it
        nonce_before = client.transaction_count(ACCOUNT, "pending")
        (trade,) = _run(path, local_chain, client, lane, synced)
        _assert_refused(trade, reason, client, nonce_before)
        Threshold.objects.filter(chain=local_chain).delete()
        Trade.objects.filter(realized_profit__lt=0).delete()
        print(f"\nrisk limit {limit} on the {path} path: refused, reason {trade.error!r}")

    # Stale state: the trade runs when the head has moved on past the state-lag limit.
    max_lag = control_for(chain=local_chain).max_state_lag_blocks
    lane = _lane_at_head(local_chain)
    synced = client.block_number()
    push_price(trader, market, client, first, bps=bps)
    if path == "worker":
        result = pipeline.pipeline_sync(local_chain)
        found = pipeline.pipeline_scan(local_chain, result.changed_pool_ids, result.head)
        (trade_id,) = pipeline.approve(pipeline.choose_for_execution(local_chain, found))
        anvil.mine(max_lag + 1)  # the task comes late: the head moved on
        nonce_before = client.transaction_count(ACCOUNT, "pending")
        trade = pipeline.pipeline_execute(local_chain, trade_id)
    else:
        pushed = client.block_number()
        anvil.mine(max_lag + 1)  # the lane hears the block late: the head moved on
        nonce_before = client.transaction_count(ACCOUNT, "pending")
        trades: list[Trade] = []
        for number in range(synced + 1, pushed + 1):
            trades += lane.on_head(client.block(number))
        (trade,) = trades
    _assert_refused(trade, "stale: found at block", client, nonce_before)
    assert f"(limit {max_lag})" in trade.error
    print(f"stale state on the {path} path: refused, reason {trade.error!r}")

    # Trades in flight: two mispricings on disjoint pools, the first trade pending.
    control = control_for(chain=local_chain)
    assert control.max_trades_in_flight == 1
    control.max_state_lag_blocks = 10  # the pushes take several blocks: not a stale refusal
    control.save(update_fields=["max_state_lag_blocks"])
    lane = _lane_at_head(local_chain)
    synced = client.block_number()
    for pair in _disjoint_twins(market, 2):
        push_price(trader, market, client, pair, bps=300)
    nonce_before = client.transaction_count(ACCOUNT, "pending")
    anvil.rpc("evm_setAutomine", False)
    if path == "worker":
        result = pipeline.pipeline_sync(local_chain)
        found = pipeline.pipeline_scan(local_chain, result.changed_pool_ids, result.head)
        taken = choose(found, [], 2)  # the scan's choice takes one: both approved by hand
        assert len(taken) == 2
        first_id, second_id = pipeline.approve(taken)
        sent = pipeline.pipeline_execute(local_chain, first_id)
        assert sent.state == Trade.State.SUBMITTED, sent.error
        second = pipeline.pipeline_execute(local_chain, second_id)
        _assert_refused(
            second, "risk: 1 trade(s) already in flight (limit 1)", client, nonce_before + 1
        )
        print(f"in flight on the worker path: refused, reason {second.error!r}")
    else:
        # The lane's choice has no free slot for the second: it records nothing for it (the
        # queues' scan stores the block's opportunities).
        trades = _hear(lane, client, synced + 1)
        assert [t.state for t in trades] == [Trade.State.SUBMITTED], [t.error for t in trades]
        assert client.transaction_count(ACCOUNT, "pending") == nonce_before + 1
        print("in flight on the fast lane: 2 mispricings, 1 trade sent, none for the other")
    in_flight = Trade.objects.filter(state__in=IN_FLIGHT_STATES, block_number__isnull=True)
    assert in_flight.count() == 1


# -- the race ------------------------------------------------------------------------------
ROUNDS = 17  # three mispricings a round: 51
PER_ROUND = 3
LIMIT = 2


class Pusher:
    """The trader's price pushes sent without waiting (automine off: they wait for the test's
    next block), ahead of our trades in the block by their higher fee."""

    def __init__(self, w3: Web3, market: LocalMarket) -> None:
        self.w3, self.market = w3, market
        self.account = DEV_ACCOUNTS[1]
        self.deployer = Deployer(w3, self.account)
        self.nonce = int(w3.eth.get_transaction_count(self.account, "pending"))

    def _send(self, contract_fn, value: int = 0) -> None:
        contract_fn.transact(
            {
                "from": self.account,
                "value": value,
                "gas": 200_000,
                "nonce": self.nonce,
                "maxFeePerGas": 50 * 10**9,
                "maxPriorityFeePerGas": 10 * 10**9,
            }
        )
        self.nonce += 1

    def push(self, client, pair: LocalPair, bps: int) -> None:
        """Sell token0 into the pair for `bps` of its reserve, at the reserves as they are now
        (the pair is pushed once a block)."""
        reserve0, reserve1 = reserves(client, pair.address)
        amount_in = reserve0 * bps // 10_000
        with_fee = amount_in * 997
        amount_out = with_fee * reserve1 // (reserve0 * 1000 + with_fee) * 99 // 100
        contract_at = self.deployer.contract
        if Web3.to_checksum_address(pair.token0) == Web3.to_checksum_address(self.market.weth):
            weth = contract_at(uniswap("WETH9"), self.market.weth)
            self._send(weth.functions.deposit(), value=amount_in)
            self._send(weth.functions.transfer(pair.address, amount_in))
        else:
            token = contract_at(forge("DevToken"), pair.token0)
            self._send(token.functions.mint(pair.address, amount_in))
        contract = contract_at(uniswap("UniswapV2Pair"), pair.address)
        self._send(contract.functions.swap(0, amount_out, self.account, b""))


def _in_flight_unmined(client) -> int:
    """Our trades signed or sent whose transaction no block holds (the rows, checked against
    the chain: a row the sync has not marked yet may already be mined)."""
    rows = list(
        Trade.objects.filter(state__in=IN_FLIGHT_STATES, block_number__isnull=True).values_list(
            "tx_hash", flat=True
        )
    )
    return sum(1 for tx_hash in rows if not tx_hash or client.receipt(tx_hash) is None)


@pytest.fixture
def racing_worker():
    redis.Redis.from_url(settings.CELERY_BROKER_URL).flushdb()
    process = _celery_worker("default,sync,scan,execute", "-c", "2")
    yield process
    _stop(process)


@pytest.mark.django_db(transaction=True)
def test_the_fast_lane_and_a_worker_racing_never_exceed_the_in_flight_limit(
    lane, local_chain, market, client, anvil, w3, racing_worker
):
    control = control_for(chain=local_chain)
    control.max_trades_in_flight = LIMIT
    control.save(update_fields=["max_trades_in_flight"])
    # The worker is up once it has synced a new block.
    anvil.mine(1)
    head = client.block_number()
    deadline = time.monotonic() + 60
    while not BlockRecord.objects.filter(chain=local_chain, number__gte=head).exists():
        assert time.monotonic() < deadline, "the worker did not start"
        sync_chain.apply_async(args=[local_chain.chain_id], queue="sync")
        time.sleep(0.5)
    watcher = ChainClient(anvil.url, timeout=10)  # the poller's own connection
    chain_lock = threading.Lock()  # blocks are mined only between the poller's looks
    stop = threading.Event()
    seen = {"max": 0, "polls": 0, "over": 0}

    def poll() -> None:
        try:
            while not stop.is_set():
                with chain_lock:
                    count = _in_flight_unmined(watcher)
                seen["max"] = max(seen["max"], count)
                seen["polls"] += 1
                seen["over"] += int(count > LIMIT)
                time.sleep(0.01)
        finally:
            connection.close()

    poller = threading.Thread(target=poll)
    pusher = Pusher(w3, market)
    pairs = list(market.pairs)  # each against its twin, or in a triangle through WETH
    assert len(pairs) >= 2 * PER_ROUND
    nonce_before = client.transaction_count(ACCOUNT, "latest")
    anvil.rpc("evm_setAutomine", False)
    started = time.monotonic()
    lane_trades: list[Trade] = []
    poller.start()
    try:
        for round_no in range(ROUNDS):
            # The pairs in turn: one is pushed again two blocks on at the soonest, once our
            # trades of it are mined.
            batch = [pairs[(round_no * PER_ROUND + i) % len(pairs)] for i in range(PER_ROUND)]
            for pair in batch:
                pusher.push(client, pair, bps=300)
            with chain_lock:
                anvil.rpc("evm_mine")
            block = client.block("latest")
            # The block to the worker's queues and to the lane at once: both race for it.
            sync_chain.apply_async(args=[local_chain.chain_id], queue="sync")
            lane_trades += lane.on_head(block)
            execute_confirm.apply_async(args=[local_chain.chain_id], queue="execute")
            time.sleep(0.6)
        with chain_lock:
            anvil.rpc("evm_mine")
        time.sleep(1.0)
    finally:
        stop.set()
        poller.join(10)
        anvil.rpc("evm_setAutomine", True)
    elapsed = time.monotonic() - started
    trades = Trade.objects.filter(
        opportunity__chain=local_chain, opportunity__block_number__gt=head, mode=Trade.Mode.LIVE
    )
    hashes = [h for h in trades.values_list("tx_hash", flat=True) if h]
    mined_nonces = [
        int(receipt_tx["nonce"], 16)
        for h in hashes
        if watcher.receipt(h) is not None and (receipt_tx := watcher.transaction(h)) is not None
    ]
    sent = trades.exclude(tx_hash__isnull=True).count()
    refused = trades.filter(error__startswith="risk:").count()
    found = Opportunity.objects.filter(chain=local_chain, block_number__gt=head).count()
    mined_count = client.transaction_count(ACCOUNT, "latest") - nonce_before
    states = Counter(trades.values_list("state", flat=True))
    errors = Counter(e.split(":")[0] for e in trades.values_list("error", flat=True) if e)
    print(f"\nrace: trades by state {dict(states)}, by error {dict(errors)}")
    print(
        f"race: {ROUNDS * PER_ROUND} mispricings in {ROUNDS} blocks, {elapsed:.1f} s; fast lane"
        f" trades {len(lane_trades)}, opportunities stored {found}, trades sent {sent},"
        f" refused by a risk limit {refused},"
        f" transactions mined {mined_count} (ours {len(mined_nonces)}, doubles"
        f" {len(mined_nonces) - len(set(mined_nonces))}); in flight (signed or sent, not"
        f" mined): max {seen['max']} of limit {LIMIT} over {seen['polls']} polls, over the limit"
        f" {seen['over']} times"
    )
    assert len(set(mined_nonces)) == len(mined_nonces) == mined_count  # one trade per nonce
    assert seen["polls"] > 100
    assert seen["over"] == 0
    assert seen["max"] <= LIMIT
    assert seen["max"] == LIMIT  # the race did fill the slots
    assert lane_trades  # the lane took part
    assert sent > len([t for t in lane_trades if t.tx_hash])  # and so did the worker
