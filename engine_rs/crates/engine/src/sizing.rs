//! Sizing one directed cycle: a division-free screen, the closed form of the composed
//! "virtual pool", then an integer search with the exact on-chain formula.
//!
//! Why nothing profitable is missed: the integer chain (each hop floored) never pays more
//! than the real-valued chain `F(x) = rho*x / (1 + sigma*x)` (each hop is increasing, so a
//! floored input gives a smaller output), and `F(x) - x` is concave with slope `rho - 1` at 0.
//! So a cycle with `rho <= 1` has no profitable integer input, and one whose real maximum
//! `(sqrt(rho) - 1)^2 / sigma` is below the minimum profit has none either. The float tests
//! below only ever reject with a relative slack of 1e-12, over a hundred times the f64
//! rounding error of these short products (at most 20 roundings of 1.1e-16 each), so every
//! rejection is a proof; the integer search decides the rest.
//!
//! The integer search first looks for a narrow range of amounts at some hop boundary (a dust
//! pool makes the integer curve coarse there): what an input pays depends only on the amount
//! `z` it buys at that boundary, and the least input buying `z` is the best of them, so the
//! range is enumerated, with integer-aware float bounds skipping almost every `z`: the global
//! optimum, or the proof that nothing pays the minimum. Otherwise it starts at the closed-form
//! optimum `x* = (sqrt(rho) - 1) / sigma`, trims it to the least input that buys the same
//! output (the exact inverse of the chain: in a level of final output its first input is the
//! best), and climbs: while the first input of the next or the previous output level, or an
//! input within NEAR of it, pays more, it moves there and trims again. It stops early when the profit is within 1 of the real maximum (nothing can beat it
//! then).

use crate::amm::{chain_min_in, chain_out, Hop, FEE_DENOMINATOR, MAX_RESERVE};

/// Relative slack of every float rejection (f64 rounding here is below 1e-14).
pub const SLACK: f64 = 1e-12;
/// No input within this distance of the reported one (nor in the output levels next to its
/// own) gives a strictly larger profit. (The climb below is written for 2.)
pub const NEAR: u128 = 2;
/// Output levels looked at on each side of a cycle the climb left below the minimum profit.
pub const FAR_LEVELS: u32 = 4;
/// Bound on the moves of the local search.
pub const MAX_STEPS: u32 = 32;
/// Candidate ranges at most this wide (at some hop boundary) are enumerated: global optimum.
pub const EXHAUSTIVE: u128 = 512;
/// ... unless the inputs are large (the float pre-check cannot prune), then at most this wide.
pub const EXHAUSTIVE_COARSE: u128 = 16;
/// Inputs below this are small enough for f64 bounds to resolve single units.
const SHARP_BELOW: u128 = 1 << 40;

/// `x as f64` (round to nearest), through the one-instruction 64-bit conversion when it fits:
/// the 128-bit one is a library call, and the search converts often.
#[inline(always)]
pub(crate) fn float(x: u128) -> f64 {
    match u64::try_from(x) {
        Ok(small) => small as f64,
        Err(_) => x as f64,
    }
}

/// `p as f64` for a signed profit, as `float`.
#[inline(always)]
fn float_signed(p: i128) -> f64 {
    match i64::try_from(p) {
        Ok(small) => small as f64,
        Err(_) => p as f64,
    }
}

/// `v as u128` (saturating; NaN and negatives to 0), through the 64-bit conversion when it fits.
#[inline(always)]
fn whole(v: f64) -> u128 {
    if v < 18_446_744_073_709_551_616.0 {
        u128::from(v as u64)
    } else {
        v as u128
    }
}

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

/// A hop in floats: `(reserve_in, reserve_out, 1e6 - fee_ppm)`.
pub type FloatHop = (f64, f64, f64);

/// The hops in floats (at most 4 are used).
pub fn floats_of(hops: &[Hop]) -> [FloatHop; 4] {
    let mut out = [(0.0, 0.0, 0.0); 4];
    for (slot, hop) in out.iter_mut().zip(hops) {
        *slot = (
            float(hop.reserve_in),
            float(hop.reserve_out),
            f64::from(hop.gamma),
        );
    }
    out
}

impl VirtualPool {
    pub fn compose(hops: &[Hop]) -> Self {
        Self::compose_floats(&floats_of(hops)[..hops.len().min(4)])
    }

    /// Composes hops as 2x2 matrices `[[g*b, 0], [g, 1e6*a]]` (a pool maps `x` to
    /// `g*b*x / (1e6*a + g*x)`): products and sums only, then two divisions. Every term is
    /// positive, so the rounding error stays within a few ulps per hop.
    pub fn compose_floats(hops: &[FloatHop]) -> Self {
        let (mut p, mut q, mut r) = (1.0f64, 1.0f64, 0.0f64);
        for &(a, b, g) in hops {
            let scaled = a * f64::from(FEE_DENOMINATOR);
            r = r * scaled + g * p;
            p *= g * b;
            q *= scaled;
        }
        Self {
            rho: p / q,
            sigma: r / q,
        }
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

    /// Whether the real-valued maximum profit can reach `level`: `max_profit_upper() >= level`
    /// without its divisions (the screen asks this of every candidate cycle).
    #[inline(always)]
    pub fn may_pay(self, level: f64) -> bool {
        let (rho, sigma) = self.widened();
        let pays = rho > 1.0;
        let curved = sigma > 0.0;
        if !(pays && curved) {
            return pays; // (NaN reserves neither pay nor curve)
        }
        // (rho - 1) / (sqrt(rho) + 1) = sqrt(rho) - 1, without the cancellation near 1.
        let gain = rho - 1.0;
        let root = rho.sqrt() + 1.0;
        gain * gain * (1.0 + SLACK) * (1.0 + SLACK) >= level * sigma * root * root
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

/// The integer input in `[1, max_input]` that maximises the exact profit, if that profit is
/// at least `min_profit` (>= 1). See the module doc for why a `None` is a proof.
pub fn size_cycle(hops: &[Hop], max_input: u128, min_profit: u128) -> Option<Sized> {
    let floats = floats_of(hops);
    let floats = &floats[..hops.len().min(4)];
    size_prepared(
        hops,
        floats,
        VirtualPool::compose_floats(floats),
        max_input,
        min_profit,
    )
}

/// `size_cycle` for a caller that already has the hops in floats and their virtual pool
/// (`hops.len() <= 4`).
pub fn size_prepared(
    hops: &[Hop],
    floats: &[FloatHop],
    pool: VirtualPool,
    max_input: u128,
    min_profit: u128,
) -> Option<Sized> {
    let min_profit = min_profit.max(1);
    let upper = pool.max_profit_upper();
    if upper < float(min_profit) {
        return None;
    }
    let hi = max_input.min(MAX_RESERVE);
    if hi == 0 {
        return None;
    }
    let floor = min_profit as i128 - 1;
    let forward = |x: u128| chain_out(hops, x);
    let backward = |y: u128| chain_min_in(hops, y);
    // `as` saturates (and maps NaN to 0), so the clamp is all the range handling needed.
    let mut best_x = whole(pool.optimal_input().floor()).clamp(1, hi);
    // Past a reserve's 2^112 bound the chain reverts: back off until it does not.
    let mut best_y = loop {
        match forward(best_x) {
            Some(y) => break y,
            None if best_x > 1 => best_x /= 2,
            None => return None,
        }
    };
    // Trim to the start of the output level: the least input that still buys this output.
    // (The least input buying y0 = F(x0) buys exactly y0: it is at most x0.)
    let least = (best_y > 0)
        .then(|| backward(best_y))
        .flatten()
        .filter(|&t| (1..=best_x).contains(&t));
    let mut trimmed = least.is_some();
    best_x = least.unwrap_or(best_x);
    let profit = |x: u128, y: u128| y as i128 - x as i128;
    let mut best_p = profit(best_x, best_y);
    // No integer input pays more than the real maximum: within 1 of it, we are done.
    let certified = |p: i128| float_signed(p) + 1.0 > upper;
    if certified(best_p) {
        return (best_p >= min_profit as i128).then_some(Sized {
            amount_in: best_x,
            amount_out: best_y,
        });
    }
    if let Some(better) = enumerate_narrow(hops, floats, pool, hi, Some((best_x, best_y)), floor) {
        (best_x, best_y) = better.unwrap_or((best_x, best_y));
    } else {
        // Climb: the neighbours of a trimmed input are the first inputs of the next and the
        // previous output levels (a level's first input is its best) and every input within
        // NEAR of it. While one pays more, move to the best of them (trimmed) and look again.
        // Each side costs two exact evaluations, and a third when its level is one input wide;
        // after a move from one level's start to the next, the side it came from is known.
        let mut came_from: Option<bool> = None; // Some(true): moved right, from a level start
        for _ in 0..MAX_STEPS {
            // (input, output, is the first input of its level)
            let mut next: Option<(u128, u128, bool)> = None;
            let mut next_p = best_p;
            let mut consider = |x: u128, y: u128, first: bool| {
                if x <= hi && profit(x, y) > next_p {
                    (next, next_p) = (Some((x, y, first)), profit(x, y));
                }
            };
            // The next level's first input n: every input in (best_x, n) buys best_y.
            let right = came_from != Some(false);
            if let Some(n) = right
                .then(|| best_y.checked_add(1).and_then(backward))
                .flatten()
            {
                if n <= hi {
                    if let Some(yn) = forward(n) {
                        consider(n, yn, true);
                        if n == best_x + 1 && n < hi {
                            if let Some(y2) = forward(n + 1) {
                                consider(n + 1, y2, y2 > yn);
                            }
                        }
                    }
                }
            }
            // The previous level's first input p: every input in (p, best_x) buys less.
            if best_x > 1 && came_from != Some(true) {
                let x1 = best_x - 1;
                if let Some(y1) = forward(x1) {
                    if !trimmed {
                        consider(x1, y1, false);
                    }
                    let p = if y1 == 0 {
                        Some(1)
                    } else {
                        backward(y1).filter(|&t| (1..=x1).contains(&t))
                    };
                    if let Some(p) = p {
                        consider(p, y1, y1 > 0);
                        if p == x1 && x1 > 1 {
                            if let Some(y2) = forward(x1 - 1) {
                                consider(x1 - 1, y2, false);
                            }
                        }
                    }
                }
            }
            let Some((x, y, first)) = next else { break };
            came_from = (first && trimmed).then_some(x > best_x);
            let least = if first {
                Some(x)
            } else {
                backward(y).filter(|&t| (1..=x).contains(&t))
            };
            trimmed = least.is_some();
            best_x = least.unwrap_or(x);
            best_y = y;
            best_p = profit(best_x, best_y);
        }
        if best_p < min_profit as i128 {
            // Not paying yet: before giving the cycle up, look further, at the first inputs of
            // the next FAR_LEVELS output levels on each side (what the climb saw included).
            let (mut y, mut x) = (best_y, best_x);
            for _ in 0..FAR_LEVELS {
                let Some(n) = y.checked_add(1).and_then(backward).filter(|&n| n <= hi) else {
                    break;
                };
                let Some(yn) = forward(n) else { break };
                if profit(n, yn) > best_p {
                    (best_x, best_y, best_p) = (n, yn, profit(n, yn));
                }
                y = yn;
            }
            for _ in 0..FAR_LEVELS {
                let Some(prev_y) = (x > 1).then(|| forward(x - 1)).flatten() else {
                    break;
                };
                let Some(p) = (prev_y > 0)
                    .then(|| backward(prev_y))
                    .flatten()
                    .filter(|&t| (1..x).contains(&t))
                else {
                    break;
                };
                if profit(p, prev_y) > best_p {
                    (best_x, best_y, best_p) = (p, prev_y, profit(p, prev_y));
                }
                x = p;
            }
        }
    }
    let best_p = profit(best_x, best_y);
    (best_p >= min_profit as i128).then_some(Sized {
        amount_in: best_x,
        amount_out: best_y,
    })
}

/// The global integer optimum, when it can be found by enumeration: every input that could beat
/// `best` lies in the real-valued candidate interval, and what it pays depends only on the
/// amount `z` it buys at some hop boundary `k` (then the least input buying `z` is the best such
/// input). If one boundary has at most EXHAUSTIVE candidate amounts, try them all.
fn enumerate_narrow(
    hops: &[Hop],
    floats: &[FloatHop],
    pool: VirtualPool,
    hi: u128,
    best: Option<(u128, u128)>,
    floor: i128,
) -> Option<Option<(u128, u128)>> {
    // Only inputs paying more than the best so far, and at least the minimum profit, matter.
    let best_p = best.map_or(i128::MIN, |(x, y)| y as i128 - x as i128);
    let level = best_p.max(floor).max(0);
    // (Rounded down, so that a large level never narrows the interval.)
    let Some((lo, up)) = pool.beating(float_signed(level) * (1.0 - SLACK)) else {
        return Some(best); // no input can beat the level
    };
    let lo = whole(lo.max(1.0)).clamp(1, hi);
    let up = whole(up.max(1.0)).clamp(1, hi);
    // Bounds on the amounts at each boundary for the interval's ends (boundary 0 is the input
    // itself), from integer-aware float chains: cheap, and never narrower than the truth.
    let bounds = FloatHops::new(floats);
    let (mut z_lo, mut z_up) = (float(lo), float(up));
    let mut narrowest = (0usize, lo, up);
    for k in 0..hops.len() {
        z_lo = bounds.hop_output(k, z_lo, 1.0 - SLACK).max(0.0);
        z_up = bounds.hop_output(k, z_up, 1.0 + SLACK);
        let (a, b) = (whole(z_lo), whole(z_up).saturating_add(1));
        if b - a < narrowest.2 - narrowest.1 {
            narrowest = (k + 1, a, b);
        }
    }
    let (k, z_lo, z_up) = narrowest;
    // Float bounds resolve single units only for small amounts; past that, a long range costs
    // more exact evaluations than the (local) level walk.
    let sharp = up < SHARP_BELOW;
    if z_up - z_lo > EXHAUSTIVE || (!sharp && z_up - z_lo > EXHAUSTIVE_COARSE) {
        return None;
    }
    let (head, tail) = hops.split_at(k);
    let (head_f, tail_f) = (FloatHops::new(&floats[..k]), FloatHops::new(&floats[k..]));
    let (mut found, mut found_p) = (best, best_p.max(level));
    for z in z_lo.max(1)..=z_up {
        // Integer-aware float bounds skip almost every candidate without 256-bit work.
        let Some(least_in) = head_f.least_input(z) else {
            continue;
        };
        if tail_f.most_output(z) - least_in <= float_signed(found_p) {
            continue;
        }
        let Some(x) = chain_min_in(head, z).filter(|&x| (1..=hi).contains(&x)) else {
            continue;
        };
        let Some(y) = chain_out(tail, z) else {
            continue;
        };
        let p = y as i128 - x as i128;
        if p > found_p || (p == found_p && found.is_some_and(|f| x < f.0)) {
            (found, found_p) = (Some((x, y)), p);
        }
    }
    Some(found)
}

/// Hops in f64 for bounds that respect integrality: rounding each hop's real output up (or its
/// least input down) by the slack, then to an integer, bounds the exact on-chain integer chain,
/// and keeps the floors that make small ("dust") amounts coarse.
struct FloatHops {
    /// `(1e6 * reserve_in, 1e6 - fee, reserve_out)` per hop.
    hops: [(f64, f64, f64); 4],
    len: usize,
}

impl FloatHops {
    fn new(hops: &[FloatHop]) -> Self {
        let mut out = [(0.0, 0.0, 0.0); 4];
        for (slot, &(a, b, g)) in out.iter_mut().zip(hops) {
            *slot = (a * f64::from(FEE_DENOMINATOR), g, b);
        }
        Self {
            hops: out,
            len: hops.len().min(4),
        }
    }

    /// Hop `k`'s output for input `v`, scaled by `scale` (1 +/- slack) then rounded down:
    /// an upper (lower) bound on the integer output when `v` bounds the input from above
    /// (below) and `scale` is above (below) 1.
    #[inline]
    fn hop_output(&self, k: usize, v: f64, scale: f64) -> f64 {
        let (a, g, b) = self.hops[k];
        let with_fee = g * v;
        (with_fee * b / (a + with_fee) * scale).floor()
    }

    /// An upper bound on the integer output of the hops for input `z`.
    #[inline]
    fn most_output(&self, z: u128) -> f64 {
        let mut v = float(z) * (1.0 + SLACK);
        for &(a, g, b) in &self.hops[..self.len] {
            let with_fee = g * v;
            v = (with_fee * b / (a + with_fee) * (1.0 + SLACK)).floor();
        }
        v
    }

    /// A lower bound on the least integer input buying `z` through the hops; `None` if no
    /// input can.
    #[inline]
    fn least_input(&self, z: u128) -> Option<f64> {
        let mut v = float(z) * (1.0 - SLACK);
        for &(a, g, b) in self.hops[..self.len].iter().rev() {
            if v >= b {
                return None;
            }
            v = (a * v / (g * (b - v)) * (1.0 - SLACK)).ceil();
        }
        Some(v)
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
