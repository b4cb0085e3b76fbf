"""What a block's logs say: pools' new reserves (Sync) and our executions (CycleExecuted).
The sync and the fast lane both read logs through these."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from arbitrage.chain import abi
from arbitrage.models import Chain, Trade
from arbitrage.pipeline.rules import IN_FLIGHT_STATES


def topic0(log: Any) -> str:
    return "0x" + bytes(log["topics"][0]).hex()


# (pool id, block number) -> (reserve0, reserve1, block hash), in block order
BlockReserves = dict[tuple[int, int], tuple[int, int, str]]


def sync_reserves(logs: list[Any], pools: Mapping[str, int]) -> tuple[BlockReserves, bool]:
    """Each pool's last reserves in each block, from the Sync logs among these (`pools`: pool
    id by lower-case address); and whether a Sync log came from a pool not in `pools`."""
    latest: BlockReserves = {}
    unknown = False
    ordered = sorted(logs, key=lambda log: (int(log["blockNumber"]), int(log["logIndex"])))
    for log in ordered:
        if topic0(log) != abi.SYNC:
            continue
        pool = pools.get(str(log["address"]).lower())
        if pool is None:
            unknown = True
            continue
        reserves = abi.decode_reserves(bytes(log["data"]))
        if reserves is None:
            continue
        latest[(pool, int(log["blockNumber"]))] = (*reserves, "0x" + bytes(log["blockHash"]).hex())
    return dict(sorted(latest.items(), key=lambda item: item[0][1])), unknown


def newest_reserves(latest: BlockReserves) -> dict[int, tuple[int, int]]:
    """Each pool's reserves after the last of these blocks."""
    return {pool: (r0, r1) for (pool, _block), (r0, r1, _hash) in latest.items()}


def our_executions(chain: Chain, logs: list[Any]) -> dict[int, list[str]]:
    """Our executor's CycleExecuted events in these logs: transaction hashes by block."""
    executor = (chain.executor_address or "").lower()
    mined: dict[int, list[str]] = {}
    for log in logs:
        if topic0(log) == abi.CYCLE_EXECUTED and str(log["address"]).lower() == executor:
            tx_hash = "0x" + bytes(log["transactionHash"]).hex()
            mined.setdefault(int(log["blockNumber"]), []).append(tx_hash)
    return mined


def note_our_executions(mined: dict[int, list[str]]) -> None:
    """The trades behind our executions are mined, so their pools' new reserves already
    include them and they stop holding those pools back (they still wait for their
    confirmations; a reorg clears the mark, see trades_rewind)."""
    for block, hashes in mined.items():
        # (tx_hash is unique, and only our own trades carry one: no join needed)
        Trade.objects.filter(
            tx_hash__in=hashes, state__in=IN_FLIGHT_STATES, block_number__isnull=True
        ).update(block_number=block)
