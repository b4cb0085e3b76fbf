"""Reorgs: find the newest recorded block still on the chain and forget everything after it."""

from __future__ import annotations

import logging

from arbitrage.chain.client import ChainClient
from arbitrage.models import BlockRecord, Chain, Dex, Pool, ReserveSnapshot
from arbitrage.pipeline.execute import trades_rewind
from arbitrage.pipeline.sync.blocks import BLOCK_HISTORY

logger = logging.getLogger(__name__)


def common_ancestor(chain: Chain, client: ChainClient) -> int | None:
    """The newest recorded block still on the chain, or None when every record is stale."""
    records = list(BlockRecord.objects.filter(chain=chain).order_by("-number")[:BLOCK_HISTORY])
    on_chain = client.blocks([r.number for r in records])
    for record in records:
        header = on_chain.get(record.number)
        if header is not None and header.hash == record.hash:
            return record.number
    return None


def chain_rewind(*, chain: Chain, to_block: int | None) -> list[int]:
    """Forget everything synced after `to_block` (None: everything); returns affected pool ids."""
    after = -1 if to_block is None else to_block
    affected = set(
        ReserveSnapshot.objects.filter(pool__chain=chain, block_number__gt=after).values_list(
            "pool_id", flat=True
        )
    )
    ReserveSnapshot.objects.filter(pool__chain=chain, block_number__gt=after).delete()
    BlockRecord.objects.filter(chain=chain, number__gt=after).delete()
    for pool in Pool.objects.filter(pk__in=affected):
        previous = pool.snapshots.filter(block_number__lte=after).order_by("-block_number").first()
        if previous is None:
            pool.last_synced_block = None  # re-read with getReserves
        else:
            pool.reserve0, pool.reserve1 = previous.reserve0, previous.reserve1
            pool.last_synced_block = to_block
        pool.save(update_fields=["reserve0", "reserve1", "last_synced_block", "updated_at"])
    Pool.objects.filter(chain=chain, last_synced_block__gt=after).update(last_synced_block=to_block)
    Dex.objects.filter(chain=chain, discovered_to_block__gt=after).update(
        discovered_to_block=to_block
    )
    trades_rewind(chain=chain, after_block=after)
    logger.warning("reorg: rewound chain %s to block %s", chain.chain_id, to_block)
    return sorted(affected)
