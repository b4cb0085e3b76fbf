//! Sizing one directed cycle: a division-free screen, the closed form of the composed
//! "virtual pool", then an integer search with the exact on-chain formula.
//!
//! Why nothing profitable is missed: the integer chain (each hop floored) never pays more
//! than the real-valued chain `F(x) = rho*x / (1 + sigma*x)` (each hop is increasing, so a
//! floored input gives a smaller output), and `F(x) - x` is concave with slope `rho - 1` at 0.
//! So a cycle with `rho <= 1` has no profitable integer input, and one whose real maximum
//! `(sqrt(rho) - 1)^2 / sigma` is below the minimum profit has none either. The float tests
//! below only ever reject with a relative slack of 1e-9, a million times the f64 rounding error
//! of these short products, so every rejection is a proof; the integer search decides the rest.

use crate::amm::{chain_out, Hop, FEE_DENOMINATOR};

/// Relative slack of every float rejection (f64 rounding here is below 1e-14).
pub const SLACK: f64 = 1e-9;
/// Inputs are capped at 2^120 so that `amount * (1e6 - fee) * reserve` stays below 2^256.
pub const MAX_SEARCH_INPUT: u128 = 1 << 120;
/// Half-width of the exhaustive window around the final input: no input within this distance
/// gives a strictly larger profit.
pub const WINDOW: u128 = 16;
/// Candidate intervals at most this wide are searched exhaustively (global integer optimum).
pub const EXHAUSTIVE: u128 = 1024;

/// `1e6^n` as f64, for the screen.
const GAMMA_SCALE: [f64; 5] = [1.0, 1e6, 1e12, 1e18, 1e24];

/// The division-free screen for both orientations of a cycle, from the products of the
/// hops' `1e6 - fee` (`g`), of the reserves on the forward output side (`x`) and on the
/// forward input side (`y`). Forward can pay iff `g*x > 1e6^n * y`; the reverse iff
/// `g*y > 1e6^n * x` (at most one of them holds when fees are non-negative).
#[inline(always)]
pub fn screen(hops: usize, g: f64, x: f64, y: f64) -> (bool, bool) {
    let k = GAMMA_SCALE[hops] * (1.0 - SLACK);
    (g * x > k * y, g * y > k * x)
}

/// The cycle composed into one virtual pool: output `F(x) = rho*x / (1 + sigma*x)`.
/// (A constant-product pool with reserves `Ea = 1/sigma`, `Eb = rho/sigma` and no fee.)
#[derive(Debug, Clone, Copy)]
pub struct VirtualPool {
    pub rho: f64,
    pub sigma: f64,
}

impl VirtualPool {
    pub fn compose(hops: &[Hop]) -> Self {
        let mut rho = 1.0f64;
        let mut sigma = 0.0f64;
        for hop in hops {
            let gamma = f64::from(hop.gamma) / f64::from(FEE_DENOMINATOR);
            let a = hop.reserve_in as f64;
            let b = hop.reserve_out as f64;
            sigma += rho * gamma / a;
            rho *= gamma * b / a;
        }
        Self { rho, sigma }
    }

    /// Upper bounds on rho and lower bounds on sigma (the profit curve only grows with them).
    fn widened(self) -> (f64, f64) {
        (self.rho * (1.0 + SLACK), self.sigma * (1.0 - SLACK))
    }

    /// An upper bound on the real-valued maximum profit `(sqrt(rho) - 1)^2 / sigma`.
    pub fn max_profit_upper(self) -> f64 {
        let (rho, sigma) = self.widened();
        let pays = rho > 1.0;
        let curved = sigma > 0.0;
        if !(pays && curved) {
            return if pays { f64::INFINITY } else { 0.0 };
        }
        let root_minus_one = (rho - 1.0) / (rho.sqrt() + 1.0);
        root_minus_one * root_minus_one / sigma * (1.0 + SLACK)
    }

    /// The real-valued optimal input `(sqrt(rho) - 1) / sigma`.
    pub fn optimal_input(self) -> f64 {
        let pays = self.rho > 1.0 && self.sigma > 0.0;
        if !pays {
            return 0.0;
        }
        (self.rho - 1.0) / (self.rho.sqrt() + 1.0) / self.sigma
    }

    /// A superset of the inputs whose real-valued profit exceeds `level`, or `None` if empty.
    /// Roots of `sigma*x^2 + (1 + sigma*level - rho)*x + level = 0`, widened.
    pub fn beating(self, level: f64) -> Option<(f64, f64)> {
        let (rho, sigma) = self.widened();
        let curved = sigma > 0.0;
        if !curved {
            return None;
        }
        let b = rho - 1.0 - sigma * level;
        let d = b * b - 4.0 * sigma * level;
        let d_hi = d + 1e-12 * (b * b + 4.0 * sigma * level);
        if b <= 0.0 || d_hi < 0.0 {
            return None;
        }
        let root = d_hi.max(0.0).sqrt();
        let lo = 2.0 * level / (b + root);
        let hi = (b + root) / (2.0 * sigma);
        Some((lo * (1.0 - 1e-6) - 4.0, hi * (1.0 + 1e-6) + 4.0))
    }
}

/// A sized cycle: the integer input and the final output of the exact chain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sized {
    pub amount_in: u128,
    pub amount_out: u128,
}

impl Sized {
    pub fn profit(&self) -> u128 {
        self.amount_out - self.amount_in
    }
}

/// Exact profit of input `x`, or `i128::MIN` if the chain overflows (it cannot below the cap).
#[inline]
fn profit_at(hops: &[Hop], x: u128) -> i128 {
    match chain_out(hops, x) {
        Some(out) => out as i128 - x as i128,
        None => i128::MIN,
    }
}

/// The integer input in `[1, max_input]` that maximises the exact profit, if that profit is
/// at least `min_profit` (>= 1). See the module doc for why a `None` is a proof.
pub fn size_cycle(hops: &[Hop], max_input: u128, min_profit: u128) -> Option<Sized> {
    let pool = VirtualPool::compose(hops);
    let min_profit = min_profit.max(1);
    if pool.max_profit_upper() < min_profit as f64 {
        return None;
    }
    let hi = max_input.min(MAX_SEARCH_INPUT);
    if hi == 0 {
        return None;
    }
    let eval = |x: u128| profit_at(hops, x);
    // `as` saturates (and maps NaN to 0), so the clamp is all the range handling needed.
    let start = (pool.optimal_input().floor() as u128).clamp(1, hi);
    let (mut best_x, mut best_p) = (start, eval(start));

    // Pattern search with halving steps: the floors make the profit slightly jagged, so a
    // plain ternary search could stop on a local bump.
    let bits = 128 - best_x.leading_zeros();
    let mut step: u128 = 1u128 << bits.saturating_sub(4);
    while step > WINDOW {
        for _ in 0..32 {
            let down = best_x.checked_sub(step).filter(|&x| x >= 1);
            let up = best_x.checked_add(step).filter(|&x| x <= hi);
            let moved = [down, up].into_iter().flatten().find_map(|x| {
                let p = eval(x);
                (p > best_p).then_some((x, p))
            });
            match moved {
                Some((x, p)) => (best_x, best_p) = (x, p),
                None => break,
            }
        }
        step >>= 1;
    }
    // Exhaustive windows until no input within WINDOW is strictly better.
    for _ in 0..256 {
        let lo = best_x.saturating_sub(WINDOW).max(1);
        let up = best_x.saturating_add(WINDOW).min(hi);
        let (mut wx, mut wp) = (best_x, best_p);
        for x in lo..=up {
            let p = eval(x);
            if p > wp || (p == wp && x < wx) {
                (wx, wp) = (x, p);
            }
        }
        let improved = wp > best_p;
        (best_x, best_p) = (wx, wp);
        if !improved {
            break;
        }
    }
    // Small candidate interval: search it all, which makes the result the global optimum.
    if let Some((lo, up)) = pool.beating(best_p.max(0) as f64) {
        let lo = (lo.max(1.0) as u128).max(1);
        let up = (up.min(hi as f64) as u128).min(hi);
        if lo <= up && up - lo <= EXHAUSTIVE {
            for x in lo..=up {
                let p = eval(x);
                if p > best_p || (p == best_p && x < best_x) {
                    (best_x, best_p) = (x, p);
                }
            }
        }
    }
    if best_p >= min_profit as i128 {
        Some(Sized {
            amount_in: best_x,
            amount_out: (best_x as i128 + best_p) as u128,
        })
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hop(a: u128, b: u128) -> Hop {
        Hop {
            reserve_in: a,
            reserve_out: b,
            gamma: 997_000,
        }
    }

    #[test]
    fn it_finds_the_textbook_two_pool_arbitrage() {
        // Same pair, prices 2.0 and 2.2: buy cheap, sell dear.
        let hops = [
            hop(1_000_000_000, 2_200_000_000),
            hop(2_000_000_000, 1_000_000_000),
        ];
        let sized = size_cycle(&hops, u128::MAX, 1).unwrap();
        assert!(sized.profit() > 0);
        assert_eq!(chain_out(&hops, sized.amount_in), Some(sized.amount_out));
    }

    #[test]
    fn it_rejects_a_balanced_cycle() {
        let hops = [hop(1_000_000, 2_000_000), hop(2_000_000, 1_000_000)];
        assert_eq!(size_cycle(&hops, u128::MAX, 1), None);
    }

    #[test]
    fn it_respects_the_max_input() {
        let hops = [
            hop(1_000_000_000, 3_000_000_000),
            hop(2_000_000_000, 1_000_000_000),
        ];
        let sized = size_cycle(&hops, 1000, 1).unwrap();
        assert!(sized.amount_in <= 1000);
    }
}
