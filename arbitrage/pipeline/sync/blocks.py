"""Block records: the headers the sync has applied (how a reorg is noticed), kept for the
last BLOCK_HISTORY blocks."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from arbitrage.chain.client import BlockHeader, ChainClient
from arbitrage.models import BlockRecord, Chain

# Block records kept for reorg detection; a reorg deeper than this is re-read from scratch.
BLOCK_HISTORY = 256
# Old block records are trimmed whenever a sync crosses a multiple of this block number.
TRIM_EVERY = 32


def block_time(header: BlockHeader) -> datetime:
    return datetime.fromtimestamp(header.timestamp, tz=UTC)


def last_block(chain: Chain) -> BlockRecord | None:
    return BlockRecord.objects.filter(chain=chain).order_by("-number").first()


def header_of(record: BlockRecord) -> BlockHeader:
    """A recorded block's header, as the node gave it."""
    return BlockHeader(
        number=record.number,
        hash=record.hash,
        parent_hash=record.parent_hash,
        timestamp=int(record.timestamp.timestamp()),
        base_fee_per_gas=record.base_fee_per_gas or 0,
    )


def heads(
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


def reorged(
    previous: BlockRecord | None, head: BlockHeader, headers: dict[int, BlockHeader]
) -> bool:
    """Whether the last synced block has left the chain (or the chain is behind it)."""
    return previous is not None and (
        previous.number > head.number
        or headers.get(previous.number) is None
        or headers[previous.number].hash != previous.hash
    )


def blocks_record(chain: Chain, headers: Iterable[BlockHeader], previous: int | None) -> None:
    """Record block headers (hash, parent, base fee) in one statement, replacing any record of
    the same number; trim old records when the newest crosses a multiple of TRIM_EVERY since
    the `previous` last one."""
    records = [
        BlockRecord(
            chain=chain,
            number=header.number,
            hash=header.hash,
            parent_hash=header.parent_hash,
            timestamp=block_time(header),
            base_fee_per_gas=header.base_fee_per_gas,
        )
        for header in headers
    ]
    BlockRecord.objects.bulk_create(
        records,
        update_conflicts=True,
        unique_fields=["chain", "number"],
        update_fields=["hash", "parent_hash", "timestamp", "base_fee_per_gas"],
    )
    newest = max(record.number for record in records)
    if previous is None or newest // TRIM_EVERY != previous // TRIM_EVERY:
        BlockRecord.objects.filter(chain=chain, number__lt=newest - BLOCK_HISTORY).delete()
