"""Sync: keep the database's picture of the market equal to the chain's.

One `chain_sync` call: detect and rewind a reorg (`reorg.py`), discover new pools from the
factories' `PairCreated` logs (`discovery.py`, their tokens probed in `tokens.py`), read
reserves of new pools with `getReserves` and apply the `Sync` logs since the last synced
block (`reserves.py`, the logs read by `logs.py`), record the blocks (`blocks.py`), and report
which pools changed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import transaction

from arbitrage.chain import abi
from arbitrage.chain.client import BlockHeader, ChainClient
from arbitrage.models import Chain, Dex, Pool
from arbitrage.pipeline.sync.blocks import (
    BLOCK_HISTORY,
    TRIM_EVERY,
    blocks_record,
    header_of,
    heads,
    last_block,
    reorged,
)
from arbitrage.pipeline.sync.discovery import pairs_created, pools_discover, pools_register
from arbitrage.pipeline.sync.logs import note_our_executions, our_executions, topic0
from arbitrage.pipeline.sync.reorg import chain_rewind, common_ancestor
from arbitrage.pipeline.sync.reserves import cold_start, sync_logs_apply

__all__ = [
    "BLOCK_HISTORY",
    "TRIM_EVERY",
    "EarlyChanges",
    "SyncResult",
    "chain_sync",
    "header_of",
    "last_block",
]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class EarlyChanges:
    """A steady-state block's new reserves, handed on before the sync writes them down: what
    the scan needs, straight from the node's logs. `mined` are the hashes of our own
    transactions the block's logs show executed (their trades no longer hold pools back)."""

    head: int
    base_fee_per_gas: int
    priority_fee: int | None
    reserves: dict[int, tuple[int, int]]
    mined: list[str]


@dataclass
class SyncResult:
    head: int
    base_fee_per_gas: int = 0
    # The node's suggested priority fee, read with the logs (None when no logs were read).
    priority_fee: int | None = None
    changed_pool_ids: list[int] = field(default_factory=list)
    # Pools already handed on with their new reserves (see chain_sync's `early`).
    handed_on: list[int] = field(default_factory=list)
    discovered: int = 0
    rewound_to: int | None = None


@dataclass
class _HandOn:
    """Hands a steady block's new reserves to `early` as soon as they are read."""

    early: Callable[[EarlyChanges], None]
    result: SyncResult
    base_fee_per_gas: int
    mined: list[str]

    def __call__(self, reserves: dict[int, tuple[int, int]]) -> None:
        self.early(
            EarlyChanges(
                head=self.result.head,
                base_fee_per_gas=self.base_fee_per_gas,
                priority_fee=self.result.priority_fee,
                reserves=reserves,
                mined=self.mined,
            )
        )
        self.result.handed_on = sorted(reserves)


def _apply_logs(  # noqa: PLR0917 - one caller, the sync's steps in order
    chain: Chain,
    client: ChainClient,
    head: BlockHeader,
    from_block: int,
    dexes: list[Dex],
    result: SyncResult,
    early: Callable[[EarlyChanges], None] | None,
) -> tuple[set[int], list[BlockHeader]]:
    """The logs from `from_block` to the head, in one request with the priority fee: new
    pairs of the DEXes whose discovery is current, our executions, the Sync logs. The pools
    changed, and the headers of the blocks they changed in (other than the head)."""
    logs: list[Any]
    logs, result.priority_fee = client.logs_and_tip(
        topics=[[abi.SYNC, abi.PAIR_CREATED, abi.CYCLE_EXECUTED]],
        from_block=from_block,
        to_block=head.number,
        max_range=settings.ARBX_LOG_RANGE,
    )
    created = pairs_created(logs, dexes)
    for dex, dex_logs in created.items():
        result.discovered += len(
            pools_register(chain=chain, client=client, dex=dex, logs=dex_logs, to_block=head.number)
        )
    mined = our_executions(chain, logs)
    note_our_executions(mined)
    hand_on = None
    if early is not None and result.rewound_to is None and not result.discovered:
        hashes = [h for block_hashes in mined.values() for h in block_hashes]
        hand_on = _HandOn(early, result, head.base_fee_per_gas, hashes)
    sync_logs = [log for log in logs if topic0(log) == abi.SYNC]
    synced, headers_seen = sync_logs_apply(chain, client, sync_logs, head, hand_on)
    # Every other DEX has seen no new pair up to the head: move its cursor in one go (after
    # the hand-on: bookkeeping, not on the way to the scan).
    quiet = [d.pk for d in dexes if d not in created]
    if quiet:
        Dex.objects.filter(pk__in=quiet).update(discovered_to_block=head.number)
    return set(synced), headers_seen


def chain_sync(
    *,
    chain: Chain,
    client: ChainClient,
    head: BlockHeader | None = None,
    early: Callable[[EarlyChanges], None] | None = None,
) -> SyncResult:
    """Bring the chain's pools up to the head block. One sync per chain at a time.

    In the steady state this is one request for the logs (Sync, PairCreated and our
    executor's CycleExecuted since the last synced block) with the priority fee. `head`, the
    header the node pushed, spares the request for the head and the last synced block's
    header when it is that block's child; otherwise both are read in one batch.

    `early`, in the steady state (no reorg, no pool discovered, every changed pool already
    synced), receives the block's new reserves as soon as they are read from the logs, before
    the sync writes them down and commits: the scan can start while the sync records history.
    Those pools are listed in `handed_on`; what changed otherwise (cold starts, a rewind) is
    only in `changed_pool_ids`, after the commit."""
    with transaction.atomic():
        Chain.objects.select_for_update().get(pk=chain.pk)
        previous = last_block(chain)
        headers, head = heads(client, previous, head)
        result = SyncResult(head=head.number, base_fee_per_gas=head.base_fee_per_gas)
        changed: set[int] = set()
        if reorged(previous, head, headers):
            result.rewound_to = common_ancestor(chain, client)
            changed.update(chain_rewind(chain=chain, to_block=result.rewound_to))
            previous = last_block(chain)
        dexes = list(Dex.objects.filter(chain=chain, active=True))
        # A DEX whose discovery is behind the chain's cursor (new, or after a rewind) backfills.
        lagging = [
            d
            for d in dexes
            if previous is None
            or d.discovered_to_block is None
            or d.discovered_to_block < previous.number
        ]
        for dex in lagging:
            result.discovered += len(
                pools_discover(chain=chain, client=client, dex=dex, to_block=head.number)
            )
        headers_seen: list[BlockHeader] = []
        from_block = previous.number + 1 if previous is not None else head.number + 1
        if from_block <= head.number:
            current = [d for d in dexes if d not in lagging]
            synced, headers_seen = _apply_logs(
                chain, client, head, from_block, current, result, early
            )
            changed |= synced
        cold = list(Pool.objects.filter(chain=chain, active=True, last_synced_block__isnull=True))
        if cold:
            changed.update(cold_start(client, cold, head))
        blocks_record(chain, [*headers_seen, head], previous.number if previous else None)
        result.changed_pool_ids = sorted(changed)
    logger.info(
        "sync chain %s to block %s: %s changed, %s discovered",
        chain.chain_id,
        head.number,
        len(result.changed_pool_ids),
        result.discovered,
    )
    return result
