//! Arbitrary operations on arbitrary pools never panic: every outcome is a value or an error.

use arbx_engine::{Config, Engine, PoolState, MAX_RESERVE};
use proptest::prelude::*;

fn reserve() -> impl Strategy<Value = u128> {
    prop_oneof![
        Just(0u128),
        Just(1u128),
        Just(MAX_RESERVE),
        Just(MAX_RESERVE + 1),
        (0u32..=113, any::<u128>()).prop_map(|(e, m)| if e == 0 { 0 } else { m >> (128 - e) }),
    ]
}

#[derive(Debug, Clone)]
enum Op {
    Upsert(Vec<PoolState>),
    Update(Vec<u64>, Vec<u128>, Vec<u128>),
    Remove(Vec<u64>),
    Quote(Vec<u64>, u64, u128),
    Limits(u64, Option<u128>, Option<u128>),
    Scan,
}

fn op() -> impl Strategy<Value = Op> {
    let pool = (
        0u64..12,
        0u64..6,
        0u64..6,
        reserve(),
        reserve(),
        prop_oneof![
            Just(0u32),
            Just(3000u32),
            Just(999_999u32),
            Just(1_000_000u32),
            Just(1_000_001u32)
        ],
    )
        .prop_map(
            |(pool_id, token0, token1, reserve0, reserve1, fee_ppm)| PoolState {
                pool_id,
                token0,
                token1,
                reserve0,
                reserve1,
                fee_ppm,
            },
        );
    prop_oneof![
        prop::collection::vec(pool, 0..8).prop_map(Op::Upsert),
        (
            prop::collection::vec(0u64..14, 0..4),
            prop::collection::vec(reserve(), 0..4),
            prop::collection::vec(reserve(), 0..4)
        )
            .prop_map(|(a, b, c)| Op::Update(a, b, c)),
        prop::collection::vec(0u64..14, 0..3).prop_map(Op::Remove),
        (
            prop::collection::vec(0u64..14, 0..5),
            0u64..6,
            any::<u128>()
        )
            .prop_map(|(p, t, a)| Op::Quote(p, t, a)),
        (
            0u64..6,
            prop::option::of(any::<u128>()),
            prop::option::of(any::<u128>())
        )
            .prop_map(|(t, m, p)| Op::Limits(t, m, p)),
        Just(Op::Scan),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn no_sequence_of_operations_panics(ops in prop::collection::vec(op(), 1..12), hops in 2u8..=4) {
        let mut e = Engine::new(Config { max_hops: hops, hubs: vec![0, 3], ..Config::default() }).unwrap();
        for op in ops {
            match op {
                Op::Upsert(p) => { let _ = e.upsert_pools(&p); }
                Op::Update(a, b, c) => {
                    if let Ok(found) = e.update_reserves(&a, &b, &c) {
                        for o in found {
                            prop_assert_eq!(e.quote(o.pools(), o.start_token, o.amount_in).unwrap(), o.amounts_out());
                        }
                    }
                }
                Op::Remove(p) => { let _ = e.remove_pools(&p); }
                Op::Quote(p, t, a) => { let _ = e.quote(&p, t, a); }
                Op::Limits(t, m, p) => { let _ = e.set_token_limits(t, m, p); }
                Op::Scan => {
                    for o in e.scan_all() {
                        prop_assert_eq!(e.quote(o.pools(), o.start_token, o.amount_in).unwrap(), o.amounts_out());
                        prop_assert!(o.profit >= 1);
                    }
                }
            }
        }
        let _ = e.stats();
        for h in 0..6 {
            let _ = e.directed_cycles(h);
        }
    }
}
