"""The bot's loop for one chain, as plain functions the Celery tasks (and the benchmark) call:
sync -> scan -> choose -> execute -> confirm."""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.conf import settings
from django.db import transaction

from arbitrage.chain.client import BlockHeader, ChainClient
from arbitrage.chain.registry import client_for_chain, client_for_chain_pk
from arbitrage.chain.signer import Signer, signer_from_secrets
from arbitrage.models import Chain, ExecutionControl, Opportunity, Trade
from arbitrage.pipeline.choose import in_flight_paths
from arbitrage.pipeline.decisions import trade_approve
from arbitrage.pipeline.execute import (
    ExecutionContext,
    trade_confirm,
    trade_execute,
    trades_recover,
)
from arbitrage.pipeline.rules import choose, gas_price
from arbitrage.pipeline.scan import engine_reset, scan_pools
from arbitrage.pipeline.sync import EarlyChanges, SyncResult, chain_sync
from arbitrage.services.control import control_for

logger = logging.getLogger(__name__)


_signers: dict[str, Signer | None] = {}


def _signer(mode: str) -> Signer | None:
    """The signer, made once per process and mode (deriving the account costs milliseconds)."""
    if mode not in _signers:
        _signers[mode] = signer_from_secrets(required=mode == Trade.Mode.LIVE)
    return _signers[mode]


def signers_reset() -> None:
    _signers.clear()


def _context(client: ChainClient) -> ExecutionContext:
    mode = settings.ARBX_EXECUTION_MODE
    return ExecutionContext(client=client, signer=_signer(mode), mode=mode)


def execution_context(chain: Chain) -> ExecutionContext:
    return _context(client_for_chain(chain))


def pipeline_sync(
    chain: Chain,
    head: BlockHeader | None = None,
    early: Callable[[EarlyChanges], None] | None = None,
) -> SyncResult:
    result = chain_sync(chain=chain, client=client_for_chain(chain), head=head, early=early)
    if result.rewound_to is not None:
        engine_reset(chain)  # reserves went back in time: rebuild from the database
    return result


def pipeline_scan(
    chain: Chain,
    pool_ids: list[int],
    block_number: int,
    base_fee: int | None = None,
    tip: int | None = None,
    *,
    control: ExecutionControl | None = None,
    reserves: dict[int, tuple[int, int]] | None = None,
) -> list[Opportunity]:
    """Scan the changed pools; gas is priced at the block's base fee plus the priority fee
    the sync read with its logs (each read from the node when not given). `reserves`, when the
    sync handed them on from the logs, stand in for the pools' rows (not yet committed)."""
    if not (control or control_for(chain=chain)).scanning_enabled:
        engine_reset(chain)  # it misses these changes: rebuilt from the rows when scanning resumes
        return []
    client = client_for_chain(chain)
    if base_fee is None:
        base_fee = client.block("latest").base_fee_per_gas
    found = scan_pools(
        chain=chain,
        pool_ids=pool_ids,
        block_number=block_number,
        gas_price_wei=gas_price(base_fee, client.max_priority_fee() if tip is None else tip),
        reserves=reserves,
    )
    return sorted(found, key=lambda o: o.net_profit, reverse=True)


def choose_for_execution(
    chain: Chain,
    found: list[Opportunity],
    *,
    settle: bool = False,
    control: ExecutionControl | None = None,
    mined: set[str] | None = None,
    in_flight: list[list[int]] | None = None,
) -> list[Opportunity]:
    """The best opportunities that share no pool, within the free in-flight slots. With
    `settle`, when our own unsettled trades hold some back (their pools, or all the slots), our
    mined trades are settled first and the choice is made again. `in_flight`, when the caller
    has just read them, are the pool paths of our trades sent but not mined."""
    control = control or control_for(chain=chain)
    if control.execution_paused:
        return []
    mined = mined or set()
    if in_flight is None:
        in_flight = in_flight_paths(chain.pk, mined)
    if settle and in_flight:
        busy = {pool for path in in_flight for pool in path}
        full = len(in_flight) >= control.max_trades_in_flight
        if full or any(busy & set(o.pool_path) for o in found):
            pipeline_confirm(chain)
            in_flight = in_flight_paths(chain.pk, mined)
    return choose(found, in_flight, control.max_trades_in_flight)


def approve(chosen: list[Opportunity]) -> list[int]:
    trade_ids = []
    for opportunity in chosen:
        with transaction.atomic():
            trade = trade_approve(opportunity_id=opportunity.pk, mode=settings.ARBX_EXECUTION_MODE)
        trade_ids.append(trade.pk)
    return trade_ids


def pipeline_execute(chain: Chain, trade_id: int) -> Trade:
    return trade_execute(trade_id=trade_id, ctx=execution_context(chain))


def pipeline_execute_on(chain_pk: int, trade_id: int) -> Trade:
    """As pipeline_execute, for the chain with this primary key: its client is this process's
    (the Chain row is read only to make the first one)."""
    return trade_execute(trade_id=trade_id, ctx=_context(client_for_chain_pk(chain_pk)))


def pipeline_confirm(chain: Chain) -> int:
    ctx = execution_context(chain)
    recovered = trades_recover(chain=chain, ctx=ctx)
    for trade_id in Trade.objects.filter(
        opportunity__chain=chain, state=Trade.State.SUBMITTED
    ).values_list("pk", flat=True):
        trade_confirm(trade_id=trade_id, ctx=ctx)
    return recovered
