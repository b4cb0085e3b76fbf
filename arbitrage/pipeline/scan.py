"""Scan: hand changed pools to the engine, price gas in the start token, apply the thresholds,
and store each opportunity once per cycle and block.

The engine is warm in the worker process: built from the database on first use (so a
restarted worker rebuilds it), then kept current with each sync's changed pools.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction

from arbitrage.engine import ArbitrageEngine, CycleOpportunity
from arbitrage.models import Chain, Opportunity, Pool, Threshold, Token
from arbitrage.pipeline.rules import BARRING, UNTRADABLE, pool_barred, threshold_for

logger = logging.getLogger(__name__)

# Gas of one execution by hop count: the executor's measured cost (contracts/snapshots:
# 145,535 for 2 hops, 190,587 for 3) rounded up.
GAS_BY_HOPS = {2: 150_000, 3: 195_000, 4: 240_000}
DEFAULT_MAX_HOPS = 3


@dataclass
class WarmEngine:
    engine: ArbitrageEngine
    pool_ids: set[int]
    weth_id: int | None
    # token -> its pools with WETH, to price gas in that token without a query per scan
    weth_pools: dict[int, set[int]] = field(default_factory=dict)
    # pool -> the fee (ppm) the engine prices it with
    fees: dict[int, int] = field(default_factory=dict)

    def add(self, pools: list[Pool]) -> None:
        self.pool_ids.update(p.pk for p in pools)
        for p in pools:
            self.fees[p.pk] = p.fee_ppm
            if self.weth_id is not None and self.weth_id in (p.token0_id, p.token1_id):
                other = p.token1_id if p.token0_id == self.weth_id else p.token0_id
                self.weth_pools.setdefault(other, set()).add(p.pk)

    def remove(self, pool_ids: set[int]) -> None:
        self.pool_ids -= pool_ids
        for pool_id in pool_ids:
            self.fees.pop(pool_id, None)
        for pools in self.weth_pools.values():
            pools.difference_update(pool_ids)


_engines: dict[int, WarmEngine] = {}
_lock = threading.Lock()


def tradable_pools(chain: Chain, *, pool_ids: list[int] | None = None) -> list[Pool]:
    """Active pools whose tokens may be traded: fee-on-transfer and blocked tokens are out."""
    queryset = Pool.objects.filter(chain=chain, last_synced_block__isnull=False)
    if pool_ids is not None:
        queryset = queryset.filter(pk__in=pool_ids)
    return list(queryset.exclude(UNTRADABLE))


class ScanReads:
    """What a scan reads from the database besides the engine's own state: the changed pools
    (as they may trade now), which of the cycles' pools may no longer trade, the thresholds.
    These are the ORM's queries; the fast lane plans with what it read last and checks it
    all again when it records a trade (lane/sql.py's LaneState)."""

    def pools(self, chain: Chain, pool_ids: list[int]) -> list[Pool]:
        return tradable_pools(chain, pool_ids=pool_ids)

    def barred(self, pool_ids: set[int]) -> set[int]:
        rows = Pool.objects.filter(pk__in=pool_ids).values_list(
            "pk", *(lookup for lookup, _ in BARRING)
        )
        return {pk for pk, *flags in rows if pool_barred(flags)}

    def thresholds(self, chain: Chain) -> dict[int | None, Threshold]:
        return {t.start_token_id: t for t in Threshold.objects.filter(chain=chain)}


def _drop_barred(
    warm: WarmEngine, found: Sequence[CycleOpportunity], reads: ScanReads
) -> Sequence[CycleOpportunity]:
    """The cycles found, less those through a pool that may no longer trade (deactivated, or a
    token blocked or flagged since the engine took it in, as the admin does it): such pools
    leave the engine here, at the first scan that would have used them."""
    if not found:
        return found
    barred = reads.barred({pool for cycle in found for pool in cycle.pools})
    if not barred:
        return found
    _forget(warm, barred)
    return [cycle for cycle in found if not barred.intersection(cycle.pools)]


def _forget(warm: WarmEngine, barred: set[int]) -> None:
    warm.engine.remove_pools(sorted(barred))
    warm.remove(barred)
    logger.info("pools %s may no longer trade: out of the engine", sorted(barred))


def engine_forget(chain: Chain, barred: set[int]) -> None:
    """Pools that may no longer trade leave the chain's warm engine (when it holds them)."""
    with _lock:
        warm = _engines.get(chain.pk)
    if warm is not None and barred & warm.pool_ids:
        _forget(warm, barred & warm.pool_ids)


def _weth_id(chain: Chain) -> int | None:
    if not chain.wrapped_native_address:
        return None
    token = Token.objects.filter(chain=chain, address=chain.wrapped_native_address).first()
    return token.pk if token else None


def engine_build(chain: Chain) -> WarmEngine:
    weth_id = _weth_id(chain)
    thresholds = Threshold.objects.filter(chain=chain, enabled=True)
    max_hops = max((t.max_hops for t in thresholds), default=DEFAULT_MAX_HOPS)
    engine = ArbitrageEngine(max_hops=max_hops, hubs=[weth_id] if weth_id else [])
    pools = tradable_pools(chain)
    engine.upsert_pools(
        [(p.pk, p.token0_id, p.token1_id, p.reserve0, p.reserve1, p.fee_ppm) for p in pools]
    )
    for threshold in thresholds.exclude(start_token__isnull=True):
        if threshold.max_input and threshold.start_token_id is not None:
            engine.set_token_limits(threshold.start_token_id, max_input=threshold.max_input)
    warm = WarmEngine(engine=engine, pool_ids=set(), weth_id=weth_id)
    warm.add(pools)
    logger.info("engine for chain %s built: %s pools", chain.chain_id, len(pools))
    return warm


def engine_for(chain: Chain) -> WarmEngine:
    with _lock:
        warm = _engines.get(chain.pk)
        if warm is None:
            warm = _engines[chain.pk] = engine_build(chain)
        return warm


def engine_reset(chain: Chain | None = None) -> None:
    """Drop the warm engine(s); the next scan rebuilds from the database."""
    with _lock:
        if chain is None:
            _engines.clear()
        else:
            _engines.pop(chain.pk, None)


# Opportunities stored per scan: the best ones. Lower-ranked cycles through the same pools
# are overlapping variants that one execution would consume anyway.
MAX_STORED_PER_SCAN = 20


def _gas_in_start_token(warm: WarmEngine, start_token: int, gas_cost_wei: int) -> int | None:
    """Gas cost in the start token: through the deepest WETH pool of that token."""
    if warm.weth_id is None:
        return None
    if start_token == warm.weth_id:
        return gas_cost_wei
    best: int | None = None
    for pool_id in sorted(warm.weth_pools.get(start_token, ())):
        try:
            out = warm.engine.quote([pool_id], warm.weth_id, gas_cost_wei)[-1]
        except ValueError:
            continue
        best = out if best is None else max(best, out)
    return best


def _passes(threshold: Threshold | None, found: CycleOpportunity, net: int) -> str | None:
    if threshold is None:
        return None if net > 0 else "net profit not positive"
    if not threshold.enabled:
        return "threshold disabled"
    if len(found.pools) > threshold.max_hops:
        return "too many hops"
    if net < max(1, threshold.min_net_profit):
        return "net profit below the minimum"
    if threshold.min_profit_bps and net * 10_000 < threshold.min_profit_bps * found.amount_in:
        return "net profit below the minimum basis points"
    return None


def opportunities_from(
    *,
    chain: Chain,
    warm: WarmEngine,
    found: Sequence[CycleOpportunity],
    block_number: int,
    gas_price_wei: int,
    store: bool = True,
    thresholds: dict[int | None, Threshold] | None = None,
) -> list[Opportunity]:
    """Price gas, apply the thresholds (each start token's, else the chain's default; read
    when not given), and store what passes once per cycle and block (with `store` false: the
    best of them, unsaved, for the caller to store what it takes)."""
    if thresholds is None:
        thresholds = ScanReads().thresholds(chain)
    gas_costs: dict[tuple[int, int], int | None] = {}
    candidates: dict[str, Opportunity] = {}
    for cycle in found:
        gas = GAS_BY_HOPS.get(len(cycle.pools), GAS_BY_HOPS[4])
        key = (cycle.start_token, gas)
        if key not in gas_costs:
            gas_costs[key] = _gas_in_start_token(warm, cycle.start_token, gas * gas_price_wei)
        gas_cost = gas_costs[key]
        if gas_cost is None:
            continue  # cannot price gas in this token: never trade blind
        net = cycle.profit - gas_cost
        threshold = threshold_for(thresholds, cycle.start_token)
        if _passes(threshold, cycle, net) is not None:
            continue
        cycle_key = "-".join(str(p) for p in cycle.pools)
        candidates.setdefault(
            cycle_key,
            Opportunity(
                chain=chain,
                cycle_key=cycle_key,
                block_number=block_number,
                pool_path=list(cycle.pools),
                token_path=list(cycle.tokens),
                start_token_id=cycle.start_token,
                amount_in=cycle.amount_in,
                amounts_out=[str(a) for a in cycle.amounts_out],
                fees_ppm=[warm.fees[pool] for pool in cycle.pools],
                gross_profit=cycle.profit,
                gas_estimate=gas,
                gas_cost=gas_cost,
                net_profit=net,
            ),
        )
    best = sorted(candidates.values(), key=lambda o: o.net_profit, reverse=True)
    best = best[:MAX_STORED_PER_SCAN]
    if not best or not store:
        return best
    return opportunities_store(chain, block_number, best)


def opportunities_store(
    chain: Chain, block_number: int, opportunities: list[Opportunity]
) -> list[Opportunity]:
    """Store these opportunities of one block; those of a cycle already stored for the block
    (by a second scan of it, another worker, or the fast lane) are left out. The ones stored."""
    for _ in range(3):  # a concurrent writer may store one between the read and the insert
        try:
            with transaction.atomic():
                return Opportunity.objects.bulk_create(opportunities)
        except IntegrityError:
            stored = set(
                Opportunity.objects.filter(
                    chain=chain,
                    block_number=block_number,
                    cycle_key__in=[o.cycle_key for o in opportunities],
                ).values_list("cycle_key", flat=True)
            )
            if not stored:
                break  # not a cycle stored before: find the row that fails, one by one
            opportunities = [o for o in opportunities if o.cycle_key not in stored]
            if not opportunities:
                return []
    kept = []
    for opportunity in opportunities:
        try:
            with transaction.atomic():
                opportunity.save(force_insert=True)
            kept.append(opportunity)
        except IntegrityError:
            logger.warning("opportunity %s at block %s not stored", opportunity, block_number)
    return kept


def scan_pools(
    *,
    chain: Chain,
    pool_ids: list[int],
    block_number: int,
    gas_price_wei: int,
    reserves: dict[int, tuple[int, int]] | None = None,
    store: bool = True,
    reads: ScanReads | None = None,
) -> list[Opportunity]:
    """Re-evaluate the cycles through these pools at their current reserves: `reserves` when
    given (read from the block's logs, handed on by the sync before it commits them), else the
    pools' rows. With `store` false the opportunities are returned unsaved."""
    reads = reads or ScanReads()
    warm = engine_for(chain)
    pools = reads.pools(chain, pool_ids)
    if reserves is not None:
        for pool in pools:
            if pool.pk in reserves:
                pool.reserve0, pool.reserve1 = reserves[pool.pk]
    gone = (set(pool_ids) - {p.pk for p in pools}) & warm.pool_ids
    if gone:  # deactivated, or a token was blocked or flagged: its cycles go too
        warm.engine.remove_pools(sorted(gone))
        warm.remove(gone)
    new = [p for p in pools if p.pk not in warm.pool_ids]
    # A fee changed in the admin since the engine took the pool in: priced anew from now on.
    refee = [p for p in pools if p.pk in warm.pool_ids and warm.fees.get(p.pk) != p.fee_ppm]
    if refee:
        warm.engine.upsert_pools(
            [(p.pk, p.token0_id, p.token1_id, p.reserve0, p.reserve1, p.fee_ppm) for p in refee]
        )
        warm.fees.update((p.pk, p.fee_ppm) for p in refee)
    if new:
        warm.engine.upsert_pools(
            [(p.pk, p.token0_id, p.token1_id, p.reserve0, p.reserve1, p.fee_ppm) for p in new]
        )
        warm.add(new)
    known = [p for p in pools if p.pk in warm.pool_ids and p not in new]
    found = warm.engine.update_reserves(
        [p.pk for p in known], [p.reserve0 for p in known], [p.reserve1 for p in known]
    )
    if new:
        found = warm.engine.scan_all()  # new pools bring new cycles: look at all of them
    return opportunities_from(
        chain=chain,
        warm=warm,
        found=_drop_barred(warm, found, reads),
        block_number=block_number,
        gas_price_wei=gas_price_wei,
        store=store,
        thresholds=reads.thresholds(chain),
    )
