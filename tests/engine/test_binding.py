"""The binding's surface: construction, batches, errors, limits, stats, the GIL."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

import engine_rs
from arbitrage.engine import (
    MAX_RESERVE,
    ArbitrageEngine,
    CycleOpportunity,
    EngineError,
    PoolState,
    UnknownPoolError,
)

from .reference import get_amount_out


def two_pools(engine: ArbitrageEngine) -> None:
    # One pair, two prices: 2.2 and 2.0 token2 per token1.
    engine.upsert_pools(
        [
            PoolState(1, 10, 20, 10**21, 22 * 10**20),
            PoolState(2, 10, 20, 10**21, 2 * 10**21),
        ]
    )


def test_it_finds_and_sizes_a_two_pool_arbitrage():
    engine = ArbitrageEngine(max_hops=2)
    two_pools(engine)
    [found] = engine.scan_all()
    assert isinstance(found, CycleOpportunity)
    assert found.pools == (1, 2)
    assert found.tokens == (10, 20, 10)
    assert found.start_token == 10
    first = get_amount_out(found.amount_in, 10**21, 22 * 10**20, 997_000)
    second = get_amount_out(first, 2 * 10**21, 10**21, 997_000)
    assert found.amounts_out == (first, second)
    assert found.profit == second - found.amount_in > 0
    assert engine.quote(found.pools, 10, found.amount_in) == [first, second]


def test_it_reports_only_cycles_touching_the_updated_pools():
    engine = ArbitrageEngine(max_hops=3)
    two_pools(engine)
    engine.upsert_pools(
        [PoolState(3, 30, 40, 10**18, 10**18), PoolState(4, 30, 40, 10**18, 2 * 10**18)]
    )
    assert {f.pools for f in engine.scan_all()} == {(1, 2), (4, 3)}
    assert [f.pools for f in engine.update_reserves([3], [10**18], [2 * 10**18])] == []
    assert [f.pools for f in engine.update_reserves([1], [10**21], [23 * 10**20])] == [(1, 2)]
    assert engine.update_reserves([], [], []) == []


def test_a_hub_cycle_starts_at_the_hub():
    engine = ArbitrageEngine(max_hops=3, hubs=[30])
    engine.upsert_pools(
        [
            PoolState(1, 10, 20, 10**20, 10**20),
            PoolState(2, 20, 30, 10**20, 10**20),
            PoolState(3, 30, 10, 10**20, 2 * 10**20),
        ]
    )
    [found] = engine.scan_all()
    assert found.start_token == 30
    assert found.tokens[0] == found.tokens[-1] == 30


def test_bad_input_raises_value_errors_with_clear_messages():
    engine = ArbitrageEngine(max_hops=2)
    two_pools(engine)
    with pytest.raises(UnknownPoolError, match="unknown pool id 7"):
        engine.update_reserves([7], [1], [1])
    with pytest.raises(EngineError, match="appears twice"):
        engine.upsert_pools([PoolState(5, 1, 2, 1, 1), PoolState(5, 1, 2, 1, 1)])
    with pytest.raises(EngineError, match="same token"):
        engine.upsert_pools([PoolState(5, 1, 1, 1, 1)])
    with pytest.raises(EngineError, match=r"exceeds 2\*\*112 - 1"):
        engine.upsert_pools([PoolState(5, 1, 2, MAX_RESERVE + 1, 1)])
    with pytest.raises(EngineError, match="fee"):
        engine.upsert_pools([PoolState(5, 1, 2, 1, 1, 1_000_001)])
    with pytest.raises(EngineError, match=r"reserve0s\[0\]"):
        engine.update_reserves([1], [-1], [1])
    with pytest.raises(EngineError, match=r"reserve1s\[0\]"):
        engine.update_reserves([1], [1], [2**200])
    with pytest.raises(EngineError, match="items"):
        engine.update_reserves([1], [1, 2], [1])
    with pytest.raises(EngineError, match="max_hops"):
        ArbitrageEngine(max_hops=5)
    engine.upsert_pools([PoolState(6, 1, 2, 0, 10)])
    with pytest.raises(EngineError, match="zero reserve"):
        engine.quote([6], 1, 10)
    with pytest.raises(EngineError, match="not in pool"):
        engine.quote([1], 99, 10)
    with pytest.raises(EngineError, match="pool_ids"):
        engine.remove_pools("nope")
    assert issubclass(EngineError, ValueError)
    assert issubclass(UnknownPoolError, EngineError)
    # Nothing above changed the engine's pools but pool 6.
    assert engine.stats().pools == 3


def test_python_ints_cross_the_boundary_exactly():
    engine = ArbitrageEngine(max_hops=2)
    engine.upsert_pools([PoolState(1, 1, 2, MAX_RESERVE - 5, MAX_RESERVE - 7, 0)])
    assert engine.quote([1], 1, 5) == [get_amount_out(5, MAX_RESERVE - 5, MAX_RESERVE - 7, 10**6)]
    with pytest.raises(EngineError, match="overflow"):
        engine.quote([1], 1, 6)


def test_limits_cap_inputs_and_drop_small_profits():
    engine = ArbitrageEngine(max_hops=2, default_max_input=10**15)
    two_pools(engine)
    [capped] = engine.scan_all()
    assert capped.amount_in <= 10**15
    engine.set_token_limits(10, max_input=10**30, min_profit=capped.profit * 10**6)
    assert engine.scan_all() == []


def test_remove_pools_drops_their_cycles():
    engine = ArbitrageEngine(max_hops=2)
    two_pools(engine)
    engine.remove_pools([2])
    assert engine.scan_all() == []
    assert engine.stats().directed_cycles == 0
    with pytest.raises(UnknownPoolError):
        engine.remove_pools([2])


def test_stats_and_cycle_export():
    engine = ArbitrageEngine(max_hops=2)
    two_pools(engine)
    stats = engine.stats()
    assert (stats.pools, stats.tokens, stats.cycles_2, stats.directed_cycles) == (2, 2, 2, 2)
    assert 0 < stats.bytes_per_cycle < 64
    pools, dirs = engine.directed_cycles(2)
    assert len(pools) == 2 * 2 * 8
    assert len(dirs) == 2
    assert engine.max_hops == 2
    assert engine.hubs == []
    assert engine_rs.__version__


def test_results_are_a_sequence_built_as_read():
    engine = ArbitrageEngine(max_hops=3)
    two_pools(engine)
    engine.upsert_pools(
        [PoolState(3, 30, 40, 10**18, 10**18), PoolState(4, 30, 40, 10**18, 2 * 10**18)]
    )
    found = engine.scan_all()
    assert isinstance(found, Sequence)
    listed = list(found)
    assert len(found) == len(listed) == 2
    assert listed == list(found)  # iterable more than once
    assert found == listed
    assert found != listed[:1]
    assert found[0] == listed[0]
    assert found[-1] == listed[-1]
    assert found[0:1] == listed[:1]
    assert found[::-1] == listed[::-1]
    assert all(isinstance(f, CycleOpportunity) for f in found)
    assert found.profits() == [f.profit for f in listed]
    assert listed[0].profit >= listed[1].profit  # best first
    with pytest.raises(IndexError):
        found[2]
    with pytest.raises(IndexError):
        found[-3]
    raw = engine._engine.scan_all()
    assert isinstance(raw, engine_rs.Found)
    assert len(raw) == 2
    assert raw[-1] == raw[1]
    assert list(raw) == [raw[0], raw[1]]
    with pytest.raises(IndexError, match="out of range for 2 opportunities"):
        raw[5]
