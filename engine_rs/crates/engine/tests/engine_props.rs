//! Property tests of the engine on small random graphs: the cycle index against a brute-force
//! enumeration, exact re-simulation of every opportunity, incremental updates against a full
//! scan, and removals.

use std::collections::{BTreeSet, HashMap};

use arbx_engine::{Config, Engine, Opportunity, PoolState};
use proptest::prelude::*;

const HUB: u64 = 0;

fn pools_strategy() -> impl Strategy<Value = Vec<PoolState>> {
    prop::collection::vec(
        (
            0u64..7,
            0u64..7,
            1_000u128..=1_000_000_000,
            1_000u128..=1_000_000_000,
            0u32..=10_000,
        ),
        1..22,
    )
    .prop_map(|rows| {
        rows.into_iter()
            .enumerate()
            .filter(|(_, (a, b, ..))| a != b)
            .map(|(i, (t0, t1, r0, r1, fee))| PoolState {
                pool_id: 100 + i as u64,
                token0: t0,
                token1: t1,
                reserve0: r0,
                reserve1: r1,
                fee_ppm: fee,
            })
            .collect()
    })
}

fn engine(pools: &[PoolState]) -> Engine {
    let mut e = Engine::new(Config {
        max_hops: 4,
        hubs: vec![HUB],
        ..Config::default()
    })
    .unwrap();
    e.upsert_pools(pools).unwrap();
    e
}

/// Every directed simple cycle as its rotation-free sequence of (pool, sells token0).
fn brute_cycles(pools: &[PoolState], len: usize) -> BTreeSet<Vec<(u64, bool)>> {
    let mut found = BTreeSet::new();
    fn walk(
        pools: &[PoolState],
        len: usize,
        start: u64,
        token: u64,
        path: &mut Vec<(u64, bool)>,
        seen: &mut Vec<u64>,
        out: &mut BTreeSet<Vec<(u64, bool)>>,
    ) {
        for p in pools {
            let (sells0, next) = if p.token0 == token {
                (true, p.token1)
            } else if p.token1 == token {
                (false, p.token0)
            } else {
                continue;
            };
            if path.iter().any(|&(id, _)| id == p.pool_id) {
                continue;
            }
            path.push((p.pool_id, sells0));
            if path.len() == len {
                if next == start {
                    let r = (0..len).min_by_key(|&i| path[i]).unwrap();
                    out.insert((0..len).map(|i| path[(i + r) % len]).collect());
                }
            } else if !seen.contains(&next) && next != start {
                seen.push(next);
                walk(pools, len, start, next, path, seen, out);
                seen.pop();
            }
            path.pop();
        }
    }
    let tokens: BTreeSet<u64> = pools.iter().flat_map(|p| [p.token0, p.token1]).collect();
    for &t in &tokens {
        walk(pools, len, t, t, &mut Vec::new(), &mut vec![t], &mut found);
    }
    if len == 4 {
        let token_of: HashMap<u64, &PoolState> = pools.iter().map(|p| (p.pool_id, p)).collect();
        found.retain(|c| {
            c.iter()
                .any(|(id, _)| token_of[id].token0 == HUB || token_of[id].token1 == HUB)
        });
    }
    found
}

fn check_opportunity(e: &Engine, o: &Opportunity, by_id: &HashMap<u64, PoolState>) {
    let outs = e.quote(o.pools(), o.start_token, o.amount_in).unwrap();
    assert_eq!(outs, o.amounts_out());
    assert_eq!(*outs.last().unwrap() - o.amount_in, o.profit);
    assert!(o.profit >= 1);
    assert_eq!(o.tokens().len(), o.pools().len() + 1);
    assert_eq!(o.tokens()[0], o.start_token);
    assert_eq!(*o.tokens().last().unwrap(), o.start_token);
    let touches_hub = o.tokens().contains(&HUB);
    if touches_hub {
        assert_eq!(o.start_token, HUB, "a cycle through the hub starts there");
    }
    for (i, id) in o.pools().iter().enumerate() {
        let p = &by_id[id];
        let pair = [o.tokens()[i], o.tokens()[i + 1]];
        assert!(pair == [p.token0, p.token1] || pair == [p.token1, p.token0]);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn the_index_holds_every_cycle_once(pools in pools_strategy()) {
        let mut e = engine(&pools);
        let stats = e.stats();
        prop_assert_eq!(stats.cycles_2, brute_cycles(&pools, 2).len());
        prop_assert_eq!(stats.cycles_3, brute_cycles(&pools, 3).len());
        prop_assert_eq!(stats.cycles_4, brute_cycles(&pools, 4).len());
        for hops in 2..=4 {
            let (ids, dirs) = e.directed_cycles(hops);
            let mut listed = BTreeSet::new();
            for (c, &d) in ids.chunks(hops).zip(&dirs) {
                let cycle: Vec<(u64, bool)> = c.iter().enumerate().map(|(i, &id)| (id, d >> i & 1 == 1)).collect();
                let r = (0..hops).min_by_key(|&i| cycle[i]).unwrap();
                listed.insert((0..hops).map(|i| cycle[(i + r) % hops]).collect::<Vec<_>>());
            }
            prop_assert_eq!(listed.len(), dirs.len(), "a directed cycle is listed twice");
            prop_assert_eq!(listed, brute_cycles(&pools, hops));
        }
    }

    #[test]
    fn every_opportunity_resimulates_exactly(pools in pools_strategy()) {
        let mut e = engine(&pools);
        let by_id: HashMap<u64, PoolState> = pools.iter().map(|p| (p.pool_id, *p)).collect();
        let found = e.scan_all();
        for w in found.windows(2) {
            prop_assert!(w[0].profit >= w[1].profit);
        }
        for o in &found {
            check_opportunity(&e, o, &by_id);
        }
    }

    #[test]
    fn an_update_reports_exactly_the_cycles_it_touches(
        pools in pools_strategy(),
        picks in prop::collection::vec((any::<prop::sample::Index>(), 1_000u128..=1_000_000_000, 1_000u128..=1_000_000_000), 1..4),
    ) {
        prop_assume!(!pools.is_empty());
        let mut e = engine(&pools);
        let mut ids = Vec::new();
        let (mut r0s, mut r1s) = (Vec::new(), Vec::new());
        for (ix, r0, r1) in picks {
            let id = pools[ix.index(pools.len())].pool_id;
            if !ids.contains(&id) {
                ids.push(id);
                r0s.push(r0);
                r1s.push(r1);
            }
        }
        let updated = e.update_reserves(&ids, &r0s, &r1s).unwrap();
        let full: Vec<Opportunity> = e
            .scan_all()
            .into_iter()
            .filter(|o| o.pools().iter().any(|p| ids.contains(p)))
            .collect();
        prop_assert_eq!(updated, full);
    }

    #[test]
    fn removed_pools_leave_no_cycle_behind(pools in pools_strategy(), cut in 0usize..5) {
        let mut e = engine(&pools);
        let removed: Vec<u64> = pools.iter().take(cut).map(|p| p.pool_id).collect();
        e.remove_pools(&removed).unwrap();
        let kept: Vec<PoolState> = pools.iter().skip(cut).copied().collect();
        let mut fresh = engine(&kept);
        prop_assert_eq!(e.scan_all(), fresh.scan_all());
        prop_assert_eq!(e.stats().directed_cycles(), fresh.stats().directed_cycles());
        // Re-adding them restores the original engine.
        e.upsert_pools(&pools[..cut.min(pools.len())]).unwrap();
        prop_assert_eq!(e.scan_all(), engine(&pools).scan_all());
    }
}
