"""Hypothesis properties of the binding against the pure-Python reference: exact
re-simulation, local optimality, brute-force agreement on small cycles, nothing missed."""

from __future__ import annotations

import struct

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from arbitrage.engine import ArbitrageEngine, PoolState

from .reference import Pool, brute_force, cycles, hops_of, profit, rotate_to, simulate, start_of

PROPERTIES = settings(
    max_examples=120,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
HUB = 1


def engine_of(pools: list[Pool]) -> ArbitrageEngine:
    engine = ArbitrageEngine(max_hops=4, hubs=[HUB])
    engine.upsert_pools(
        PoolState(p.pool_id, p.token0, p.token1, p.reserve0, p.reserve1, p.fee_ppm) for p in pools
    )
    return engine


@st.composite
def ring(draw: st.DrawFn, max_reserve: int) -> list[Pool]:
    """One cycle of 2 to 4 pools through the hub (two parallel pools for 2 hops)."""
    n = draw(st.integers(2, 4))
    tokens = [HUB, *range(2, n + 1)] if n > 2 else [HUB, 2]
    pools = []
    for i in range(n):
        a, b = (tokens[i], tokens[(i + 1) % len(tokens)]) if n > 2 else (HUB, 2)
        if draw(st.booleans()):
            a, b = b, a
        pools.append(
            Pool(
                pool_id=10 + i,
                token0=a,
                token1=b,
                reserve0=draw(st.integers(1, max_reserve)),
                reserve1=draw(st.integers(1, max_reserve)),
                fee_ppm=draw(st.sampled_from([0, 1, 3000, 10_000, 50_000, 999_999])),
            )
        )
    return pools


@st.composite
def graph(draw: st.DrawFn) -> list[Pool]:
    rows = draw(
        st.lists(
            st.tuples(
                st.integers(1, 6),
                st.integers(1, 6),
                st.integers(10**3, 10**12),
                st.integers(10**3, 10**12),
                st.sampled_from([0, 3000, 10_000]),
            ),
            min_size=1,
            max_size=16,
        )
    )
    return [
        Pool(100 + i, a, b, r0, r1, fee) for i, (a, b, r0, r1, fee) in enumerate(rows) if a != b
    ]


@PROPERTIES
@given(ring(max_reserve=400), st.integers(1, 500))
def test_small_cycles_agree_with_a_brute_force_search(pools, max_input):
    engine = engine_of(pools)
    engine.set_token_limits(HUB, max_input=max_input)
    found = {f.pools: f for f in engine.scan_all()}
    by_id = {p.pool_id: p for p in pools}
    for cycle in cycles(pools, len(pools), [HUB]):
        path = rotate_to(cycle, HUB)
        best = brute_force(hops_of(by_id, path, HUB), max_input)
        got = found.pop(tuple(path), None)
        if best > 0:
            assert got is not None, f"missed {path}: brute force pays {best}"
            assert got.profit == best
            assert got.amount_in <= max_input
        else:
            assert got is None, f"reported an unprofitable cycle {got}"
    assert not found


@PROPERTIES
@given(graph())
def test_every_opportunity_resimulates_exactly_and_is_locally_best(pools):
    engine = engine_of(pools)
    by_id = {p.pool_id: p for p in pools}
    for f in engine.scan_all():
        hops = hops_of(by_id, f.pools, f.start_token)
        assert tuple(simulate(hops, f.amount_in)) == f.amounts_out
        assert f.profit == f.amounts_out[-1] - f.amount_in > 0
        for x in range(max(1, f.amount_in - 2), f.amount_in + 3):
            assert profit(hops, x) <= f.profit


@PROPERTIES
@given(graph())
def test_the_cycle_index_matches_the_reference_enumeration(pools):
    engine = engine_of(pools)
    for hops in (2, 3, 4):
        raw, dirs = engine.directed_cycles(hops)
        ids = struct.unpack(f"<{len(raw) // 8}Q", raw)
        listed = set()
        for k, d in enumerate(dirs):
            path = ids[k * hops : (k + 1) * hops]
            sold = [
                by.token0 if d >> i & 1 else by.token1
                for i, by in enumerate(next(p for p in pools if p.pool_id == pid) for pid in path)
            ]
            cycle = list(zip(path, sold, strict=True))
            rot = min(range(hops), key=lambda i: cycle[i])
            listed.add(tuple(cycle[rot:] + cycle[:rot]))
        assert listed == cycles(pools, hops, [HUB])
        assert len(listed) == len(dirs)


@PROPERTIES
@given(graph())
def test_every_reported_cycle_starts_at_its_hub_or_smallest_token(pools):
    engine = engine_of(pools)
    for f in engine.scan_all():
        cycle = list(zip(f.pools, f.tokens[:-1], strict=True))
        assert f.start_token == start_of(cycle, [HUB])
