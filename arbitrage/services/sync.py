"""Keep the database's picture of the market equal to the chain's.

One `chain_sync` call: detect and rewind a reorg, discover new pools from the factories'
`PairCreated` logs, read reserves of new pools with `getReserves`, apply the `Sync` logs
since the last synced block, store reserve history, and report which pools changed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from eth_abi.abi import encode
from eth_utils.address import to_checksum_address
from hexbytes import HexBytes

from arbitrage.chain import abi
from arbitrage.chain.artifacts import runtime_code
from arbitrage.chain.client import BlockHeader, CallRevertedError, ChainClient
from arbitrage.models import BlockRecord, Chain, Dex, Pool, ReserveSnapshot, Token, Trade
from arbitrage.services.market import pool_upsert, token_upsert

logger = logging.getLogger(__name__)

# Block records kept for reorg detection; a reorg deeper than this is re-read from scratch.
BLOCK_HISTORY = 256


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


def _address_from_topic(value: Any) -> str:
    return str(to_checksum_address("0x" + bytes(HexBytes(value))[-20:].hex()))


def _block_time(header: BlockHeader) -> datetime:
    return datetime.fromtimestamp(header.timestamp, tz=UTC)


def last_block(chain: Chain) -> BlockRecord | None:
    return BlockRecord.objects.filter(chain=chain).order_by("-number").first()


# -- reorgs ---------------------------------------------------------------------------------
def _common_ancestor(chain: Chain, client: ChainClient) -> int | None:
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
    from arbitrage.services.execute import trades_rewind

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


# -- discovery ------------------------------------------------------------------------------
def _token_metadata(client: ChainClient, addresses: list[str], block: int) -> dict[str, Any]:
    calls = []
    for address in addresses:
        calls += [(address, abi.SYMBOL), (address, abi.NAME), (address, abi.DECIMALS)]
    results = client.call_batch(calls, block)
    meta: dict[str, Any] = {}
    for i, address in enumerate(addresses):
        symbol, name, decimals = results[3 * i : 3 * i + 3]
        meta[address] = {
            "symbol": abi.decode_text(symbol),
            "name": abi.decode_text(name),
            "decimals": abi.decode_uint(decimals),
        }
    return meta


def _register_token(chain: Chain, address: str, meta: dict[str, Any]) -> Token:
    existing = Token.objects.filter(chain=chain, address=address).first()
    if existing is not None:
        return existing
    decimals = meta.get("decimals")
    if decimals is None or decimals > 255:
        # No usable decimals(): keep the token so its pools are known, but never trade it.
        token = token_upsert(
            chain=chain, address=address, symbol=meta.get("symbol", ""), decimals=0
        )
        token.is_blocked = True
        token.save(update_fields=["is_blocked", "updated_at"])
        return token
    return token_upsert(
        chain=chain,
        address=address,
        symbol=meta.get("symbol") or address[:8],
        name=meta.get("name", ""),
        decimals=int(decimals),
    )


# Where the probe sends the tokens inside the simulated call: an address no one controls.
PROBE_RECIPIENT = "0x000000000000000000000000000000000000dEaD"


def token_delivers_in_full(
    client: ChainClient, *, token: str, holder: str, block: int
) -> bool | None:
    """Simulate a transfer of part of `holder`'s balance (eth_call with our probe's code placed
    at `holder`): True if it all arrives, False if a fee was taken, None if it cannot move."""
    balance = abi.decode_uint(
        client.call_batch([(token, abi.BALANCE_OF + bytes(12) + bytes.fromhex(holder[2:]))], block)[
            0
        ]
    )
    if not balance:
        return None
    amount = max(1, balance // 1000)
    data = abi.PROBE + encode(["address", "address", "uint256"], [token, PROBE_RECIPIENT, amount])
    try:
        raw = client.call(
            {"to": holder, "data": "0x" + data.hex()},
            block,
            state_override={holder: {"code": runtime_code("TransferProbe")}},
        )
    except CallRevertedError:
        return None
    received = abi.decode_uint(raw)
    return received == amount


def _probe_new_tokens(chain: Chain, client: ChainClient, pools: list[Pool], block: int) -> None:
    """Flag fee-on-transfer tokens (excluded from cycles) and tokens that cannot be moved."""
    probed: set[int] = set()
    for pool in pools:
        for token in (pool.token0, pool.token1):
            if token.pk in probed or token.is_blocked:
                continue
            probed.add(token.pk)
            full = token_delivers_in_full(
                client, token=token.address, holder=pool.address, block=block
            )
            if full is False:
                token.is_fee_on_transfer = True
                token.save(update_fields=["is_fee_on_transfer", "updated_at"])
                logger.warning("token %s %s takes a fee on transfer", token.symbol, token.address)


def pools_discover(*, chain: Chain, client: ChainClient, dex: Dex, to_block: int) -> list[Pool]:
    """Backfill: read a DEX's PairCreated logs from where its discovery stopped."""
    start = (dex.discovered_to_block + 1) if dex.discovered_to_block is not None else 0
    if start > to_block:
        return []
    logs = client.get_logs(
        address=dex.factory_address,
        topics=[abi.PAIR_CREATED],
        from_block=start,
        to_block=to_block,
        max_range=settings.ARBX_LOG_RANGE,
    )
    return pools_register(chain=chain, client=client, dex=dex, logs=logs, to_block=to_block)


def pools_register(
    *, chain: Chain, client: ChainClient, dex: Dex, logs: list[Any], to_block: int
) -> list[Pool]:
    """Register the pools of a DEX's PairCreated logs, with their tokens, up to `to_block`."""
    created = []
    for log in logs:
        token0 = _address_from_topic(log["topics"][1])
        token1 = _address_from_topic(log["topics"][2])
        pair = str(to_checksum_address("0x" + bytes(log["data"])[12:32].hex()))
        created.append((pair, token0, token1, int(log["blockNumber"])))
    pools = []
    if created:
        unknown = sorted(
            {t for _, t0, t1, _ in created for t in (t0, t1)}
            - set(Token.objects.filter(chain=chain).values_list("address", flat=True))
        )
        meta = _token_metadata(client, unknown, to_block) if unknown else {}
        for pair, token0, token1, block in created:
            if Pool.objects.filter(chain=chain, address=pair).exists():
                continue
            pool = pool_upsert(
                dex=dex,
                address=pair,
                token0=_register_token(chain, token0, meta.get(token0, {})),
                token1=_register_token(chain, token1, meta.get(token1, {})),
            )
            pool.created_block = block
            pool.last_synced_block = None
            pool.save(update_fields=["created_block", "last_synced_block", "updated_at"])
            pools.append(pool)
        new_tokens = set(unknown)
        _probe_new_tokens(
            chain,
            client,
            [p for p in pools if {p.token0.address, p.token1.address} & new_tokens],
            to_block,
        )
    dex.discovered_to_block = to_block
    dex.save(update_fields=["discovered_to_block", "updated_at"])
    return pools


# -- reserves -------------------------------------------------------------------------------
def _cold_start(
    chain: Chain, client: ChainClient, pools: list[Pool], head: BlockHeader
) -> list[int]:
    results = client.call_batch([(p.address, abi.GET_RESERVES) for p in pools], head.number)
    changed, snapshots = [], []
    for pool, raw in zip(pools, results, strict=True):
        reserves = abi.decode_reserves(raw)
        if reserves is None:
            logger.warning("getReserves failed for pool %s: deactivated", pool.address)
            pool.active = False
            pool.save(update_fields=["active", "updated_at"])
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
                timestamp=_block_time(head),
            )
        )
    _save_reserves(changed, head.number)
    _save_snapshots(snapshots)
    return [p.pk for p in changed]


def _save_snapshots(snapshots: Iterable[ReserveSnapshot]) -> None:
    ReserveSnapshot.objects.bulk_create(
        list(snapshots),
        update_conflicts=True,
        unique_fields=["pool", "block_number"],
        update_fields=["reserve0", "reserve1", "block_hash", "timestamp"],
    )


def _apply_sync_logs(
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
    latest: dict[tuple[int, int], tuple[int, int, str]] = {}  # (pool, block) -> reserves, hash
    ordered = sorted(logs, key=lambda log: (int(log["blockNumber"]), int(log["logIndex"])))
    for log in ordered:
        pool = by_address.get(str(log["address"]).lower())
        if pool is None:
            continue
        data = bytes(log["data"])
        reserves = abi.decode_reserves(data)
        if reserves is None:
            continue
        block = int(log["blockNumber"])
        latest[(pool.pk, block)] = (*reserves, "0x" + bytes(log["blockHash"]).hex())
    if not latest:
        return [], []
    if hand_on is not None:
        newest: dict[int, tuple[int, int]] = {}
        for (pool_id, _block), (r0, r1, _hash) in sorted(latest.items(), key=lambda i: i[0][1]):
            newest[pool_id] = (r0, r1)
        hand_on(newest)
    others = sorted({block for _, block in latest} - {head.number})
    headers = {**client.blocks(others), head.number: head}
    snapshots = []
    final: dict[int, tuple[int, int, int]] = {}
    for (pool_id, block), (r0, r1, block_hash) in sorted(latest.items(), key=lambda i: i[0][1]):
        header = headers.get(block) or head
        snapshots.append(
            ReserveSnapshot(
                pool_id=pool_id,
                block_number=block,
                block_hash=block_hash,
                reserve0=r0,
                reserve1=r1,
                timestamp=_block_time(header),
            )
        )
        final[pool_id] = (r0, r1, block)
    _save_snapshots(snapshots)
    pools = [pool for pool in by_address.values() if pool.pk in final]
    for pool in pools:
        pool.reserve0, pool.reserve1, _ = final[pool.pk]
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
    rows = ", ".join(["(%s, %s::numeric, %s::numeric)"] * len(pools))
    params: list[Any] = []
    for pool in pools:
        params += [
            pool.pk,
            amount.get_db_prep_value(pool.reserve0, connection),
            amount.get_db_prep_value(pool.reserve1, connection),
        ]
    table = Pool._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f'UPDATE "{table}" AS p SET reserve0 = v.r0, reserve1 = v.r1, '  # noqa: S608 - table name from the model, values bound
            f"last_synced_block = %s, updated_at = %s "
            f"FROM (VALUES {rows}) AS v(id, r0, r1) WHERE p.id = v.id",
            [block, timezone.now(), *params],
        )


def _record_blocks(chain: Chain, headers: Iterable[BlockHeader]) -> None:
    """Record block headers (hash, parent, base fee) in one statement, replacing any record of
    the same number."""
    BlockRecord.objects.bulk_create(
        [
            BlockRecord(
                chain=chain,
                number=header.number,
                hash=header.hash,
                parent_hash=header.parent_hash,
                timestamp=_block_time(header),
                base_fee_per_gas=header.base_fee_per_gas,
            )
            for header in headers
        ],
        update_conflicts=True,
        unique_fields=["chain", "number"],
        update_fields=["hash", "parent_hash", "timestamp", "base_fee_per_gas"],
    )


# Old block records are trimmed whenever a sync crosses a multiple of this block number.
TRIM_EVERY = 32


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
    """Our executor's CycleExecuted events in these logs: the trades behind them are mined, so
    their pools' new reserves already include them and they stop holding those pools back
    (they still wait for their confirmations; a reorg clears the mark, see trades_rewind)."""
    for block, hashes in mined.items():
        # (tx_hash is unique, and only our own trades carry one: no join needed)
        Trade.objects.filter(
            tx_hash__in=hashes,
            state__in=(Trade.State.SIGNED, Trade.State.SUBMITTED),
            block_number__isnull=True,
        ).update(block_number=block)


def topic0(log: Any) -> str:
    return "0x" + bytes(log["topics"][0]).hex()


def header_of(record: BlockRecord) -> BlockHeader:
    """A recorded block's header, as the node gave it."""
    return BlockHeader(
        number=record.number,
        hash=record.hash,
        parent_hash=record.parent_hash,
        timestamp=int(record.timestamp.timestamp()),
        base_fee_per_gas=record.base_fee_per_gas or 0,
    )


def _heads(
    client: ChainClient, previous: BlockRecord | None, pushed: BlockHeader | None
) -> tuple[dict[int, BlockHeader], BlockHeader]:
    """The head, and the last synced block's header as the chain has it now (for the reorg
    check). A pushed head that is the child of the last synced block settles both without a
    request; any other case reads them in one batch."""
    if (
        pushed is not None
        and previous is not None
        and pushed.number == previous.number + 1
        and pushed.parent_hash == previous.hash
    ):
        return {previous.number: header_of(previous)}, pushed
    return client.blocks_and_latest([previous.number] if previous else [])


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
        headers, head = _heads(client, previous, head)
        result = SyncResult(head=head.number, base_fee_per_gas=head.base_fee_per_gas)
        if previous is not None and (
            previous.number > head.number
            or headers.get(previous.number) is None
            or headers[previous.number].hash != previous.hash
        ):
            ancestor = _common_ancestor(chain, client)
            result.rewound_to = ancestor
            result.changed_pool_ids.extend(chain_rewind(chain=chain, to_block=ancestor))
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
        changed = set(result.changed_pool_ids)
        headers_seen: list[BlockHeader] = []
        from_block = previous.number + 1 if previous is not None else head.number + 1
        if from_block <= head.number:
            logs, result.priority_fee = client.logs_and_tip(
                topics=[[abi.SYNC, abi.PAIR_CREATED, abi.CYCLE_EXECUTED]],
                from_block=from_block,
                to_block=head.number,
                max_range=settings.ARBX_LOG_RANGE,
            )
            created_by = {d.factory_address.lower(): d for d in dexes if d not in lagging}
            created: dict[Dex, list[Any]] = {}
            for log in logs:
                factory = created_by.get(str(log["address"]).lower())
                if factory is not None and topic0(log) == abi.PAIR_CREATED:
                    created.setdefault(factory, []).append(log)
            for dex, dex_logs in created.items():
                result.discovered += len(
                    pools_register(
                        chain=chain, client=client, dex=dex, logs=dex_logs, to_block=head.number
                    )
                )
            mined = our_executions(chain, logs)
            note_our_executions(mined)
            sync_logs = [log for log in logs if topic0(log) == abi.SYNC]
            hand_on = None
            if early is not None and result.rewound_to is None and not result.discovered:

                def hand_on(reserves: dict[int, tuple[int, int]]) -> None:
                    early(
                        EarlyChanges(
                            head=head.number,
                            base_fee_per_gas=head.base_fee_per_gas,
                            priority_fee=result.priority_fee,
                            reserves=reserves,
                            mined=[h for hashes in mined.values() for h in hashes],
                        )
                    )
                    result.handed_on = sorted(reserves)

            synced, headers_seen = _apply_sync_logs(chain, client, sync_logs, head, hand_on)
            changed.update(synced)
            # Every other DEX has seen no new pair up to the head: move its cursor in one go
            # (after the hand-on: bookkeeping, not on the way to the scan).
            quiet = [d.pk for d in dexes if d not in lagging and d not in created]
            if quiet:
                Dex.objects.filter(pk__in=quiet).update(discovered_to_block=head.number)
        cold = list(Pool.objects.filter(chain=chain, active=True, last_synced_block__isnull=True))
        if cold:
            changed.update(_cold_start(chain, client, cold, head))
        _record_blocks(chain, [*headers_seen, head])
        if previous is None or head.number // TRIM_EVERY != previous.number // TRIM_EVERY:
            BlockRecord.objects.filter(chain=chain, number__lt=head.number - BLOCK_HISTORY).delete()
        result.changed_pool_ids = sorted(changed)
    logger.info(
        "sync chain %s to block %s: %s changed, %s discovered",
        chain.chain_id,
        head.number,
        len(result.changed_pool_ids),
        result.discovered,
    )
    return result
