//! Property tests of the sizing: exact re-simulation, local optimality, agreement with a
//! brute-force integer search, and a conservative screen.

use arbx_engine::sizing::{screen, EXHAUSTIVE};
use arbx_engine::{chain_amounts, chain_out, size_cycle, Hop, FEE_DENOMINATOR, MAX_RESERVE};
use proptest::prelude::*;
use ruint::Uint;

type U704 = Uint<704, 11>;

fn hop_strategy(max_reserve: u128, max_fee: u32) -> impl Strategy<Value = Hop> {
    (1..=max_reserve, 1..=max_reserve, 0..=max_fee).prop_map(|(a, b, fee)| Hop {
        reserve_in: a,
        reserve_out: b,
        gamma: FEE_DENOMINATOR - fee,
    })
}

/// Reserves spread over many magnitudes, as in a real snapshot.
fn wide_hop() -> impl Strategy<Value = Hop> {
    (
        1u32..=112,
        1u32..=112,
        any::<u128>(),
        any::<u128>(),
        0u32..=30_000,
    )
        .prop_map(|(ea, eb, ma, mb, fee)| {
            let a = (ma >> (128 - ea)).clamp(1, MAX_RESERVE);
            let b = (mb >> (128 - eb)).clamp(1, MAX_RESERVE);
            Hop {
                reserve_in: a,
                reserve_out: b,
                gamma: FEE_DENOMINATOR - fee,
            }
        })
}

/// A cycle whose prices roughly agree, so that profits are small and the search is tested
/// where it matters (balanced cycles plus a few percent of noise).
fn near_balanced_cycle() -> impl Strategy<Value = Vec<Hop>> {
    (
        2usize..=4,
        prop::collection::vec((40u32..=100, -300i64..=300, 0u32..=5000), 4),
    )
        .prop_map(|(n, parts)| {
            let mut hops = Vec::new();
            let mut price = 1.0f64;
            for (i, &(e, noise, fee)) in parts.iter().take(n).enumerate() {
                let a = 1u128 << e;
                let target = if i + 1 == n {
                    1.0 / price
                } else {
                    0.5 + (e % 7) as f64
                };
                let rate = target * (1.0 + noise as f64 / 10_000.0);
                price *= target;
                let b = ((a as f64) * rate).max(1.0).min(MAX_RESERVE as f64) as u128;
                hops.push(Hop {
                    reserve_in: a,
                    reserve_out: b,
                    gamma: FEE_DENOMINATOR - fee,
                });
            }
            hops
        })
}

fn profit(hops: &[Hop], x: u128) -> Option<i128> {
    chain_out(hops, x).map(|y| y as i128 - x as i128)
}

fn brute_force(hops: &[Hop], max_input: u128) -> i128 {
    // Profit needs output > input, and output < the last reserve, so larger inputs lose.
    let limit = max_input.min(hops.last().map_or(0, |h| h.reserve_out));
    (1..=limit)
        .filter_map(|x| profit(hops, x))
        .max()
        .unwrap_or(0)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn the_narrow_arithmetic_matches_the_256_bit_oracle(
        hop in wide_hop(),
        e in 1u32..=112,
        m in any::<u128>(),
        f in 0u32..=1_000_000,
    ) {
        let hop = Hop { gamma: f, ..hop };
        let x = (m >> (128 - e)).min(MAX_RESERVE);
        prop_assert_eq!(hop.amount_out(x), hop.amount_out_wide(x));
        let y = x % hop.reserve_out.max(1);
        prop_assert_eq!(hop.min_amount_in(y), hop.min_amount_in_wide(y));
        if let Some(x) = hop.min_amount_in(y) {
            prop_assert!(hop.amount_out(x).unwrap() >= y);
            if x > 0 {
                prop_assert!(hop.amount_out(x - 1).unwrap() < y);
            }
        }
    }

    #[test]
    fn reported_profit_equals_hop_by_hop_resimulation(hops in near_balanced_cycle()) {
        if let Some(sized) = size_cycle(&hops, MAX_RESERVE, 1) {
            let amounts = chain_amounts(&hops, sized.amount_in).unwrap();
            // By hand, hop by hop, with the on-chain formula.
            let mut x = sized.amount_in;
            for (hop, &out) in hops.iter().zip(&amounts) {
                let with_fee = Uint::<256, 4>::from(x) * Uint::from(hop.gamma);
                let num = with_fee * Uint::from(hop.reserve_out);
                let den = Uint::<256, 4>::from(hop.reserve_in) * Uint::from(FEE_DENOMINATOR) + with_fee;
                x = u128::try_from(num / den).unwrap();
                prop_assert_eq!(x, out);
            }
            prop_assert_eq!(x, sized.amount_out);
            prop_assert!(sized.profit() >= 1);
        }
    }

    #[test]
    fn no_nearby_input_pays_more(hops in near_balanced_cycle(), max_in in 1u128..=MAX_RESERVE) {
        if let Some(sized) = size_cycle(&hops, max_in, 1) {
            prop_assert!(sized.amount_in >= 1 && sized.amount_in <= max_in);
            let best = sized.profit() as i128;
            let lo = sized.amount_in.saturating_sub(2).max(1);
            let up = sized.amount_in.saturating_add(2).min(max_in);
            for x in lo..=up {
                if let Some(p) = profit(&hops, x) {
                    prop_assert!(p <= best, "input {} pays {} > {}", x, p, best);
                }
            }
        }
    }

    #[test]
    fn sizing_agrees_with_brute_force_on_small_cycles(
        hops in prop::collection::vec(hop_strategy(EXHAUSTIVE, 50_000), 2..=4),
        max_in in 1u128..=600,
    ) {
        let brute = brute_force(&hops, max_in);
        match size_cycle(&hops, max_in, 1) {
            Some(sized) => prop_assert_eq!(sized.profit() as i128, brute),
            None => prop_assert!(brute <= 0, "missed a profit of {}", brute),
        }
    }

    #[test]
    fn the_minimum_profit_is_respected(
        hops in prop::collection::vec(hop_strategy(400, 5000), 2..=3),
        min_profit in 1u128..=50,
    ) {
        let brute = brute_force(&hops, u128::MAX);
        match size_cycle(&hops, u128::MAX, min_profit) {
            Some(sized) => prop_assert_eq!(sized.profit() as i128, brute),
            None => prop_assert!(brute < min_profit as i128),
        }
    }

    #[test]
    fn the_float_screen_never_rejects_a_paying_cycle(
        hops in prop::collection::vec(wide_hop(), 2..=4),
    ) {
        let n = hops.len();
        let (mut g, mut x, mut y) = (1.0f64, 1.0f64, 1.0f64);
        for h in &hops {
            g *= f64::from(h.gamma);
            x *= h.reserve_out as f64;
            y *= h.reserve_in as f64;
        }
        let (forward, reverse) = screen(n, g, x, y);
        // Exact marginal rates at zero input, in 704-bit integers.
        let mut num = U704::from(1u8);
        let mut den = U704::from(1u8);
        let mut rev_num = U704::from(1u8);
        for h in &hops {
            num *= U704::from(h.gamma) * U704::from(h.reserve_out);
            den *= U704::from(FEE_DENOMINATOR) * U704::from(h.reserve_in);
            rev_num *= U704::from(h.gamma) * U704::from(h.reserve_in);
        }
        let rev_den = {
            let mut d = U704::from(1u8);
            for h in &hops {
                d *= U704::from(FEE_DENOMINATOR) * U704::from(h.reserve_out);
            }
            d
        };
        if num > den {
            prop_assert!(forward);
        }
        if rev_num > rev_den {
            prop_assert!(reverse);
        }
        if !forward {
            prop_assert_eq!(size_cycle(&hops, MAX_RESERVE, 1), None);
        }
    }
}
