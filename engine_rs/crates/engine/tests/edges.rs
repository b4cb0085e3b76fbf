//! Edge inputs: each gives a clear error or a documented skip, never a panic or an overflow.

use arbx_engine::{Config, Engine, EngineError, PoolState, MAX_RESERVE};

fn pool(id: u64, t0: u64, t1: u64, r0: u128, r1: u128, fee: u32) -> PoolState {
    PoolState {
        pool_id: id,
        token0: t0,
        token1: t1,
        reserve0: r0,
        reserve1: r1,
        fee_ppm: fee,
    }
}

fn engine() -> Engine {
    Engine::new(Config {
        max_hops: 4,
        hubs: vec![1],
        ..Config::default()
    })
    .unwrap()
}

#[test]
fn test_it_rejects_bad_configuration() {
    for config in [
        Config {
            max_hops: 1,
            ..Config::default()
        },
        Config {
            max_hops: 5,
            ..Config::default()
        },
        Config {
            hubs: vec![1, 1],
            ..Config::default()
        },
        Config {
            default_max_input: 0,
            ..Config::default()
        },
        Config {
            default_min_profit: 0,
            ..Config::default()
        },
    ] {
        assert!(matches!(
            Engine::new(config),
            Err(EngineError::BadConfig(_))
        ));
    }
}

#[test]
fn test_it_rejects_bad_pools_and_changes_nothing() {
    let mut e = engine();
    let good = pool(1, 1, 2, 10, 10, 3000);
    let cases = [
        (
            pool(2, 3, 3, 10, 10, 3000),
            EngineError::SelfLoop { pool: 2, token: 3 },
        ),
        (
            pool(2, 3, 4, MAX_RESERVE + 1, 10, 3000),
            EngineError::ReserveTooLarge {
                pool: 2,
                reserve: MAX_RESERVE + 1,
            },
        ),
        (
            pool(2, 3, 4, 10, 10, 1_000_001),
            EngineError::FeeTooLarge {
                pool: 2,
                fee_ppm: 1_000_001,
            },
        ),
        (good, EngineError::DuplicatePool(1)),
    ];
    for (bad, err) in cases {
        assert_eq!(e.upsert_pools(&[good, bad]), Err(err));
        assert_eq!(e.stats().pools, 0, "a failed batch changes nothing");
    }
}

#[test]
fn test_it_rejects_unknown_and_duplicate_ids() {
    let mut e = engine();
    e.upsert_pools(&[pool(1, 1, 2, 10, 10, 3000)]).unwrap();
    assert_eq!(
        e.update_reserves(&[9], &[1], &[1]),
        Err(EngineError::UnknownPool(9))
    );
    assert_eq!(
        e.update_reserves(&[1, 1], &[1, 2], &[1, 2]),
        Err(EngineError::DuplicatePool(1))
    );
    assert!(matches!(
        e.update_reserves(&[1], &[1, 2], &[1]),
        Err(EngineError::LengthMismatch { .. })
    ));
    assert_eq!(
        e.update_reserves(&[1], &[MAX_RESERVE + 1], &[1]),
        Err(EngineError::ReserveTooLarge {
            pool: 1,
            reserve: MAX_RESERVE + 1
        })
    );
    assert_eq!(e.remove_pools(&[1, 9]), Err(EngineError::UnknownPool(9)));
    assert_eq!(e.stats().pools, 1);
    assert_eq!(e.quote(&[9], 1, 5), Err(EngineError::UnknownPool(9)));
}

#[test]
fn test_empty_batches_are_no_ops() {
    let mut e = engine();
    e.upsert_pools(&[]).unwrap();
    e.remove_pools(&[]).unwrap();
    assert_eq!(e.update_reserves(&[], &[], &[]).unwrap(), vec![]);
    assert_eq!(e.scan_all(), vec![]);
    assert!(matches!(e.quote(&[], 1, 5), Err(EngineError::BadPath(_))));
}

#[test]
fn test_zero_reserves_are_skipped_by_scans_and_refused_by_quotes() {
    let mut e = engine();
    // Two parallel pools with very different prices, one of them empty.
    e.upsert_pools(&[
        pool(1, 1, 2, 1000, 0, 3000),
        pool(2, 1, 2, 1000, 5000, 3000),
    ])
    .unwrap();
    assert_eq!(e.stats().cycles_2, 2);
    assert_eq!(e.scan_all(), vec![]);
    assert_eq!(e.quote(&[1], 1, 10), Err(EngineError::NoLiquidity(1)));
    // Refilled, the pair pays.
    assert!(!e
        .update_reserves(&[1], &[1_000_000], &[1_000_000])
        .unwrap()
        .is_empty());
}

#[test]
fn test_extreme_reserves_and_fees_do_not_overflow() {
    let mut e = engine();
    e.upsert_pools(&[
        pool(1, 1, 2, MAX_RESERVE, MAX_RESERVE / 3, 0),
        pool(2, 1, 2, MAX_RESERVE / 5, MAX_RESERVE, 0),
        pool(3, 2, 3, 1, MAX_RESERVE, 999_999),
        pool(4, 3, 1, MAX_RESERVE / 2, 1, 1_000_000),
    ])
    .unwrap();
    for o in e.scan_all() {
        assert_eq!(
            e.quote(o.pools(), o.start_token, o.amount_in).unwrap(),
            o.amounts_out()
        );
    }
    // A full pool cannot take more: the chain would revert, so the engine refuses too.
    assert_eq!(e.quote(&[1], 1, 1), Err(EngineError::Overflow));
    // A 100 % fee pays nothing.
    assert_eq!(e.quote(&[4], 3, 1 << 100).unwrap(), vec![0]);
    assert_eq!(e.quote(&[3], 2, u128::MAX), Err(EngineError::Overflow));
}

#[test]
fn test_a_pool_met_twice_sees_its_new_reserves() {
    let mut e = engine();
    e.upsert_pools(&[pool(1, 1, 2, 1_000_000, 1_000_000, 3000)])
        .unwrap();
    let there_and_back = e.quote(&[1, 1], 1, 10_000).unwrap();
    let first = e.quote(&[1], 1, 10_000).unwrap()[0];
    assert_eq!(there_and_back[0], first);
    // Selling back into the moved pool returns less than was put in.
    assert!(there_and_back[1] < 10_000);
    assert!(matches!(e.quote(&[1], 7, 10), Err(EngineError::BadPath(_))));
}

#[test]
fn test_limits_cap_the_input_and_filter_small_profits() {
    let mut e = engine();
    e.upsert_pools(&[
        pool(1, 1, 2, 1_000_000_000, 2_200_000_000, 3000),
        pool(2, 1, 2, 1_000_000_000, 2_000_000_000, 3000),
    ])
    .unwrap();
    let free = e.scan_all();
    assert_eq!(free.len(), 1);
    e.set_token_limits(1, Some(1000), None).unwrap();
    let capped = e.scan_all();
    assert!(capped[0].amount_in <= 1000);
    e.set_token_limits(1, None, Some(free[0].profit + 1))
        .unwrap();
    assert_eq!(e.scan_all(), vec![]);
    assert!(e.set_token_limits(1, Some(0), None).is_err());
}

#[test]
fn test_a_token_change_reindexes_the_pool() {
    let mut e = engine();
    e.upsert_pools(&[pool(1, 1, 2, 10, 10, 3000), pool(2, 1, 2, 10, 10, 3000)])
        .unwrap();
    assert_eq!(e.stats().cycles_2, 2);
    e.upsert_pools(&[pool(2, 1, 3, 10, 10, 3000)]).unwrap();
    assert_eq!(e.stats().cycles_2, 0);
}

#[test]
fn test_a_minimum_profit_beyond_f64_precision_keeps_the_cycle() {
    let mut e = engine();
    let big = 1u128 << 100;
    e.upsert_pools(&[
        pool(1, 5, 6, big, big + big / 10, 3000),
        pool(2, 5, 6, big, big - big / 10, 3000),
    ])
    .unwrap();
    let [found] = e.scan_all().try_into().unwrap();
    assert!(found.profit > 1 << 60);
    e.set_token_limits(found.start_token, None, Some(found.profit))
        .unwrap();
    let [again] = e.scan_all().try_into().unwrap();
    assert!(again.profit >= found.profit);
}
