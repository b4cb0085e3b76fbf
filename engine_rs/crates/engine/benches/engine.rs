//! Criterion benchmarks of the core's hot paths: one exact swap, sizing one cycle, and a full
//! scan of a synthetic graph. The end-to-end benchmark against the Python baselines is
//! `bench/engine_bench.py`.

use arbx_engine::{size_cycle, Config, Engine, Hop, PoolState};
use criterion::{criterion_group, criterion_main, Criterion};
use std::hint::black_box;

fn hop(a: u128, b: u128) -> Hop {
    Hop {
        reserve_in: a,
        reserve_out: b,
        gamma: 997_000,
    }
}

/// A ring of `tokens` tokens around hub 0, with chords, prices slightly off.
fn synthetic(tokens: u64) -> Engine {
    let mut engine = Engine::new(Config {
        max_hops: 4,
        hubs: vec![0],
        ..Config::default()
    })
    .expect("valid config");
    let mut pools = Vec::new();
    let mut id = 0u64;
    let mut push = |a: u64, b: u64, skew: u128| {
        pools.push(PoolState {
            pool_id: id,
            token0: a,
            token1: b,
            reserve0: 1_000_000_000_000_000_000_000 + skew * 1_000_000_000_000_000,
            reserve1: 2_000_000_000_000_000_000_000,
            fee_ppm: 3000,
        });
        id += 1;
    };
    for t in 1..tokens {
        push(0, t, u128::from(t % 17));
        push(t, t % (tokens - 1) + 1, u128::from(t % 5));
        push(t, (t * 7) % (tokens - 1) + 1, u128::from(t % 3));
    }
    pools.retain(|p| p.token0 != p.token1);
    pools.sort_by_key(|p| (p.token0.min(p.token1), p.token0.max(p.token1)));
    pools.dedup_by_key(|p| (p.token0.min(p.token1), p.token0.max(p.token1)));
    engine.upsert_pools(&pools).expect("valid pools");
    engine
}

fn benches(c: &mut Criterion) {
    let h = hop(1_000_000_000_000_000_000_000, 2_000_000_000_000_000_000_000);
    c.bench_function("amount_out", |b| {
        b.iter(|| black_box(h).amount_out(black_box(1 << 70)))
    });
    let ring = [
        hop(1_000_000_000_000_000_000_000, 2_200_000_000_000_000_000_000),
        hop(2_000_000_000_000_000_000_000, 3_000_000_000_000_000_000_000),
        hop(3_000_000_000_000_000_000_000, 1_000_000_000_000_000_000_000),
    ];
    c.bench_function("size_cycle_3", |b| {
        b.iter(|| size_cycle(black_box(&ring), u128::MAX, 1))
    });
    let mut engine = synthetic(2000);
    c.bench_function("scan_all_synthetic_2000", |b| {
        b.iter(|| engine.scan_all().len())
    });
}

criterion_group!(group, benches);
criterion_main!(group);
