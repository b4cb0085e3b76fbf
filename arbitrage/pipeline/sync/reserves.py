"""Reserves: read with getReserves for a pool seen for the first time (a cold start), kept
current from Sync logs after that; every change also stored as reserve history."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Any

from django.db import connection
from django.utils import timezone
from eth_utils.address import to_checksum_address

from arbitrage.chain import abi
from arbitrage.chain.client import BlockHeader, ChainClient
from arbitrage.models import Chain, Pool, ReserveSnapshot
from arbitrage.pipeline.sync.blocks import block_time
from arbitrage.pipeline.sync.logs import newest_reserves, sync_reserves
from arbitrage.services.market import pool_update

logger = logging.getLogger(__name__)


def cold_start(client: ChainClient, pools: list[Pool], head: BlockHeader) -> list[int]:
    """Read these pools' reserves at the head. A pool whose getReserves reverts (or answers
    nothing a pair would) is deactivated, the reason recorded and audited: that is evidence.
    A call that failed otherwise (a rate limit, a timeout, after the client's retries) is
    no evidence: the pool is left as it was, and read again at the next sync."""
    results, unknown = client.call_batch_partial(
        [(p.address, abi.GET_RESERVES) for p in pools], head.number
    )
    changed, snapshots = [], []
    for index, (pool, raw) in enumerate(zip(pools, results, strict=True)):
        if index in unknown:
            logger.warning("getReserves of pool %s unanswered: read again next sync", pool.address)
            continue
        reserves = abi.decode_reserves(raw)
        if reserves is None:
            pool_deactivate(
                pool,
                f"getReserves {'reverted' if raw is None else 'gave no reserves'}"
                f" at block {head.number} (sync)",
            )
            continue
        pool.reserve0, pool.reserve1 = reserves
        pool.last_synced_block = head.number
        changed.append(pool)
        snapshots.append(
            ReserveSnapshot(
                pool=pool,
                block_number=head.number,
                block_hash=head.hash,
                reserve0=reserves[0],
                reserve1=reserves[1],
                timestamp=block_time(head),
            )
        )
    _save_reserves(changed, head.number)
    _save_snapshots(snapshots)
    return [p.pk for p in changed]


def pool_deactivate(pool: Pool, reason: str) -> None:
    """Take a pool out of the market on evidence: through the one service that changes a
    pool's activation (versioned, audited, announced to every process), the reason kept."""
    logger.warning("pool %s deactivated: %s", pool.address, reason)
    pool_update(pool=pool, active=False, inactive_reason=reason[:255])


def _save_snapshots(snapshots: Iterable[ReserveSnapshot]) -> None:
    ReserveSnapshot.objects.bulk_create(
        list(snapshots),
        update_conflicts=True,
        unique_fields=["pool", "block_number"],
        update_fields=["reserve0", "reserve1", "block_hash", "timestamp"],
    )


def sync_logs_apply(
    chain: Chain,
    client: ChainClient,
    logs: list[Any],
    head: BlockHeader,
    hand_on: Callable[[dict[int, tuple[int, int]]], None] | None = None,
) -> tuple[list[int], list[BlockHeader]]:
    """Apply Sync logs; returns the changed pools and the headers of the blocks they came from
    (other than the head), for the caller to record with the head in one statement. The
    pools' final reserves go to `hand_on` before anything is written."""
    addresses = {str(to_checksum_address(str(log["address"]))) for log in logs}
    by_address = {
        p.address.lower(): p
        for p in Pool.objects.filter(
            chain=chain, address__in=addresses, last_synced_block__isnull=False
        )
    }
    latest, _ = sync_reserves(logs, {address: p.pk for address, p in by_address.items()})
    if not latest:
        return [], []
    final = newest_reserves(latest)
    if hand_on is not None:
        hand_on(final)
    others = sorted({block for _, block in latest} - {head.number})
    headers = {**client.blocks(others), head.number: head}
    _save_snapshots(
        ReserveSnapshot(
            pool_id=pool_id,
            block_number=block,
            block_hash=block_hash,
            reserve0=r0,
            reserve1=r1,
            timestamp=block_time(headers.get(block) or head),
        )
        for (pool_id, block), (r0, r1, block_hash) in latest.items()
    )
    pools = [pool for pool in by_address.values() if pool.pk in final]
    for pool in pools:
        pool.reserve0, pool.reserve1 = final[pool.pk]
        pool.last_synced_block = head.number
    _save_reserves(pools, head.number)
    return sorted(final), [headers[n] for n in others if n in headers]


def _save_reserves(pools: list[Pool], block: int) -> None:
    """Write new reserves in one statement. On PostgreSQL an UPDATE ... FROM (VALUES ...): the
    ORM's bulk_update builds a CASE expression per row and column, several milliseconds of
    Python per block on the hot path."""
    if not pools:
        return
    if connection.vendor != "postgresql":
        Pool.objects.bulk_update(pools, ["reserve0", "reserve1", "last_synced_block"])
        return
    amount = Pool._meta.get_field("reserve0")
    params: list[Any] = []
    for pool in pools:
        params += [
            pool.pk,
            amount.get_db_prep_value(pool.reserve0, connection),
            amount.get_db_prep_value(pool.reserve1, connection),
        ]
    with connection.cursor() as cursor:
        cursor.execute(reserves_update_sql(len(pools)), [block, timezone.now(), *params])


def reserves_update_sql(rows: int) -> str:
    """The UPDATE of `rows` pools' reserves (parameters: the block, the time, then id,
    reserve0, reserve1 of each pool)."""
    values = ", ".join(["(%s, %s::numeric, %s::numeric)"] * rows)
    return (
        f'UPDATE "{Pool._meta.db_table}" AS p SET reserve0 = v.r0, reserve1 = v.r1, '  # noqa: S608 - table name from the model, values bound
        f"last_synced_block = %s, updated_at = %s "
        f"FROM (VALUES {values}) AS v(id, r0, r1) WHERE p.id = v.id"
    )
