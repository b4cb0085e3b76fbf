"""The engine against the exact pure-Python reference on the real 2020 snapshot."""

from __future__ import annotations

import sys
import threading

from arbitrage.engine import ArbitrageEngine, CycleOpportunity

from .reference import Snapshot, hops_of, profit, rotate_to, short_cycles, simulate, size, start_of


def test_every_reported_opportunity_resimulates_identically(
    snapshot: Snapshot, snapshot_engine: ArbitrageEngine
):
    pools = {p.pool_id: p for p in snapshot.pools}
    found = snapshot_engine.scan_all()
    assert found, "the 2020 snapshot holds integer-profitable cycles"
    assert [f.profit for f in found] == sorted((f.profit for f in found), reverse=True)
    for f in found:
        outs = simulate(hops_of(pools, f.pools, f.start_token), f.amount_in)
        assert tuple(outs) == f.amounts_out, f
        assert outs[-1] - f.amount_in == f.profit > 0
        assert f.tokens[0] == f.tokens[-1] == f.start_token
        if snapshot.weth in f.tokens:
            assert f.start_token == snapshot.weth


def test_the_reference_finds_no_two_or_three_hop_cycle_the_engine_missed(
    snapshot: Snapshot, snapshot_engine: ArbitrageEngine
):
    pools = {p.pool_id: p for p in snapshot.pools}
    reported: dict[tuple[int, ...], CycleOpportunity] = {
        f.pools: f for f in snapshot_engine.scan_all() if f.hops <= 3
    }
    hubs = [snapshot.weth]
    checked = profitable = 0
    for cycle in short_cycles(snapshot.pools):
        start = start_of(cycle, hubs)
        path = rotate_to(cycle, start)
        hops = hops_of(pools, path, start)
        sized = size(hops)
        checked += 1
        if sized is None:
            continue
        profitable += 1
        got = reported.get(tuple(path))
        assert got is not None, f"missed {path} from {start}: {sized}"
        if got.profit < sized[1]:
            # Both are local optima of a jagged curve: the engine's is locally optimal too
            # (no input within 2 pays more) and within the floors' jitter of the reference.
            near = range(max(1, got.amount_in - 2), got.amount_in + 3)
            assert all(profit(hops, x) <= got.profit for x in near)
            assert sized[1] - got.profit <= len(path)
    assert checked >= 5712
    # The engine also finds cycles whose best input is far from the closed form (dust pools
    # make the integer curve coarse); those are re-simulated in the test above.
    assert 0 < profitable <= len(reported)


def test_the_index_counts_match_the_snapshot(snapshot_engine: ArbitrageEngine):
    stats = snapshot_engine.stats()
    # Every pool is indexed, empty ones included (their cycles are skipped while empty):
    # the data's README counts 5,712 and 208,282 over the pools with both reserves > 0.
    assert stats.cycles_3 >= 5712
    assert stats.cycles_4 >= 208_282
    assert stats.bytes_per_cycle < 64


def test_an_update_of_a_hub_pool_matches_a_full_scan(
    snapshot: Snapshot, snapshot_engine: ArbitrageEngine
):
    weth_pools = [p for p in snapshot.pools if snapshot.weth in (p.token0, p.token1)][:5]
    ids = [p.pool_id for p in weth_pools]
    r0 = [p.reserve0 * 101 // 100 for p in weth_pools]
    r1 = [p.reserve1 for p in weth_pools]
    try:
        touched = snapshot_engine.update_reserves(ids, r0, r1)
        expected = [f for f in snapshot_engine.scan_all() if set(f.pools) & set(ids)]
        assert touched == expected
    finally:
        snapshot_engine.update_reserves(ids, [p.reserve0 for p in weth_pools], r1)


def test_the_gil_is_released_during_a_scan(snapshot_engine: ArbitrageEngine):
    """No timing threshold: with a 100 s switch interval, Python never takes the GIL from a
    running thread, so this thread runs again before the scan ends only if the engine gave
    the GIL up itself while it worked."""
    started, finished = threading.Event(), threading.Event()

    def scan() -> None:
        started.set()
        snapshot_engine.scan_all()
        finished.set()

    previous = sys.getswitchinterval()
    sys.setswitchinterval(100)
    try:
        worker = threading.Thread(target=scan)
        worker.start()
        started.wait()
        resumed_during_scan = not finished.is_set()
        worker.join()
    finally:
        sys.setswitchinterval(previous)
    assert resumed_during_scan
