"""A run-time configuration change reaches every process within two seconds, without a
restart: a running Celery worker (a real worker subprocess) and a running fast lane, through
the Redis notification and, with the notification lost, through the database epoch; a change
made while Redis hangs is neither blocked nor failed. And what needed an engine rebuild before
(a threshold's hop count or maximum input raised, a pool re-activated) is used by the next scan.
"""

from __future__ import annotations

import json
import socket
import subprocess
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import redis
from django.conf import settings

from arbitrage.models import ConfigEpoch, Opportunity, Pool, Trade
from arbitrage.pipeline import loop as pipeline
from arbitrage.pipeline.scan import engine_for, scan_pools
from arbitrage.services import config_bus
from arbitrage.services.control import execution_pause
from arbitrage.services.market import pool_update
from arbitrage.services.thresholds import threshold_create, threshold_update
from arbitrage.tasks import scan_chain
from config.celery_app import config_state
from tests.integration.pipeline_helpers import push_price, twin_pairs
from tests.integration.processes import celery_worker, stop, wait_for

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

LIMIT_SECONDS = 2.0


@pytest.fixture(autouse=True)
def _bus() -> Iterator[None]:
    """This process's listener stopped after each test (a lane starts it); the publisher's
    client made anew (a test may point it elsewhere)."""
    config_bus._publish_client = None
    yield
    config_bus.stop()
    config_bus._publish_client = None


class Notices:
    """From `lose()` on, the Redis notification of every change is lost (never published):
    only the database epoch tells the processes."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.monkeypatch = monkeypatch
        self.lost: list[int] = []

    def lose(self) -> None:
        def publish(epoch: int, what: str = "") -> bool:
            self.lost.append(epoch)
            return False

        self.monkeypatch.setattr(config_bus, "publish", publish)

    def keep(self) -> None:
        self.monkeypatch.undo()


@pytest.fixture
def notices(monkeypatch) -> Notices:
    return Notices(monkeypatch)


def _wait(predicate: Callable[[], Any], timeout: float, step: float = 0.02) -> Any:
    return wait_for(predicate, timeout=timeout, step=step, quiet=True)


@pytest.fixture
def scan_worker() -> Iterator[subprocess.Popen[bytes]]:
    """A real Celery worker (prefork, one child) on the scan queue."""
    redis.Redis.from_url(settings.CELERY_BROKER_URL).flushdb()
    process = celery_worker("scan", "-c", "1", "--without-heartbeat", loglevel="WARNING")
    yield process
    stop(process)


def _worker_state(timeout: float = 30.0) -> dict[str, Any] | None:
    """The worker's view of the configuration, asked through the scan queue (so it answers
    after the scans queued before it)."""
    reply_to = f"arbx:test:config-state:{uuid.uuid4().hex}"
    config_state.apply_async(args=(reply_to,), queue="scan")
    answer: Any = redis.Redis.from_url(settings.REDIS_URL).blpop([reply_to], timeout=timeout)
    state: dict[str, Any] | None = json.loads(answer[1]) if answer else None
    return state


def _pool_id(chain, pair) -> int:
    pk: int = Pool.objects.get(chain=chain, address=pair.address).pk
    return pk


def _through(chain, block: int, pool_id: int) -> Opportunity | None:
    return (
        Opportunity.objects.filter(chain=chain, block_number=block, pool_path__contains=[pool_id])
        .order_by("pk")
        .first()
    )


def _epoch() -> int:
    value = ConfigEpoch.objects.filter(name="runtime").values_list("epoch", flat=True).first()
    return value or 0


def test_a_change_reaches_a_running_worker_within_2_seconds(
    local_chain, market, client, trader, anvil, scan_worker, notices
):
    """A pool re-activated while a worker holds a warm engine without it: the worker's next
    scan finds the cycles through it, with the notification, then with the notification lost."""
    first, twin = twin_pairs(market)
    pipeline.pipeline_sync(local_chain)  # the pools discovered and read
    first_id, twin_id = _pool_id(local_chain, first), _pool_id(local_chain, twin)
    execution_pause(chain=local_chain, reason="the scans store, nothing is traded")
    pool_update(pool=Pool.objects.get(pk=twin_id), active=False, inactive_reason="test")
    push_price(trader, market, client, first, bps=300)
    pipeline.pipeline_sync(local_chain)

    def scan(block: int) -> None:
        scan_chain.apply_async(args=(local_chain.chain_id, [first_id], block, 1), queue="scan")

    figures = []
    for label in ("notification", "notification lost"):
        if label == "notification lost":
            anvil.mine(1)  # a new block to store the cycles at (the reserves are the same)
        block = client.block_number()
        # The worker scans with the twin out of its warm engine: nothing through the twin.
        scan(block)
        assert _worker_state() is not None, "the worker did not answer"
        assert _through(local_chain, block, twin_id) is None
        if label == "notification lost":
            notices.lose()
        started = time.monotonic()
        pool_update(pool=Pool.objects.get(pk=twin_id), active=True)

        def found(block: int = block) -> Opportunity | None:
            scan(block)
            return _through(local_chain, block, twin_id)

        opportunity = _wait(found, timeout=10.0, step=0.1)
        elapsed = time.monotonic() - started
        assert opportunity is not None, f"{label}: the worker never used the re-activated pool"
        figures.append((label, elapsed))
        if label == "notification":
            # Out again, for the second round: applied by the worker before it goes on.
            pool_update(pool=Pool.objects.get(pk=twin_id), active=False, inactive_reason="test")
            applied = _wait(lambda: (_worker_state() or {}).get("applied") == _epoch(), 10.0)
            assert applied, "the worker did not apply the deactivation"
    for label, elapsed in figures:
        print(
            f"\nworker: a re-activated pool used by the next scan {elapsed:.3f} s after the "
            f"change ({label}); limit {LIMIT_SECONDS} s"
        )
    assert notices.lost, "the second change was meant to lose its notification"
    assert all(elapsed < LIMIT_SECONDS for _, elapsed in figures), figures


def _lane_reloaded(lane, anvil, client, reloads: int, timeout: float = 10.0) -> float | None:
    """Blocks mined and heard by the lane, as the watcher hears them, until it has applied a
    change (its reload count above `reloads`): the seconds it took, None if it never did."""
    started = time.monotonic()

    def reloaded() -> bool:
        anvil.mine(1)
        lane.on_head(client.block("latest"))
        return bool(lane.reloads > reloads)

    return time.monotonic() - started if _wait(reloaded, timeout, step=0.05) else None


def _hear(lane, client, first_block: int) -> list[Trade]:
    """Every block from `first_block` to the head pushed to the lane; the trades it made."""
    heads = range(first_block, client.block_number() + 1)
    return [trade for number in heads for trade in lane.on_head(client.block(number))]


def test_a_change_reaches_a_running_fast_lane_within_2_seconds(
    lane, local_chain, market, client, trader, anvil, notices
):
    """A pool deactivated while the lane runs, then re-activated: the lane takes it back into
    its engine and trades through it; then the kill switch with the notification lost."""
    _, twin = twin_pairs(market)
    first, _ = twin_pairs(market)
    twin_id = _pool_id(local_chain, twin)
    anvil.mine(1)
    lane.on_head(client.block("latest"))  # running: engine built, state read
    assert lane.last is not None
    assert twin_id in engine_for(local_chain).pool_ids
    figures = []

    for label, change in (
        (
            "deactivate, notification",
            lambda: pool_update(pool=Pool.objects.get(pk=twin_id), active=False),
        ),
        (
            "re-activate, notification",
            lambda: pool_update(pool=Pool.objects.get(pk=twin_id), active=True),
        ),
    ):
        reloads = lane.reloads
        started = time.monotonic()
        change()
        elapsed = _lane_reloaded(lane, anvil, client, reloads)
        assert elapsed is not None, f"{label}: the lane never applied the change"
        figures.append((label, time.monotonic() - started))
        pipeline.pipeline_sync(local_chain)  # the queues record the blocks: the lane restarts
        anvil.mine(1)
        lane.on_head(client.block("latest"))
        assert lane.last is not None
        held = twin_id in engine_for(local_chain).pool_ids
        assert held == label.startswith("re-activate"), f"{label}: the lane's engine {held}"

    # The re-activated pool trades: the mispricing against it is the lane's.
    synced = client.block_number()
    push_price(trader, market, client, first, bps=300)
    trades = [
        t
        for n in range(synced + 1, client.block_number() + 1)
        for t in lane.on_head(client.block(n))
    ]
    assert trades, "the lane traded nothing"
    assert any(twin_id in trade.opportunity.pool_path for trade in trades), [
        trade.opportunity.pool_path for trade in trades
    ]

    # The kill switch, its notification lost: the lane hears it from the epoch.
    notices.lose()
    pipeline.pipeline_sync(local_chain)
    pipeline.pipeline_confirm(local_chain)
    reloads = lane.reloads
    started = time.monotonic()
    execution_pause(chain=local_chain, reason="incident")
    elapsed = _lane_reloaded(lane, anvil, client, reloads)
    assert elapsed is not None, "the lane never applied the kill switch"
    figures.append(("kill switch, notification lost", time.monotonic() - started))
    pipeline.pipeline_sync(local_chain)
    synced = client.block_number()
    push_price(trader, market, client, first, bps=300)
    heard = [
        t
        for n in range(synced + 1, client.block_number() + 1)
        for t in lane.on_head(client.block(n))
    ]
    assert heard == [], "the lane traded with the kill switch on"
    assert notices.lost
    for label, seconds in figures:
        print(f"\nfast lane: {label}: applied {seconds:.3f} s after the change (limit 2 s)")
    assert all(seconds < LIMIT_SECONDS for _, seconds in figures), figures


def test_a_raised_hop_count_and_max_input_are_used_by_the_next_scan(
    local_chain, market, client, trader
):
    """The warm engine is rebuilt with the thresholds' new hop count and input limit once the
    change is heard: cycles it could not see before are found, without a restart."""
    first, _ = twin_pairs(market)
    pipeline.pipeline_sync(local_chain)
    push_price(trader, market, client, first, bps=300)  # a 2-hop cycle against its twin
    pipeline.pipeline_sync(local_chain)
    threshold = threshold_create(chain=local_chain, max_hops=2)
    config_bus.start()  # this process listens, as a worker does
    config_bus.refresh()
    engine_for(local_chain)  # warm, with two hops

    def scan() -> list[Opportunity]:
        head = client.block_number()
        pools = list(Pool.objects.filter(chain=local_chain).values_list("pk", flat=True))
        return scan_pools(
            chain=local_chain, pool_ids=pools, block_number=head, gas_price_wei=1, store=False
        )

    def applied() -> bool:
        return config_bus.refresh()

    before = scan()
    assert before
    assert max(len(o.pool_path) for o in before) == 2
    started = time.monotonic()
    threshold = threshold_update(threshold=threshold, max_hops=3)
    assert _wait(applied, LIMIT_SECONDS), "the change was not heard"
    hops_seconds = time.monotonic() - started
    after = scan()
    assert max(len(o.pool_path) for o in after) == 3, "no 3-hop cycle after the raise"
    new = {o.cycle_key for o in after} - {o.cycle_key for o in before}
    assert new

    # The input limit of one start token, then raised: the next scan sizes above the old one.
    best = max(after, key=lambda o: o.amount_in)
    token = best.start_token
    cap = best.amount_in // 10
    limited = threshold_create(chain=local_chain, start_token=token, max_input=cap, max_hops=3)
    assert _wait(applied, LIMIT_SECONDS)
    capped = [o for o in scan() if o.start_token_id == token.pk]
    assert capped
    assert max(o.amount_in for o in capped) <= cap
    started = time.monotonic()
    threshold_update(threshold=limited, max_input=0)  # no limit
    assert _wait(applied, LIMIT_SECONDS)
    input_seconds = time.monotonic() - started
    freed = [o for o in scan() if o.start_token_id == token.pk]
    assert max(o.amount_in for o in freed) > cap
    print(
        f"\nengine: hop count 2 -> 3 applied in {hops_seconds:.3f} s ({len(new)} cycles found "
        f"that were not before); max input {cap} -> none applied in {input_seconds:.3f} s "
        f"(largest input now {max(o.amount_in for o in freed)})"
    )


class _FrozenServer:
    """A TCP server on loopback that accepts connections and never answers (a Redis stopped
    with SIGSTOP)."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.held: list[socket.socket] = []
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.held.append(conn)

    def close(self) -> None:
        self.sock.close()
        for conn in self.held:
            conn.close()


def test_a_change_made_while_redis_hangs_is_neither_blocked_nor_failed(local_chain, settings):
    frozen = _FrozenServer()
    try:
        settings.REDIS_URL = f"redis://127.0.0.1:{frozen.port}/0"
        threshold = threshold_create(chain=local_chain)
        epoch = _epoch()
        started = time.monotonic()
        threshold_update(threshold=threshold, max_hops=4)
        seconds = time.monotonic() - started
    finally:
        frozen.close()
    threshold.refresh_from_db()
    assert threshold.max_hops == 4
    assert _epoch() == epoch + 1  # the fallback every process polls
    print(f"\nredis frozen: the change committed in {seconds:.3f} s (publish timed out)")
    assert seconds < 1.0
