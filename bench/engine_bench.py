"""Engine benchmark: the Rust engine against its baselines on the same cycles, in one run.

    make bench-engine        # or: .venv/bin/python bench/engine_bench.py [--quick]

Two tiers: the real 2020 Uniswap V2 snapshot (../shared/data), and a synthetic tier of
100,000 pools over 20,000 tokens with the snapshot's degree shape. For each: index build
time, memory per directed cycle, full scans (2-, 3- and 4-hop through WETH) through the
Python API, single-pool update latency (p50/p99 over a sample of pools, hub pools included),
a burst of 100 updated pools; and the baselines: an exact pure-Python loop, a NumPy float
screen of every cycle, and networkx.find_negative_cycle from WETH. Prints a table of figures
and ratios against the targets.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from arbitrage.engine import ArbitrageEngine, PoolState  # noqa: E402
from bench.engine_baselines import (  # noqa: E402
    Cycles,
    FloatScreen,
    cycle_arrays,
    networkx_negative_cycle,
    python_loop,
)
from bench.engine_synthetic import synthetic_tier  # noqa: E402
from tests.engine.reference import MAX_RESERVE, SNAPSHOT, Pool, load_snapshot  # noqa: E402

# A gas-level threshold for cycles that start at WETH: 150,000 gas at 30 gwei.
GAS_WEI = 150_000 * 30 * 10**9


def log(message: str) -> None:
    print(f"  .. {message}", flush=True)


def timed(run: Callable[[], object], repeats: int) -> tuple[float, object]:
    """Best (least) seconds over `repeats` runs, the figure least disturbed by other load on
    the machine, and the last result."""
    times = []
    result: object = None
    for _ in range(repeats):
        start = time.perf_counter()
        result = run()
        times.append(time.perf_counter() - start)
    return min(times), result


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


@dataclass
class Tier:
    name: str
    figures: dict[str, str] = field(default_factory=dict)
    checks: list[tuple[str, bool, str]] = field(default_factory=list)

    def put(self, key: str, value: str) -> None:
        self.figures[key] = value
        log(f"{self.name}: {key} = {value}")

    def check(self, target: str, holds: bool, measured: str) -> None:
        self.checks.append((target, holds, measured))


def build(pools: list[Pool], weth: int) -> ArbitrageEngine:
    engine = ArbitrageEngine(max_hops=4, hubs=[weth])
    engine.upsert_pools(
        PoolState(p.pool_id, p.token0, p.token1, p.reserve0, p.reserve1, p.fee_ppm) for p in pools
    )
    engine.stats()  # builds the cycle index
    return engine


def moved(reserve: int) -> int:
    """A reserve moved up by 0.1 % (as a swap into the pool would)."""
    return min(reserve + reserve // 1000 + 1, MAX_RESERVE)


def update_latencies(
    engine: ArbitrageEngine, pools: list[Pool], sample: list[int], burst: int, bursts: int
) -> tuple[list[float], list[float]]:
    """Seconds per single-pool update (each pool moved by 0.1 % and back), and per burst."""
    singles: list[float] = []
    for row in sample:
        p = pools[row]
        for r0 in (moved(p.reserve0), p.reserve0):
            start = time.perf_counter()
            engine.update_reserves([p.pool_id], [r0], [p.reserve1])
            singles.append(time.perf_counter() - start)
    rng = random.Random(3)
    bursts_s: list[float] = []
    for _ in range(bursts):
        chosen = [pools[r] for r in rng.sample(sample, burst)]
        ids = [p.pool_id for p in chosen]
        for r0s in (
            [moved(p.reserve0) for p in chosen],
            [p.reserve0 for p in chosen],
        ):
            start = time.perf_counter()
            engine.update_reserves(ids, r0s, [p.reserve1 for p in chosen])
            bursts_s.append(time.perf_counter() - start)
    return singles, bursts_s


def run_tier(tier: Tier, pools: list[Pool], weth: int, args: argparse.Namespace) -> None:
    start = time.perf_counter()
    engine = build(pools, weth)
    build_s = time.perf_counter() - start
    stats = engine.stats()
    n = stats.directed_cycles
    tier.put("pools / tokens", f"{stats.pools:,} / {stats.tokens:,}")
    tier.put(
        "directed cycles 2/3/4-hop",
        f"{stats.cycles_2:,} / {stats.cycles_3:,} / {stats.cycles_4:,}",
    )
    tier.put("index build (upsert + index)", f"{build_s * 1e3:,.0f} ms")
    tier.put("memory per directed cycle", f"{stats.bytes_per_cycle:.1f} B")
    tier.check(
        "memory < 64 B per directed cycle",
        stats.bytes_per_cycle < 64,
        f"{stats.bytes_per_cycle:.1f} B",
    )

    scans = {}
    for label, min_profit in (("min profit 1 unit", None), ("WETH min profit 0.0045 ETH", GAS_WEI)):
        if min_profit is not None:
            engine.set_token_limits(weth, min_profit=min_profit)
        engine.scan_all()
        seconds, found = timed(engine.scan_all, args.repeats)
        count = len(found)
        scans[label] = seconds
        tier.put(
            f"full scan, {label}",
            f"{seconds * 1e3:,.1f} ms = {seconds * 1e9 / n:,.1f} ns/cycle, {count:,} opportunities",
        )

    arrays = export_cycles(engine, pools)
    run_baselines(tier, pools=pools, weth=weth, arrays=arrays, scans=scans, n=n, args=args)
    run_updates(tier, engine=engine, pools=pools, weth=weth, arrays=arrays, args=args)


def export_cycles(engine: ArbitrageEngine, pools: list[Pool]) -> dict[int, Cycles]:
    row_of = {p.pool_id: i for i, p in enumerate(pools)}
    arrays = {h: cycle_arrays(*engine.directed_cycles(h), h, row_of) for h in (2, 3, 4)}
    return {h: a for h, a in arrays.items() if len(a[1])}


def run_baselines(
    tier: Tier,
    *,
    pools: list[Pool],
    weth: int,
    arrays: dict[int, Cycles],
    scans: dict[str, float],
    n: int,
    args: argparse.Namespace,
) -> None:

    screens = {h: FloatScreen(pools, a) for h, a in arrays.items()}
    numpy_s, _ = timed(lambda: sum(s.run() for s in screens.values()), args.repeats)
    candidates = sum(s.run() for s in screens.values())
    tier.put(
        "NumPy float screen",
        f"{numpy_s * 1e3:,.1f} ms = {numpy_s * 1e9 / n:,.1f} ns/cycle, "
        f"{candidates:,} candidates (unsized)",
    )

    rng = np.random.default_rng(5)
    sample_rows = []
    for h, (rows, bits) in arrays.items():
        k = min(len(bits), round(args.python_sample * len(bits) / n) + 1)
        pick = rng.choice(len(bits), size=k, replace=False)
        sample_rows.append((h, rows[pick], bits[pick]))
    py_ns: dict[str, float] = {}
    for label, floors in (
        ("min profit 1 unit", None),
        ("WETH min profit 0.0045 ETH", {weth: GAS_WEI}),
    ):
        py_s = 0.0
        py_cycles = 0
        for _h, rows, bits in sample_rows:
            seconds, _ = python_loop(pools, (rows, bits), floors)
            py_s += seconds
            py_cycles += len(bits)
        py_ns[label] = py_s * 1e9 / py_cycles
        tier.put(
            f"pure-Python exact loop, {label}",
            f"{py_ns[label]:,.0f} ns/cycle (on {py_cycles:,} sampled cycles)",
        )

    engine_ns = scans["min profit 1 unit"] * 1e9 / n
    gas_ns = scans["WETH min profit 0.0045 ETH"] * 1e9 / n
    numpy_ns = numpy_s * 1e9 / n
    for label, ns in (("min profit 1", engine_ns), ("gas-level", gas_ns)):
        ratio = (
            py_ns["min profit 1 unit" if label == "min profit 1" else "WETH min profit 0.0045 ETH"]
            / ns
        )
        tier.check(
            f"scan >= 100x faster than pure Python ({label})", ratio >= 100, f"{ratio:,.0f}x"
        )
    tier.check(
        "scan >= 2x faster than NumPy screen (min profit 1)",
        numpy_ns / engine_ns >= 2,
        f"{numpy_ns / engine_ns:.2f}x",
    )
    tier.check(
        "scan >= 2x faster than NumPy screen (gas-level)",
        numpy_ns / gas_ns >= 2,
        f"{numpy_ns / gas_ns:.2f}x",
    )

    log(f"{tier.name}: networkx.find_negative_cycle from WETH (timeout {args.nx_timeout:.0f} s)")
    nx_result = networkx_negative_cycle(pools, weth, args.nx_timeout)
    if nx_result is None:
        tier.put("networkx find_negative_cycle", f"> {args.nx_timeout:.0f} s (stopped)")
    else:
        tier.put(
            "networkx find_negative_cycle",
            f"{nx_result[0] * 1e3:,.0f} ms for one {nx_result[1]}-hop cycle (unsized)",
        )


def run_updates(
    tier: Tier,
    *,
    engine: ArbitrageEngine,
    pools: list[Pool],
    weth: int,
    arrays: dict[int, Cycles],
    args: argparse.Namespace,
) -> None:
    """Update latency over random pools on cycles, and over the WETH pools on most cycles."""
    counts = np.zeros(len(pools), dtype=np.int64)
    for rows, _bits in arrays.values():
        counts += np.bincount(rows.ravel(), minlength=len(pools))
    on_cycles = np.flatnonzero(counts).tolist()
    picks = random.Random(11).sample(on_cycles, min(args.update_sample, len(on_cycles)))
    busiest = [
        r for r in np.argsort(-counts).tolist() if weth in (pools[r].token0, pools[r].token1)
    ]
    busiest = busiest[:20]
    hub_share = sum(weth in (pools[r].token0, pools[r].token1) for r in picks) / len(picks)
    for label, min_profit in (("min profit 1 unit", 1), ("WETH min profit 0.0045 ETH", GAS_WEI)):
        engine.set_token_limits(weth, min_profit=min_profit)
        singles, bursts = update_latencies(engine, pools, picks, 100, args.bursts)
        p50, p99 = percentile(singles, 50), percentile(singles, 99)
        tier.put(
            f"single update, {label}",
            f"p50 {p50 * 1e6:,.0f} us, p99 {p99 * 1e6:,.0f} us over {len(picks)} random pools "
            f"on cycles ({hub_share:.0%} WETH pools)",
        )
        worst, _ = update_latencies(engine, pools, busiest, 1, 0)
        tier.put(
            f"busiest WETH pools, {label}",
            f"p50 {percentile(worst, 50) * 1e6:,.0f} us, max {max(worst) * 1e6:,.0f} us "
            f"(20 pools on {int(counts[busiest[-1]]):,} to {int(counts[busiest[0]]):,} cycles)",
        )
        tier.put(
            f"burst of 100 pools, {label}",
            f"p50 {percentile(bursts, 50) * 1e3:,.2f} ms, "
            f"p99 {percentile(bursts, 99) * 1e3:,.2f} ms",
        )
        tier.check(f"single update p99 < 1 ms ({label})", p99 < 1e-3, f"{p99 * 1e6:,.0f} us")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="the snapshot tier only")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--python-sample", type=int, default=20_000)
    parser.add_argument("--update-sample", type=int, default=400)
    parser.add_argument("--bursts", type=int, default=20)
    parser.add_argument("--nx-timeout", type=float, default=60.0)
    args = parser.parse_args()

    print(f"engine benchmark: snapshot {SNAPSHOT}", flush=True)
    snapshot = load_snapshot()
    tiers = [Tier("snapshot")]
    run_tier(tiers[0], snapshot.pools, snapshot.weth, args)
    if not args.quick:
        log("generating the synthetic tier (100,000 pools, 20,000 tokens)")
        pools, weth = synthetic_tier(snapshot)
        tiers.append(Tier("synthetic 100k"))
        run_tier(tiers[1], pools, weth, args)

    print_table(tiers)


def print_table(tiers: list[Tier]) -> None:
    print("\nfigures")
    for key in tiers[0].figures:
        print(f"  {key}")
        for t in tiers:
            print(f"      {t.name:<16} {t.figures.get(key, '-')}")
    print("\ntargets")
    for i, (target, _, _) in enumerate(tiers[0].checks):
        cells = []
        for t in tiers:
            _, holds, measured = t.checks[i]
            cells.append(f"{t.name}: {'holds' if holds else 'MISSED'} ({measured})")
        print(f"  {target:<52} " + "; ".join(cells))


if __name__ == "__main__":
    main()
