"""The baselines the engine is measured against, on the same directed cycles:

- an exact pure-Python loop (the reference's integer screen and closed-form sizing),
- a NumPy float screen of every cycle (marginal rate at zero size, not sized),
- `networkx.find_negative_cycle` from WETH on -log(rate) weights (one cycle, not sized).
"""

from __future__ import annotations

import math
import multiprocessing
import time
from collections.abc import Sequence
from math import isqrt

import numpy as np
import numpy.typing as npt

from tests.engine.reference import FEE_DENOMINATOR, Hop, Pool, composed, size

Cycles = tuple[npt.NDArray[np.int64], npt.NDArray[np.uint8]]  # pool rows (n x hops), bits


def cycle_arrays(raw: bytes, dirs: bytes, hops: int, row_of: dict[int, int]) -> Cycles:
    """The engine's cycle export as pool-row indices and direction bits."""
    ids = np.frombuffer(raw, dtype="<u8").reshape(-1, hops)
    lookup = np.zeros(max(row_of) + 1, dtype=np.int64)
    for pool_id, row in row_of.items():
        lookup[pool_id] = row
    return lookup[ids], np.frombuffer(dirs, dtype=np.uint8)


def python_loop(
    pools: Sequence[Pool], cycles: Cycles, min_profits: dict[int, int] | None = None
) -> tuple[float, int]:
    """Seconds and profitable count for the exact pure-Python loop over these cycles.

    `min_profits` (start token -> least profit, default 1) lets the loop skip, as the engine
    does, every cycle whose real-valued maximum profit `(sqrt(P) - sqrt(Q))^2 / R` is below
    its start token's minimum, before sizing it."""
    rows, bits = cycles
    reserves = [(p.reserve0, p.reserve1, FEE_DENOMINATOR - p.fee_ppm) for p in pools]
    tokens = [(p.token0, p.token1) for p in pools]
    floors = min_profits or {}
    paths = rows.tolist()
    dirs = bits.tolist()
    start = time.perf_counter()
    found = 0
    for path, d in zip(paths, dirs, strict=True):
        hops: list[Hop] = []
        for i, row in enumerate(path):
            r0, r1, gamma = reserves[row]
            hops.append((r0, r1, gamma) if d >> i & 1 else (r1, r0, gamma))
        least = floors.get(tokens[path[0]][0 if d & 1 else 1], 1)
        if least > 1 and 0 not in (h[0] for h in hops):
            p, q, r = composed(hops)
            if p <= q or r == 0 or (isqrt(p) + 1 - isqrt(q)) ** 2 // r + 1 < least:
                continue
        sized = size(hops)
        if sized is not None and sized[1] >= least:
            found += 1
    return time.perf_counter() - start, found


class FloatScreen:
    """Marginal rate of every cycle at zero size in float64; candidates are rate > 1."""

    def __init__(self, pools: Sequence[Pool], cycles: Cycles) -> None:
        self.r0 = np.array([float(p.reserve0) for p in pools])
        self.r1 = np.array([float(p.reserve1) for p in pools])
        self.gamma = np.array([(FEE_DENOMINATOR - p.fee_ppm) / FEE_DENOMINATOR for p in pools])
        self.rows, bits = cycles
        hops = self.rows.shape[1]
        self.sells0 = ((bits[:, None] >> np.arange(hops, dtype=np.uint8)) & 1).astype(bool)

    def run(self) -> int:
        with np.errstate(divide="ignore", invalid="ignore"):
            a0 = self.r0[self.rows]
            a1 = self.r1[self.rows]
            rate = np.where(self.sells0, a1 / a0, a0 / a1) * self.gamma[self.rows]
            return int(np.count_nonzero(np.prod(rate, axis=1) > 1.0))


def _negative_cycle(pools: Sequence[Pool], source: int, queue: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    import networkx as nx

    graph = nx.DiGraph()
    for p in pools:
        if p.reserve0 == 0 or p.reserve1 == 0:
            continue
        gamma = (FEE_DENOMINATOR - p.fee_ppm) / FEE_DENOMINATOR
        for a, b, ra, rb in (
            (p.token0, p.token1, p.reserve0, p.reserve1),
            (p.token1, p.token0, p.reserve1, p.reserve0),
        ):
            weight = -math.log(gamma * rb / ra)
            # One edge per direction: keep the better of parallel pools.
            if not graph.has_edge(a, b) or graph[a][b]["weight"] > weight:
                graph.add_edge(a, b, weight=weight)
    start = time.perf_counter()
    try:
        cycle = nx.find_negative_cycle(graph, source)
    except nx.NetworkXError:
        cycle = []
    queue.put((time.perf_counter() - start, len(cycle) - 1 if cycle else 0))


def networkx_negative_cycle(
    pools: Sequence[Pool], source: int, timeout: float
) -> tuple[float, int] | None:
    """Seconds for one `find_negative_cycle` call from `source` and the cycle's hop count,
    or None if it did not finish within `timeout` (run in a child process to bound it)."""
    queue: multiprocessing.Queue = multiprocessing.Queue()  # type: ignore[type-arg]
    child = multiprocessing.Process(target=_negative_cycle, args=(pools, source, queue))
    child.start()
    child.join(timeout)
    if child.is_alive():
        child.terminate()
        child.join()
        return None
    result: tuple[float, int] = queue.get(timeout=5)
    return result
