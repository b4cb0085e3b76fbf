"""The execute worker and the block watcher killed with SIGKILL at random points during
executions (issue 15): zero double sends and zero lost trades, checked against the chain.

(a) A real Celery worker (solo pool: the task runs in the worker's own process) on the execute
    queue executes trades the test approves through the product's functions (sync, scan,
    choice, approval), two at a time; at a random moment within one execution the worker is
    killed and started again. Recovery is the product's: the reconciler's beat task
    (`reconcile_chain`, queued as beat would) on the restarted worker executes the approved
    trades whose task died with the worker, sends those left signed and confirms the rest.
(b) The block watcher with the fast lane (`manage.py watch_blocks --ws-url ... --fast-lane`)
    trades a mispricing pushed in a block; at a random moment within that execution it is
    killed, started again, and the product's recovery runs (`reconcile`: trades left signed
    are sent, nonces checked, the confirm pass).

The first start of each is cold (a new interpreter); the restarts are forked from a process
that has loaded Python, Django and the product once, and run the same command (see
tests/integration/processes.py): a cold start costs seconds of CPU on a loaded machine, which
fifty restarts could not afford within the suite's time.

Afterwards the product's recovery runs once more, then the chain is read block by block: the
bot's account used every nonce from the start to its final nonce exactly once; every one of
its mined transactions belongs to exactly one trade (by hash, replacements included) or is a
cancellation the reconciler recorded; no trade has two transactions mined, nor one with
another nonce than its own; every trade ended CONFIRMED, FAILED, DROPPED or REJECTED with a
reason; and the profit booked equals the executor's balance change, token by token, to the wei.

The kill delays come from a seeded RNG (ARBX_KILL_SEED); `pytest -s` prints each kill and the
figures.
"""

from __future__ import annotations

import os
import random
import statistics
import subprocess
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, cast

import pytest
import redis
from django.conf import settings
from web3.exceptions import ContractLogicError

from accounts.audit import AuditAction
from accounts.models import AuditEvent
from arbitrage.chain.client import ChainClient
from arbitrage.localnet.anvil import DEV_ACCOUNTS, Anvil
from arbitrage.localnet.market import Deployer, LocalMarket
from arbitrage.models import Chain, Trade
from arbitrage.pipeline import loop as pipeline
from arbitrage.pipeline.reconcile import reconcile
from arbitrage.services.control import control_for
from arbitrage.tasks import execute_trade, reconcile_chain
from tests.integration.pipeline_helpers import balances, push_price
from tests.integration.processes import (
    Forked,
    ForkServer,
    block_watcher,
    celery_worker,
    kill,
    product_env,
    stop,
    wait_for,
    wait_for_text,
    watcher_server,
    worker_server,
)

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

ACCOUNT = DEV_ACCOUNTS[0]  # the bot's account (anvil's first development key)
SEED = int(os.environ.get("ARBX_KILL_SEED", "15"))
WORKER_KILLS = int(os.environ.get("ARBX_KILLS_WORKER", "22"))  # each recovered before the next
BURST_KILLS = int(os.environ.get("ARBX_KILLS_BURST", "6"))  # then kills in a row, recovered after
WATCHER_KILLS = int(os.environ.get("ARBX_KILLS_WATCHER", "22"))
FINAL = frozenset(
    {Trade.State.CONFIRMED, Trade.State.FAILED, Trade.State.DROPPED, Trade.State.REJECTED}
)
RECOVERY_SECONDS = 30.0  # a kill not recovered from within this is a failure


@dataclass
class Ledger:
    """The chain as the test found it: the head, the bot's nonce, the executor's balances."""

    block: int
    nonce: int
    balances: dict[str, int]


@dataclass
class Figures:
    kills: Counter[str] = field(default_factory=Counter)
    at: Counter[str] = field(default_factory=Counter)  # the least advanced trade at each kill
    states: Counter[str] = field(default_factory=Counter)  # every trade's state at the kills
    recovery: list[float] = field(default_factory=list)
    restart: list[float] = field(default_factory=list)
    cold_start: float = 0.0

    def record(self, what: str, reached: str, recovered: float, states: Counter[str]) -> None:
        self.kills[what] += 1
        self.at[reached] += 1
        self.states += states
        self.recovery.append(recovered)


def _queued(broker: redis.Redis, queue: str) -> int:
    """How many messages wait in a queue of the broker."""
    return cast(int, broker.llen(queue))


def _ledger(client: ChainClient, market: LocalMarket) -> Ledger:
    return Ledger(
        block=client.block_number(),
        nonce=client.transaction_count(ACCOUNT, "latest"),
        balances=balances(client, market),
    )


def _states(trade_ids: list[int]) -> dict[int, str]:
    return dict(Trade.objects.filter(pk__in=trade_ids).values_list("pk", "state"))


def _counted(trade_ids: list[int]) -> Counter[str]:
    return Counter(str(state) for state in _states(trade_ids).values())


def _reached(trade_ids: list[int]) -> str:
    """The least advanced state among the trades (what the kill interrupted)."""
    order = [Trade.State.APPROVED, Trade.State.SIMULATED, Trade.State.SIGNED, Trade.State.SUBMITTED]
    states = set(_states(trade_ids).values())
    least = next((str(s) for s in order if s in states), None)
    return least or ("finished" if states else "nothing recorded")


def _unfinished(chain: Chain) -> list[int]:
    return list(
        Trade.objects.filter(opportunity__chain=chain)
        .exclude(state__in=FINAL)
        .values_list("pk", flat=True)
    )


def _move_a_price(
    market: LocalMarket, client: ChainClient, trader: Deployer, rng: random.Random
) -> None:
    """Another market participant sells into a random pool for 1.5 to 4 % of its reserve."""
    for _ in range(5):
        try:
            push_price(trader, market, client, rng.choice(market.pairs), bps=rng.randint(150, 400))
            return
        except ContractLogicError:
            # One of our trades swapped in that pool between the funding and the swap and took
            # the funded tokens as its input (a pair pays out what it holds above its
            # reserves): another pool, then.
            continue
    raise AssertionError("no price moved in five tries")


def _approve_some(
    chain: Chain, market: LocalMarket, client: ChainClient, trader: Deployer, rng: random.Random
) -> list[int]:
    """A price moved in a random pool, then the product's sync, scan, choice and approval: the
    trades approved."""
    for _ in range(4):
        _move_a_price(market, client, trader, rng)
        result = pipeline.pipeline_sync(chain)
        if result.changed_pool_ids:
            found = pipeline.pipeline_scan(chain, result.changed_pool_ids, result.head)
            trade_ids = pipeline.approve(pipeline.choose_for_execution(chain, found))
            if trade_ids:
                return trade_ids
    raise AssertionError("no trade approved after four price moves")


def _recover_by_worker(broker: redis.Redis, chain: Chain, trade_ids: list[int]) -> None:
    """The reconciler's beat task queued (one at a time) until the trades have all ended."""

    def ended() -> bool:
        if all(s in FINAL for s in _states(trade_ids).values()):
            return True
        if _queued(broker, "execute") == 0:
            reconcile_chain.apply_async(args=(chain.chain_id,), queue="execute")
        return False

    wait_for(ended, timeout=RECOVERY_SECONDS, step=0.05, state=lambda: str(_states(trade_ids)))


def _recover_here(chain: Chain) -> None:
    """The product's recovery in this process: the reconciler's pass and the confirmation
    pass, until no trade is left open."""
    ctx = pipeline.execution_context(chain)

    def ended() -> bool:
        reconcile(chain, ctx, grace_seconds=0)  # trades_recover and the confirm step within
        pipeline.pipeline_confirm(chain)  # the confirmation pass the watcher queues per block
        return not _unfinished(chain)

    wait_for(ended, timeout=RECOVERY_SECONDS, step=0.05, state=lambda: str(_unfinished(chain)))


Mined = tuple[str, int, str]  # a transaction of the bot's account: hash, nonce, to


def _mined_by_account(anvil: Anvil, since_block: int) -> list[Mined]:
    """The bot's transactions mined after `since_block`, block by block."""
    mined: list[Mined] = []
    head = int(anvil.rpc("eth_blockNumber"), 16)
    for number in range(since_block + 1, head + 1):
        for tx in anvil.rpc("eth_getBlockByNumber", hex(number), True)["transactions"]:
            if tx["from"].lower() == ACCOUNT.lower():
                mined.append((tx["hash"].lower(), int(tx["nonce"], 16), (tx["to"] or "").lower()))
    return mined


def _owners(trades: list[Trade]) -> dict[str, list[int]]:
    """Each hash ever signed for a trade (replacements included): the trades that hold it."""
    owners: dict[str, list[int]] = defaultdict(list)
    for trade in trades:
        for tx_hash in {h.lower() for h in [*(trade.tx_hashes or []), trade.tx_hash] if h}:
            owners[tx_hash].append(trade.pk)
    return owners


def _reconciler_cancellations() -> set[str]:
    """Hashes of the gap-filling cancellations the reconciler sent (and recorded)."""
    return {
        str(after["tx_hash"]).lower()
        for after in AuditEvent.objects.filter(action=AuditAction.EXECUTION_RECONCILED).values_list(
            "after", flat=True
        )
        if after and after.get("tx_hash")
    }


def _trade_losses(client: ChainClient, trade: Trade, txs: list[Mined], executor: str) -> list[str]:
    """What is wrong with how a trade ended, given its transactions the chain mined."""
    if trade.state not in FINAL:
        return [f"trade {trade.pk} left {trade.state}"]
    losses = []
    if trade.state in (Trade.State.DROPPED, Trade.State.REJECTED) and not trade.error:
        losses.append(f"trade {trade.pk} {trade.state} without a reason")
    executed = [tx for tx in txs if tx[2] == executor]
    if trade.state in (Trade.State.CONFIRMED, Trade.State.FAILED):
        receipt = client.receipt(trade.tx_hash or "") if executed else None
        if receipt is None or executed[0][0] != (trade.tx_hash or "").lower():
            losses.append(f"trade {trade.pk} {trade.state} but its transaction is not mined")
        elif (int(receipt["status"]) == 1) != (trade.state == Trade.State.CONFIRMED):
            losses.append(f"trade {trade.pk} {trade.state}, receipt status {receipt['status']}")
    elif executed:
        losses.append(f"trade {trade.pk} {trade.state} ({trade.error}) but mined {txs}")
    return losses


def _check_against_chain(
    anvil: Anvil, client: ChainClient, market: LocalMarket, chain: Chain, ledger: Ledger
) -> tuple[int, int, list[str], list[str]]:
    """Trades, mined transactions, doubles and losses, from the chain's blocks and receipts."""
    doubles: list[str] = []
    losses: list[str] = []
    # Anything of the account's still pending is given a moment to be mined (anvil mines each
    # transaction as it arrives), then the chain is read.
    if not wait_for(
        lambda: (
            client.transaction_count(ACCOUNT, "pending")
            == client.transaction_count(ACCOUNT, "latest")
        ),
        timeout=3.0,
        step=0.05,
        quiet=True,
    ):
        losses.append("transactions of the account are left pending")
    final_nonce = client.transaction_count(ACCOUNT, "latest")
    mined = _mined_by_account(anvil, ledger.block)
    nonces = sorted(nonce for _, nonce, _ in mined)
    if nonces != list(range(ledger.nonce, final_nonce)):
        doubles.append(f"nonces mined {nonces}, expected {ledger.nonce}..{final_nonce - 1}")
    trades = list(
        Trade.objects.filter(opportunity__chain=chain).select_related("opportunity__start_token")
    )
    owners = _owners(trades)
    cancellations = _reconciler_cancellations()
    by_trade: dict[int, list[Mined]] = defaultdict(list)
    for tx_hash, nonce, to in mined:
        ids = owners.get(tx_hash, [])
        if len(ids) > 1:
            doubles.append(f"transaction {tx_hash} belongs to trades {ids}")
        elif ids:
            by_trade[ids[0]].append((tx_hash, nonce, to))
        elif tx_hash not in cancellations:
            doubles.append(f"transaction {tx_hash} (nonce {nonce}, to {to}) belongs to no trade")
    booked: dict[str, int] = defaultdict(int)
    for trade in trades:
        txs = by_trade.get(trade.pk, [])
        if len(txs) > 1:
            doubles.append(f"trade {trade.pk} has {len(txs)} transactions mined: {txs}")
        if txs and txs[0][1] != trade.nonce:
            doubles.append(f"trade {trade.pk} (nonce {trade.nonce}) mined with nonce {txs[0][1]}")
        losses += _trade_losses(client, trade, txs, market.executor.lower())
        if trade.state == Trade.State.CONFIRMED:
            booked[trade.opportunity.start_token.address.lower()] += int(trade.realized_profit or 0)
    after = balances(client, market)
    for token, before in ledger.balances.items():
        change = after[token] - before
        if change != booked.get(token.lower(), 0):
            losses.append(f"token {token}: booked {booked.get(token.lower(), 0)}, chain {change}")
    return len(trades), len(mined), doubles, losses


def _report(
    title: str, figures: Figures, trades: int, mined: int, doubles: list[str], losses: list[str]
) -> None:
    recovery = figures.recovery or [0.0]
    states = Counter(Trade.objects.values_list("state", flat=True))
    print(f"\n== {title}")
    print(f"kills: {sum(figures.kills.values())} {dict(figures.kills)}")
    print(f"kill points (least advanced trade at each kill): {dict(figures.at)}")
    print(f"trades' states at the kills: {dict(figures.states)}")
    print(f"trades: {trades} {dict(states)}; transactions mined by the account: {mined}")
    print(f"doubles: {len(doubles)} {doubles}")
    print(f"losses: {len(losses)} {losses}")
    print(
        f"time to recover after a kill: median {statistics.median(recovery):.2f} s,"
        f" max {max(recovery):.2f} s"
    )
    print(f"first (cold) start until ready: {figures.cold_start:.2f} s; restarts forked")
    if figures.restart:
        print(
            f"time to trade again after a kill: median {statistics.median(figures.restart):.2f} s,"
            f" max {max(figures.restart):.2f} s"
        )


class Restarting:
    """A product process killed and started again: the first start cold (a new interpreter),
    each restart forked from a server that has loaded Python, Django and the product once
    (tests/integration/processes.py), so that a restart costs what the command itself does,
    not an interpreter's boot. Each start logs to its own file."""

    def __init__(
        self,
        name: str,
        logs: Path,
        cold: Callable[[IO[bytes]], subprocess.Popen[bytes]],
        server: Callable[[], ForkServer],
        ready_text: str,
    ) -> None:
        self.name, self.logs, self.ready_text = name, logs, ready_text
        self.make_cold, self.make_server = cold, server
        self.starts = 0
        self.cold: subprocess.Popen[bytes] | None = None
        self.forked: Forked | None = None
        self.server: ForkServer | None = None
        self.log = logs / f"{name}-0.log"

    def _next_log(self) -> Path:
        self.starts += 1
        self.log = self.logs / f"{self.name}-{self.starts}.log"
        return self.log

    def start(self) -> None:
        with self._next_log().open("wb") as out:
            self.cold = self.make_cold(out)
        self.server = self.make_server()  # boots while the cold one runs

    def kill(self) -> None:
        if self.forked is not None:
            self.forked.kill()
        elif self.cold is not None:
            kill(self.cold)

    def restart(self) -> None:
        assert self.server is not None
        self.forked = self.server.fork(self._next_log())

    def ready(self, timeout: float = 60.0) -> None:
        assert wait_for_text(self.log, self.ready_text, timeout=timeout), self.tail()

    def tail(self) -> str:
        return self.log.read_text(errors="replace")[-3000:]

    def stop(self) -> None:
        if self.cold is not None:
            stop(self.cold)
        if self.server is not None:
            self.server.stop()


# -- (a) the execute worker ---------------------------------------------------------------------
def _execute_worker(logs: Path) -> Restarting:
    """A solo worker on the execute queue (it runs the task in its own process: the kill meets
    the execution), its reconciler's grace for approved trades 0.3 s."""
    env = product_env(ARBX_RECONCILE_GRACE_SECONDS="0.3")
    options = ("-P", "solo")
    return Restarting(
        "worker",
        logs,
        cold=lambda out: celery_worker(
            "execute", *options, env=env, loglevel="INFO", stdout=out, stderr=subprocess.STDOUT
        ),
        server=lambda: worker_server("execute", *options, env=env, loglevel="INFO"),
        ready_text=" ready.",
    )


def test_the_execute_worker_killed_at_random_points(
    local_chain, live, market, client, trader, anvil, tmp_path
):
    rng = random.Random(SEED)
    broker = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    broker.flushdb()
    control = control_for(chain=local_chain)
    control.max_trades_in_flight = 2  # a kill meets up to two executions
    control.save(update_fields=["max_trades_in_flight"])
    ledger = _ledger(client, market)
    figures = Figures()
    worker = _execute_worker(tmp_path)
    began = time.monotonic()
    worker.start()
    try:
        worker.ready()
        figures.cold_start = time.monotonic() - began
        # Executions unkilled (the first pays for warming up): the window of the kill delays.
        for _ in range(2):
            trade_ids = _approve_some(local_chain, market, client, trader, rng)
            sent = time.monotonic()
            for trade_id in trade_ids:
                execute_trade.apply_async(args=(trade_id, local_chain.pk), queue="execute")
            wait_for(
                lambda ids=trade_ids: _reached(ids) in ("finished", Trade.State.SUBMITTED),
                timeout=RECOVERY_SECONDS,
                step=0.01,
            )
            window = max(0.1, 1.3 * (time.monotonic() - sent))
            _recover_by_worker(broker, local_chain, trade_ids)
        print(f"\nexecution window {window:.3f} s (seed {SEED})")
        for number in range(1, WORKER_KILLS + 1):
            trade_ids = _approve_some(local_chain, market, client, trader, rng)
            delay = rng.uniform(0.0, window)
            for trade_id in trade_ids:
                execute_trade.apply_async(args=(trade_id, local_chain.pk), queue="execute")
            time.sleep(delay)
            worker.kill()
            killed = time.monotonic()
            reached, at_kill = _reached(trade_ids), _counted(trade_ids)
            worker.restart()
            _recover_by_worker(broker, local_chain, trade_ids)
            recovered = time.monotonic() - killed
            figures.record("worker", reached, recovered, at_kill)
            print(
                f"kill {number:2d}: worker after {delay:.3f} s, trades {trade_ids} at {reached};"
                f" ended {sorted(_states(trade_ids).values())} in {recovered:.2f} s"
            )
        _burst(worker, broker, local_chain, market, client, trader, rng, window, figures)
    finally:
        worker.stop()
        broker.flushdb()
    _recover_here(local_chain)  # the recovery once more, in this process: nothing left to do
    trades, mined, doubles, losses = _check_against_chain(
        anvil, client, market, local_chain, ledger
    )
    _report(
        f"execute worker killed with SIGKILL ({time.monotonic() - began:.0f} s)",
        figures,
        trades,
        mined,
        doubles,
        losses,
    )
    assert sum(figures.kills.values()) == WORKER_KILLS + BURST_KILLS
    assert not doubles
    assert not losses
    assert figures.at[Trade.State.SIGNED] + figures.at[Trade.State.APPROVED] > 0


def _burst(
    worker: Restarting,
    broker: redis.Redis,
    chain: Chain,
    market: LocalMarket,
    client: ChainClient,
    trader: Deployer,
    rng: random.Random,
    window: float,
    figures: Figures,
) -> None:
    """Kills in a burst: the worker restarted each time but no reconciler between them, so that
    what one kill leaves behind meets the next executions (a nonce above one signed and never
    sent, approved trades whose task died, blocks passing their deadlines); then the
    reconciler's beat task until every trade of the burst has ended."""
    control = control_for(chain=chain)
    control.max_trades_in_flight = 2 * BURST_KILLS  # what is stuck must not stop the burst
    control.save(update_fields=["max_trades_in_flight"])
    burst: list[tuple[float, str, Counter[str]]] = []
    trades: list[int] = []
    for number in range(WORKER_KILLS + 1, WORKER_KILLS + BURST_KILLS + 1):
        trade_ids = _approve_some(chain, market, client, trader, rng)
        trades += trade_ids
        delay = rng.uniform(0.0, window)
        for trade_id in trade_ids:
            execute_trade.apply_async(args=(trade_id, chain.pk), queue="execute")
        time.sleep(delay)
        worker.kill()
        burst.append((time.monotonic(), _reached(trade_ids), _counted(trade_ids)))
        worker.restart()
        worker.ready()  # the next kill meets executions, not a worker starting
        print(
            f"kill {number:2d}: worker (burst) after {delay:.3f} s, trades {trade_ids}"
            f" at {burst[-1][1]}; left {sorted(_states(trade_ids).values())}"
        )
    _recover_by_worker(broker, chain, trades)
    ended = time.monotonic()
    for killed, reached, at_kill in burst:
        figures.record("worker (burst)", reached, ended - killed, at_kill)
    print(
        f"burst of {BURST_KILLS} kills recovered {ended - burst[-1][0]:.2f} s after the last:"
        f" {dict(Counter(_states(trades).values()))}"
    )


# -- (b) the block watcher with the fast lane ---------------------------------------------------
def _fast_lane_watcher(chain: Chain, anvil: Anvil, logs: Path) -> Restarting:
    """`manage.py watch_blocks --chain-id <chain> --ws-url <anvil> --fast-lane`."""
    options = ("--ws-url", anvil.url.replace("http://", "ws://"), "--fast-lane")
    return Restarting(
        "watcher",
        logs,
        cold=lambda out: block_watcher(
            chain.chain_id, *options, stdout=out, stderr=subprocess.STDOUT
        ),
        server=lambda: watcher_server(chain.chain_id, *options),
        ready_text="watching chain",
    )


def _lane_ready(watcher: Restarting, chain: Chain, anvil: Anvil, broker: redis.Redis) -> None:
    """The watcher started and its fast lane warm: the database synced to the head (as the sync
    worker would do), then an empty block mined, until the watcher has queued that block's
    sync (its lane takes a block before queueing it, and takes it up from the rows synced to
    its parent)."""
    watcher.ready()

    def took_a_block() -> bool:
        pipeline.pipeline_sync(chain)
        queued = _queued(broker, "sync")
        anvil.mine(1)
        return bool(wait_for(lambda: _queued(broker, "sync") > queued, 2.0, 0.02, quiet=True))

    assert wait_for(took_a_block, timeout=60, step=0.0), watcher.tail()


def test_the_watcher_killed_at_random_points(
    local_chain, live, market, client, trader, anvil, tmp_path
):
    rng = random.Random(SEED + 1)
    broker = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    broker.flushdb()
    ledger = _ledger(client, market)
    figures = Figures()
    watcher = _fast_lane_watcher(local_chain, anvil, tmp_path)
    began = time.monotonic()
    watcher.start()

    def since(first: int) -> list[int]:
        return list(Trade.objects.filter(pk__gt=first).values_list("pk", flat=True))

    def last_id() -> int:
        return Trade.objects.order_by("-pk").values_list("pk", flat=True).first() or 0

    def mispriced() -> None:
        _move_a_price(market, client, trader, rng)

    try:
        _lane_ready(watcher, local_chain, anvil, broker)
        figures.cold_start = time.monotonic() - began
        _recover_here(local_chain)  # what the lane traded of the seeded market while warming
        # One execution unkilled: the window the kill delays are drawn from.
        first = last_id()
        mispriced()
        moved = time.monotonic()
        wait_for(
            lambda: since(first) and _reached(since(first)) in ("finished", Trade.State.SUBMITTED),
            timeout=10,
            step=0.01,
        )
        window = max(0.05, 1.3 * (time.monotonic() - moved))
        _recover_here(local_chain)
        print(f"\nexecution window {window:.3f} s (seed {SEED + 1})")
        for number in range(1, WATCHER_KILLS + 1):
            first = last_id()
            mispriced()
            delay = rng.uniform(0.0, window)
            time.sleep(delay)
            watcher.kill()
            killed = time.monotonic()
            trade_ids = since(first)
            reached, at_kill = _reached(trade_ids), _counted(trade_ids)
            watcher.restart()
            _recover_here(local_chain)
            recovered = time.monotonic() - killed
            figures.record("watcher", reached, recovered, at_kill)
            _lane_ready(watcher, local_chain, anvil, broker)
            figures.restart.append(time.monotonic() - killed)
            print(
                f"kill {number:2d}: watcher after {delay:.3f} s, trades {trade_ids} at {reached};"
                f" ended {sorted(_states(trade_ids).values())} in {recovered:.2f} s,"
                f" lane warm again after {figures.restart[-1]:.2f} s"
            )
    finally:
        watcher.stop()
        broker.flushdb()
    _recover_here(local_chain)
    trades, mined, doubles, losses = _check_against_chain(
        anvil, client, market, local_chain, ledger
    )
    _report(
        f"block watcher (fast lane) killed with SIGKILL ({time.monotonic() - began:.0f} s)",
        figures,
        trades,
        mined,
        doubles,
        losses,
    )
    assert sum(figures.kills.values()) == WATCHER_KILLS
    assert not doubles
    assert not losses
    assert figures.at[Trade.State.SIGNED] > 0  # killed between the record and the send's
