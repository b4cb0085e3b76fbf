"""Celery tasks: thin wrappers over arbitrage.pipeline.loop, one queue per stage.

Arguments are ids and public chain facts of the block at hand (its header, its gas prices,
never secrets): each task reads the current state from the database and the chain.

Every task here is idempotent (each step checks the state it expects under a row lock; see
execute.py), so each one acknowledges late and goes back to its queue when its worker is lost
(`acks_late`, `reject_on_worker_lost`: for idempotent tasks only); each has a soft and a hard
time limit, both below the broker's visibility timeout (docs/resilience.md). A task hands on
to the next stage through the one bounded hand-off (core/handoff.py): a publish
the broker does not take within its timeout is kept and published again when the broker
answers, and never holds the worker.
"""

from __future__ import annotations

import logging

from celery import shared_task

from arbitrage.chain.client import header_from_rpc
from arbitrage.models import Chain
from arbitrage.pipeline import loop as pipeline
from arbitrage.pipeline.sync import EarlyChanges
from arbitrage.services.control import control_for
from core.handoff import Message, send

logger = logging.getLogger(__name__)


def _chain(chain_id: int) -> Chain | None:
    return Chain.objects.filter(chain_id=chain_id, active=True).first()


@shared_task(
    name="arbitrage.tasks.sync_chain",
    soft_time_limit=120,
    time_limit=150,
    acks_late=True,
    reject_on_worker_lost=True,
)
def sync_chain(chain_id: int, head: dict[str, str] | None = None) -> dict[str, object]:
    """Sync the chain; `head` is the header the node pushed to the block watcher. A steady
    block's new reserves go on to the scan as soon as they are read (the sync then records
    them); anything else that changed (cold starts, a rewind) is scanned after the commit."""
    chain = _chain(chain_id)
    if chain is None:
        return {"skipped": "unknown or inactive chain"}

    def hand_on(changes: EarlyChanges) -> None:
        args = (
            chain_id,
            sorted(changes.reserves),
            changes.head,
            changes.base_fee_per_gas,
            changes.priority_fee,
            [[pool, r0, r1] for pool, (r0, r1) in sorted(changes.reserves.items())],
            changes.mined,
        )
        send(Message(SCAN_TASK, args, queue="scan"), wait=True)

    result = pipeline.pipeline_sync(chain, header_from_rpc(head) if head else None, hand_on)
    rest = sorted(set(result.changed_pool_ids) - set(result.handed_on))
    if rest:
        args = (chain_id, rest, result.head, result.base_fee_per_gas, result.priority_fee)
        send(Message(SCAN_TASK, args, queue="scan"), wait=True)
    return {"head": result.head, "changed": len(result.changed_pool_ids)}


SCAN_TASK = "arbitrage.tasks.scan_chain"
EXECUTE_TASK = "arbitrage.tasks.execute_trade"


@shared_task(
    name=SCAN_TASK,
    soft_time_limit=30,
    time_limit=45,
    acks_late=True,
    reject_on_worker_lost=True,
)
def scan_chain(  # noqa: PLR0917 - a task takes its arguments as queued, positionally
    chain_id: int,
    pool_ids: list[int],
    block_number: int,
    base_fee: int | None = None,
    tip: int | None = None,
    reserves: list[list[int]] | None = None,
    mined: list[str] | None = None,
) -> dict[str, object]:
    """Scan the changed pools. `reserves` ([pool, reserve0, reserve1], from the block's logs)
    come ahead of the sync's commit, and `mined` names our transactions that block executed."""
    chain = _chain(chain_id)
    if chain is None:
        return {"skipped": "unknown or inactive chain"}
    control = control_for(chain=chain)  # read once for the scan and the choice
    found = pipeline.pipeline_scan(
        chain,
        pool_ids,
        block_number,
        base_fee,
        tip,
        control=control,
        reserves={pool: (r0, r1) for pool, r0, r1 in reserves} if reserves else None,
    )
    chosen = pipeline.choose_for_execution(
        chain, found, settle=True, control=control, mined=set(mined or ())
    )
    trade_ids = pipeline.approve(chosen)
    for trade_id in trade_ids:
        # Not taken by the broker: the trade stays approved, and the reconciler's approved
        # pass executes (or expires) it if the outbox cannot publish it in time.
        send(Message(EXECUTE_TASK, (trade_id, chain.pk), queue="execute"), wait=True)
    return {"opportunities": len(found), "trades": trade_ids}


@shared_task(
    name=EXECUTE_TASK,
    soft_time_limit=30,
    time_limit=45,
    acks_late=True,
    reject_on_worker_lost=True,
)
def execute_trade(trade_id: int, chain_id: int | None = None) -> dict[str, object]:
    """Execute a trade. The scan names its chain (`chain_id`, the Chain row's primary key), so
    a worker that already holds the chain's client reads nothing before the trade's lock."""
    from arbitrage.models import Trade

    if chain_id is None:
        chain_id = Trade.objects.values_list("opportunity__chain_id", flat=True).get(pk=trade_id)
    trade = pipeline.pipeline_execute_on(chain_id, trade_id)
    return {"trade": trade_id, "state": trade.state}


@shared_task(
    name="arbitrage.tasks.execute_confirm",
    soft_time_limit=30,
    time_limit=45,
    acks_late=True,
    reject_on_worker_lost=True,
)
def execute_confirm(chain_id: int) -> dict[str, object]:
    chain = _chain(chain_id)
    if chain is None:
        return {"skipped": "unknown or inactive chain"}
    return {"recovered": pipeline.pipeline_confirm(chain)}


@shared_task(
    name="arbitrage.tasks.reconcile_chain",
    soft_time_limit=60,
    time_limit=90,
    acks_late=True,
    reject_on_worker_lost=True,
)
def reconcile_chain(chain_id: int) -> dict[str, object]:
    """Compare every trade in flight with the chain and repair the rows (see reconcile.py)."""
    from arbitrage.pipeline.reconcile import reconcile

    chain = _chain(chain_id)
    if chain is None:
        return {"skipped": "unknown or inactive chain"}
    return reconcile(chain).as_dict()
