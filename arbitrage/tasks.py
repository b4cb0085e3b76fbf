"""Celery tasks: thin wrappers over arbitrage.services.pipeline, one queue per stage.

Arguments are ids and public chain facts of the block at hand (its header, its gas prices,
never secrets): each task reads the current state from the database and the chain.
"""

from __future__ import annotations

import logging

from celery import shared_task

from arbitrage.chain.client import header_from_rpc
from arbitrage.models import Chain
from arbitrage.services import pipeline
from arbitrage.services.control import control_for

logger = logging.getLogger(__name__)


def _chain(chain_id: int) -> Chain | None:
    return Chain.objects.filter(chain_id=chain_id, active=True).first()


@shared_task(name="arbitrage.tasks.sync_chain", acks_late=True)
def sync_chain(chain_id: int, head: dict[str, str] | None = None) -> dict[str, object]:
    """Sync the chain; `head` is the header the node pushed to the block watcher."""
    chain = _chain(chain_id)
    if chain is None:
        return {"skipped": "unknown or inactive chain"}
    result = pipeline.pipeline_sync(chain, header_from_rpc(head) if head else None)
    if result.changed_pool_ids:
        scan_chain.apply_async(
            args=(
                chain_id,
                result.changed_pool_ids,
                result.head,
                result.base_fee_per_gas,
                result.priority_fee,
            ),
            queue="scan",
        )
    return {"head": result.head, "changed": len(result.changed_pool_ids)}


@shared_task(name="arbitrage.tasks.scan_chain", acks_late=True)
def scan_chain(
    chain_id: int,
    pool_ids: list[int],
    block_number: int,
    base_fee: int | None = None,
    tip: int | None = None,
) -> dict[str, object]:
    chain = _chain(chain_id)
    if chain is None:
        return {"skipped": "unknown or inactive chain"}
    control = control_for(chain=chain)  # read once for the scan and the choice
    found = pipeline.pipeline_scan(chain, pool_ids, block_number, base_fee, tip, control=control)
    chosen = pipeline.choose_for_execution(chain, found, settle=True, control=control)
    trade_ids = pipeline.approve(chosen)
    for trade_id in trade_ids:
        execute_trade.apply_async(args=(trade_id,), queue="execute")
    return {"opportunities": len(found), "trades": trade_ids}


@shared_task(name="arbitrage.tasks.execute_trade", acks_late=True)
def execute_trade(trade_id: int) -> dict[str, object]:
    from arbitrage.models import Trade

    trade = Trade.objects.select_related("opportunity__chain").get(pk=trade_id)
    trade = pipeline.pipeline_execute(trade.opportunity.chain, trade_id)
    return {"trade": trade_id, "state": trade.state}


@shared_task(name="arbitrage.tasks.execute_confirm", acks_late=True)
def execute_confirm(chain_id: int) -> dict[str, object]:
    chain = _chain(chain_id)
    if chain is None:
        return {"skipped": "unknown or inactive chain"}
    return {"recovered": pipeline.pipeline_confirm(chain)}
