"""Fixtures on the real 2020 Uniswap V2 snapshot (read from ../shared/data, never copied)."""

from __future__ import annotations

import pytest

from arbitrage.engine import ArbitrageEngine, PoolState

from .reference import SNAPSHOT, Snapshot, load_snapshot


@pytest.fixture(scope="session")
def snapshot() -> Snapshot:
    if not SNAPSHOT.exists():
        pytest.skip(f"snapshot not found at {SNAPSHOT}")
    return load_snapshot()


def build_engine(snapshot: Snapshot, max_hops: int) -> ArbitrageEngine:
    engine = ArbitrageEngine(max_hops=max_hops, hubs=[snapshot.weth])
    engine.upsert_pools(
        PoolState(p.pool_id, p.token0, p.token1, p.reserve0, p.reserve1, p.fee_ppm)
        for p in snapshot.pools
    )
    return engine


@pytest.fixture(scope="session")
def snapshot_engine(snapshot: Snapshot) -> ArbitrageEngine:
    return build_engine(snapshot, max_hops=4)
