"""The synthetic large tier: 100,000 pools over 20,000 tokens whose degree distribution follows
the 2020 snapshot's (same shape, scaled to the larger graph), with realistic reserves: token
prices and pool depths drawn from the snapshot's WETH pairs, and small price noise so that
some cycles pay."""

from __future__ import annotations

import math
import random
from collections import Counter

from tests.engine.reference import MAX_RESERVE, Pool, Snapshot


def synthetic_tier(
    snapshot: Snapshot, pools: int = 100_000, tokens: int = 20_000, seed: int = 7
) -> tuple[list[Pool], int]:
    """`(pools, weth)`: a Chung-Lu graph with the snapshot's degree shape, one pool per pair."""
    rng = random.Random(seed)
    degree = Counter[int]()
    for p in snapshot.pools:
        degree[p.token0] += 1
        degree[p.token1] += 1
    hub_degree = degree.pop(snapshot.weth)
    shape = list(degree.values())
    # The hub keeps its share of the tokens it touches; the others keep the snapshot's shape,
    # scaled so that the degrees add up to two endpoints per pool.
    weth = 0
    hub_target = min(tokens - 1, round(hub_degree / len(degree) * tokens))
    others = [rng.choice(shape) for _ in range(tokens - 1)]
    scale = (2 * pools - hub_target) / sum(others)
    weights = [float(hub_target)] + [d * scale for d in others]
    population = list(range(tokens))
    cumulative: list[float] = []
    total = 0.0
    for w in weights:
        total += w
        cumulative.append(total)

    # Prices (WETH per base unit) and depths (WETH) from the snapshot's WETH pairs.
    prices: list[float] = []
    depths: list[int] = []
    for p in snapshot.pools:
        if snapshot.weth in (p.token0, p.token1) and p.reserve0 > 0 and p.reserve1 > 0:
            weth_side, other = (
                (p.reserve0, p.reserve1) if p.token0 == snapshot.weth else (p.reserve1, p.reserve0)
            )
            prices.append(weth_side / other)
            depths.append(weth_side)
    price = [1.0] + [rng.choice(prices) for _ in range(tokens - 1)]

    pairs: set[tuple[int, int]] = set()
    out: list[Pool] = []
    # The hub's pairs first, so that it reaches its target degree.
    for t in rng.sample(range(1, tokens), hub_target):
        pairs.add((0, t))
    while len(pairs) < pools:
        a, b = rng.choices(population, cum_weights=cumulative, k=2)
        if a != b:
            pairs.add((min(a, b), max(a, b)))
    for i, pair in enumerate(sorted(pairs)):
        a, b = pair if rng.random() < 0.5 else pair[::-1]
        depth = rng.choice(depths)
        noise = math.exp(rng.gauss(0.0, 0.004))
        r0 = int(min(max(depth / price[a], 1.0), MAX_RESERVE))
        r1 = int(min(max(depth / price[b] * noise, 1.0), MAX_RESERVE))
        out.append(Pool(pool_id=i, token0=a, token1=b, reserve0=r0, reserve1=r1))
    return out, weth
