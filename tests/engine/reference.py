"""A slow, exact pure-Python reference of the engine: the on-chain swap formula, hop-by-hop
simulation, cycle enumeration, and closed-form sizing with Python's unbounded ints.

Used by the tests to check the engine, and by `bench/engine_bench.py` as the pure-Python
baseline over the same cycles.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from math import isqrt
from pathlib import Path

FEE_DENOMINATOR = 1_000_000
MAX_RESERVE = 2**112 - 1
REPO_ROOT = Path(__file__).resolve().parents[2]
SNAPSHOT = REPO_ROOT.parent / "shared/data/uniswap_v2_pairs_2020.json"
WETH = "0xc02aaa39b223fe8d0a0e5c4f27ead9083c756cc2"


@dataclass(frozen=True, slots=True)
class Pool:
    pool_id: int
    token0: int
    token1: int
    reserve0: int
    reserve1: int
    fee_ppm: int = 3000


Hop = tuple[int, int, int]  # reserve_in, reserve_out, 1e6 - fee_ppm


def get_amount_out(amount_in: int, reserve_in: int, reserve_out: int, gamma: int) -> int:
    """`UniswapV2Library.getAmountOut` with the fee in ppm (997000 for Uniswap V2)."""
    with_fee = amount_in * gamma
    return with_fee * reserve_out // (reserve_in * FEE_DENOMINATOR + with_fee)


def hops_of(pools: dict[int, Pool], pool_ids: Sequence[int], token_in: int) -> list[Hop]:
    hops: list[Hop] = []
    token = token_in
    for pid in pool_ids:
        p = pools[pid]
        if token == p.token0:
            hops.append((p.reserve0, p.reserve1, FEE_DENOMINATOR - p.fee_ppm))
            token = p.token1
        elif token == p.token1:
            hops.append((p.reserve1, p.reserve0, FEE_DENOMINATOR - p.fee_ppm))
            token = p.token0
        else:
            raise ValueError(f"token {token} is not in pool {pid}")
    return hops


def simulate(hops: Sequence[Hop], amount_in: int) -> list[int]:
    """Each hop's output, as the chain computes it (reserves of distinct pools)."""
    outs = []
    amount = amount_in
    for reserve_in, reserve_out, gamma in hops:
        amount = get_amount_out(amount, reserve_in, reserve_out, gamma)
        outs.append(amount)
    return outs


def profit(hops: Sequence[Hop], amount_in: int) -> int:
    return simulate(hops, amount_in)[-1] - amount_in


def composed(hops: Sequence[Hop]) -> tuple[int, int, int]:
    """The cycle as one virtual pool `F(x) = P*x / (Q + R*x)`, exactly."""
    p, q, r = 1, 1, 0
    for reserve_in, reserve_out, gamma in hops:
        p, q, r = (
            p * gamma * reserve_out,
            q * FEE_DENOMINATOR * reserve_in,
            r * FEE_DENOMINATOR * reserve_in + gamma * p,
        )
    return p, q, r


def size(
    hops: Sequence[Hop], max_input: int = MAX_RESERVE, window: int = 2
) -> tuple[int, int] | None:
    """Closed-form optimal input (integer square root), then the best input within `window`;
    `(amount_in, profit)` if that profit is positive."""
    if any(a == 0 or b == 0 for a, b, _ in hops):
        return None
    p, q, r = composed(hops)
    if p <= q or r == 0:
        return None
    x_star = max(1, min(max_input, (isqrt(p * q) - q) // r))
    best: tuple[int, int] | None = None
    for x in range(max(1, x_star - window), min(max_input, x_star + window) + 1):
        gain = profit(hops, x)
        if best is None or gain > best[1]:
            best = (x, gain)
    return best if best is not None and best[1] > 0 else None


def brute_force(hops: Sequence[Hop], max_input: int) -> int:
    """The best profit over every input up to `max_input` (0 if none pays)."""
    limit = min(max_input, hops[-1][1])
    return max((profit(hops, x) for x in range(1, limit + 1)), default=0)


def cycles(
    pools: Iterable[Pool], hops: int, hubs: Sequence[int] = ()
) -> set[tuple[tuple[int, int], ...]]:
    """Every directed simple cycle of `hops` pools, as a rotation-free tuple of
    (pool_id, token sold); 4-hop cycles only through a hub."""
    by_token: dict[int, list[Pool]] = defaultdict(list)
    for p in pools:
        by_token[p.token0].append(p)
        by_token[p.token1].append(p)
    found: set[tuple[tuple[int, int], ...]] = set()

    def walk(start: int, token: int, path: list[tuple[int, int]], seen: set[int]) -> None:
        for p in by_token[token]:
            if any(pid == p.pool_id for pid, _ in path):
                continue
            nxt = p.token1 if token == p.token0 else p.token0
            path.append((p.pool_id, token))
            if len(path) == hops:
                if nxt == start:
                    rot = min(range(hops), key=lambda i: path[i])
                    found.add(tuple(path[rot:] + path[:rot]))
            elif nxt not in seen:
                walk(start, nxt, path, seen | {nxt})
            path.pop()

    for token in list(by_token):
        walk(token, token, [], {token})
    if hops == 4:
        hub_set = set(hubs)
        found = {c for c in found if any(sold in hub_set for _, sold in c)}
    return found


def short_cycles(pools: Iterable[Pool]) -> set[tuple[tuple[int, int], ...]]:
    """Every directed 2- and 3-hop cycle, like `cycles` but fast on large graphs: pairs of
    parallel pools, and triangles from the intersection of two tokens' neighbour sets."""
    pair: dict[tuple[int, int], list[Pool]] = defaultdict(list)
    around: dict[int, set[int]] = defaultdict(set)
    for p in pools:
        pair[min(p.token0, p.token1), max(p.token0, p.token1)].append(p)
        around[p.token0].add(p.token1)
        around[p.token1].add(p.token0)

    def between(a: int, b: int) -> list[Pool]:
        return pair.get((min(a, b), max(a, b)), [])

    found: set[tuple[tuple[int, int], ...]] = set()

    def add(path: list[tuple[int, int]]) -> None:
        rot = min(range(len(path)), key=lambda i: path[i])
        found.add(tuple(path[rot:] + path[:rot]))

    for (u, v), group in pair.items():
        for p in group:
            for q in group:
                if p.pool_id != q.pool_id:
                    add([(p.pool_id, u), (q.pool_id, v)])
        small, large = sorted((around[u], around[v]), key=len)
        for w in small & large:
            for p in group:
                for q in between(v, w):
                    for r in between(w, u):
                        add([(p.pool_id, u), (q.pool_id, v), (r.pool_id, w)])
                        add([(r.pool_id, u), (q.pool_id, w), (p.pool_id, v)])
    return found


def start_of(cycle: Sequence[tuple[int, int]], hubs: Sequence[int]) -> int:
    """The engine's start token: the first hub on the cycle, else the smallest token id."""
    tokens = [sold for _, sold in cycle]
    for hub in hubs:
        if hub in tokens:
            return hub
    return min(tokens)


def rotate_to(cycle: Sequence[tuple[int, int]], token: int) -> list[int]:
    """The cycle's pool ids in trading order from `token`."""
    i = next(k for k, (_, sold) in enumerate(cycle) if sold == token)
    return [pid for pid, _ in list(cycle[i:]) + list(cycle[:i])]


@dataclass(frozen=True, slots=True)
class Snapshot:
    pools: list[Pool]
    tokens: dict[str, int]  # address -> token id
    weth: int


def load_snapshot(path: Path = SNAPSHOT) -> Snapshot:
    """The real 2020 Uniswap V2 snapshot with integer ids (pool id = the pair's index)."""
    rows = json.loads(path.read_text())
    tokens: dict[str, int] = {}

    def token_id(entry: dict[str, object]) -> int:
        return tokens.setdefault(str(entry["address"]).lower(), len(tokens) + 1)

    pools = [
        Pool(
            int(r["index"]),
            token_id(r["token0"]),
            token_id(r["token1"]),
            int(r["reserve0"]),
            int(r["reserve1"]),
        )
        for r in rows
    ]
    return Snapshot(pools=pools, tokens=tokens, weth=tokens[WETH])
