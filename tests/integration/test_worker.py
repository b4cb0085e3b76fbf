"""The pipeline through a real Celery worker on Redis, and a worker killed with SIGKILL."""

from __future__ import annotations

import signal
import subprocess
import sys
import time

import pytest
import redis
from django.conf import settings

from arbitrage.models import BlockRecord, Opportunity, Trade
from arbitrage.pipeline import loop as pipeline
from arbitrage.tasks import execute_confirm, execute_trade, sync_chain
from tests.conftest import ROOT
from tests.integration.pipeline_helpers import (
    approved_trade_for_a_mispricing,
    confirm,
    opportunity_pools,
    push_price,
    settle,
    twin_pairs,
)
from tests.integration.processes import (
    block_watcher,
    celery_worker,
    product_env,
    stop,
    wait_for,
)

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


# Kept under their old names: other tests import them from here.
_env = product_env
_celery_worker = celery_worker
_stop = stop
_wait_for = wait_for


@pytest.fixture
def worker():
    redis.Redis.from_url(settings.CELERY_BROKER_URL).flushdb()
    process = celery_worker("default,sync,scan,execute", "-c", "2")
    yield process
    stop(process)


@pytest.fixture
def deployed(local_chain, anvil, tmp_path):
    """Starts the product as the demo runs it: one solo worker per queue and the block watcher
    on the node's pushed heads (stopped after the test). The watcher logs to watcher.log."""
    processes: list[subprocess.Popen[bytes]] = []

    def start(*watcher_options: str) -> None:
        redis.Redis.from_url(settings.CELERY_BROKER_URL).flushdb()
        processes.extend(
            celery_worker(queues, "-P", "solo", "-n", f"{queues.split(',')[0]}@%h")
            for queues in ("sync", "scan", "execute,default")
        )
        processes.append(
            block_watcher(
                local_chain.chain_id,
                "--ws-url",
                anvil.url.replace("http://", "ws://"),
                *watcher_options,
                stderr=(tmp_path / "watcher.log").open("wb"),
            )
        )

    yield start
    for process in processes:
        stop(process)


def _pipeline_state(chain, since: int) -> str:
    """What the pipeline recorded from block `since` on: the message of a wait that timed out."""
    blocks = sorted(
        BlockRecord.objects.filter(chain=chain, number__gte=since).values_list("number", flat=True)
    )
    opportunities = list(
        Opportunity.objects.filter(chain=chain, block_number__gte=since)
        .order_by("pk")
        .values_list("pk", "block_number", "pool_path", "net_profit", "status")
    )
    trades = list(
        Trade.objects.filter(opportunity__block_number__gte=since)
        .order_by("pk")
        .values_list("pk", "opportunity_id", "state", "error", "block_number")
    )
    return f"blocks synced {blocks}, opportunities {opportunities}, trades {trades}"


def test_a_worker_syncs_scans_and_executes_from_a_new_block(
    local_chain, live, market, client, deployer, trader, worker
):
    settle(local_chain)
    first, _ = twin_pairs(market)
    push_price(trader, market, client, first, bps=300)
    mispriced_at = client.block_number()
    sync_chain.apply_async(args=[local_chain.chain_id], queue="sync")

    def confirmed():
        execute_confirm.apply_async(args=[local_chain.chain_id], queue="execute")
        return Trade.objects.filter(
            opportunity__block_number__gte=mispriced_at, state=Trade.State.CONFIRMED
        ).first()

    trade = wait_for(confirmed, state=lambda: _pipeline_state(local_chain, mispriced_at))
    assert trade.block_number - mispriced_at <= 2
    assert first.address in opportunity_pools(trade.opportunity)
    assert trade.realized_profit == trade.opportunity.gross_profit > 0


def test_an_execute_task_delivered_twice_sends_one_transaction(
    local_chain, live, market, client, deployer, trader, worker
):
    trade_id = approved_trade_for_a_mispricing(local_chain, market, client, trader)
    nonce_before = client.transaction_count(deployer.account, "latest")
    for _ in range(2):
        execute_trade.apply_async(args=[trade_id], queue="execute")

    def settled():
        execute_confirm.apply_async(args=[local_chain.chain_id], queue="execute")
        trade = Trade.objects.get(pk=trade_id)
        return trade if trade.state == Trade.State.CONFIRMED else None

    trade = wait_for(settled)
    time.sleep(1.0)  # give a duplicate every chance to land
    assert client.transaction_count(deployer.account, "latest") == nonce_before + 1
    assert trade.tx_hashes == [trade.tx_hash]


CRASH = """
import os, signal, sys
import django
django.setup()
from arbitrage.models import BlockRecord, Trade
from arbitrage.pipeline import loop as pipeline
from arbitrage.pipeline.execute import _broadcast, _prepare
trade_id, point = int(sys.argv[1]), sys.argv[2]
trade = Trade.objects.select_related("opportunity__chain").get(pk=trade_id)
ctx = pipeline.execution_context(trade.opportunity.chain)
assert _prepare(ctx, trade_id) is not None  # simulated and signed, committed
if point == "after_send":
    _broadcast(ctx, Trade.objects.get(pk=trade_id))
os.kill(os.getpid(), signal.SIGKILL)
"""


@pytest.mark.parametrize("point", ["after_sign", "after_send"])
def test_a_worker_killed_between_signing_and_recording_sends_once(
    local_chain, live, market, client, deployer, trader, point
):
    trade_id = approved_trade_for_a_mispricing(local_chain, market, client, trader)
    nonce_before = client.transaction_count(deployer.account, "latest")
    crashed = subprocess.run(
        [sys.executable, "-c", CRASH, str(trade_id), point],
        cwd=ROOT,
        env=product_env(),
        timeout=120,
        check=False,
    )
    assert crashed.returncode == -signal.SIGKILL
    trade = Trade.objects.get(pk=trade_id)
    assert trade.state == Trade.State.SIGNED  # the send was never recorded
    signed_hash = trade.tx_hash
    # Recovery: the confirm pass re-broadcasts the stored bytes, then confirms.
    assert pipeline.pipeline_confirm(local_chain) == 1
    confirm(local_chain)
    trade.refresh_from_db()
    assert trade.state == Trade.State.CONFIRMED, trade.error
    assert trade.tx_hash == signed_hash
    assert client.transaction_count(deployer.account, "latest") == nonce_before + 1
    assert trade.realized_profit == trade.opportunity.gross_profit


@pytest.mark.parametrize("fast_lane", [False, True], ids=["queues", "fast-lane"])
def test_the_deployed_shape_trades_from_pushed_heads(
    local_chain, live, market, client, deployer, trader, anvil, deployed, fast_lane, tmp_path
):
    """Watcher -> sync (with the pushed header) -> scan (with the reserves handed on) ->
    execute, each on its own solo worker, as the demo runs them; or with the fast lane, the
    watcher's own trade first and the queues after it."""
    settle(local_chain)  # before the workers start: the mispricing below is all there is
    deployed(*(["--fast-lane"] if fast_lane else []))

    def watching():
        """A block mined now is pushed to the watcher and synced by the sync worker (both
        start slower on a fresh checkout, with nothing compiled yet)."""
        anvil.mine(1)
        head = client.block_number()
        synced = lambda: BlockRecord.objects.filter(chain=local_chain, number=head).exists()  # noqa: E731
        return wait_for(synced, timeout=3.0, quiet=True)

    wait_for(watching, timeout=90.0, step=0.0)
    in_flight = (Trade.State.APPROVED, Trade.State.SIMULATED, Trade.State.SIGNED)
    assert not Trade.objects.filter(state__in=(*in_flight, Trade.State.SUBMITTED)).exists()
    first, _ = twin_pairs(market)
    push_price(trader, market, client, first, bps=300)
    mispriced_at = client.block_number()

    def confirmed():
        """Our first trade for the mispricing (later ones take what our own trades leave)."""
        first_trade = (
            Trade.objects.filter(opportunity__block_number__gte=mispriced_at)
            .select_related("opportunity")
            .order_by("opportunity__block_number", "pk")
            .first()
        )
        return first_trade if first_trade and first_trade.state == Trade.State.CONFIRMED else None

    # confirmed by the watcher's own confirmation passes
    trade = wait_for(confirmed, state=lambda: _pipeline_state(local_chain, mispriced_at))
    assert trade.block_number - mispriced_at <= 2
    assert first.address in opportunity_pools(trade.opportunity)
    assert trade.realized_profit == trade.opportunity.gross_profit > 0
    assert len(trade.opportunity.fees_ppm) == len(trade.opportunity.pool_path)
    if fast_lane:  # the watcher traded the block it heard
        assert trade.opportunity.block_number == mispriced_at
        assert trade.block_number == mispriced_at + 1
        log = (tmp_path / "watcher.log").read_text()
        assert f"fast lane: block {mispriced_at}, trade {trade.pk} submitted" in log
    # One transaction for the opportunity, whichever path took it (a trade per opportunity is
    # the schema's; the queues may take another cycle of the block, simulated at the head).
    assert trade.tx_hashes == [trade.tx_hash]
