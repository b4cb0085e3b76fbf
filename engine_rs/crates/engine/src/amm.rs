//! Exact Uniswap-V2-style swap arithmetic on integers.
//!
//! `amountInWithFee = amountIn * (1e6 - fee_ppm)`;
//! `amountOut = amountInWithFee * reserveOut / (reserveIn * 1e6 + amountInWithFee)`.
//! With `fee_ppm = 3000` this is `UniswapV2Library.getAmountOut` exactly (both numerator and
//! denominator are the on-chain ones multiplied by 1000). All products are 256-bit and
//! checked, as SafeMath checks them on-chain.

use crate::error::{EngineError, Result};
use ruint::aliases::U256;

/// Parts per million: the fee denominator.
pub const FEE_DENOMINATOR: u32 = 1_000_000;
/// Largest reserve a Uniswap V2 pair can hold (`uint112`).
pub const MAX_RESERVE: u128 = (1u128 << 112) - 1;

/// One swap step: reserves seen from the input side, and `1e6 - fee_ppm`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hop {
    pub reserve_in: u128,
    pub reserve_out: u128,
    pub gamma: u32,
}

impl Hop {
    /// `getAmountOut` with this hop's fee. `None` where the chain reverts: a 256-bit
    /// overflow (SafeMath) or an input that would push the reserve past 2^112 - 1
    /// (`UniswapV2: OVERFLOW` in the pair's `_update`).
    #[inline]
    pub fn amount_out(&self, amount_in: u128) -> Option<u128> {
        if amount_in > MAX_RESERVE.checked_sub(self.reserve_in)? {
            return None;
        }
        if amount_in < NARROW && self.reserve_in < NARROW {
            // 128-bit factors, a 256-bit product and a 128-bit divisor: the common case.
            let with_fee = amount_in * u128::from(self.gamma);
            if let Some(den) = (self.reserve_in * u128::from(FEE_DENOMINATOR)).checked_add(with_fee)
            {
                let (hi, lo) = widening_mul(with_fee, self.reserve_out);
                return (den != 0).then(|| div_wide(hi, lo, den).0);
            }
        }
        self.amount_out_wide(amount_in)
    }

    /// `amount_out` in 256-bit arithmetic throughout (the fallback, and the tests' oracle).
    pub fn amount_out_wide(&self, amount_in: u128) -> Option<u128> {
        if amount_in > MAX_RESERVE.checked_sub(self.reserve_in)? {
            return None;
        }
        let with_fee = U256::from(amount_in).checked_mul(U256::from(self.gamma))?;
        let numerator = with_fee.checked_mul(U256::from(self.reserve_out))?;
        let denominator = U256::from(self.reserve_in)
            .checked_mul(U256::from(FEE_DENOMINATOR))?
            .checked_add(with_fee)?;
        if denominator.is_zero() {
            return Some(0);
        }
        // amount_out < reserve_out < 2^128, so this conversion cannot fail.
        u128::try_from(numerator / denominator).ok()
    }
}

impl Hop {
    /// The smallest input whose `amount_out` is at least `amount_out`:
    /// `ceil(reserveIn * 1e6 * amountOut / ((1e6 - fee) * (reserveOut - amountOut)))`
    /// (Uniswap's `getAmountIn` adds 1 instead of rounding up, so it can be 1 above this).
    /// `None` if no input reaches it, or the input would push the reserve past 2^112 - 1.
    #[inline]
    pub fn min_amount_in(&self, amount_out: u128) -> Option<u128> {
        if amount_out == 0 {
            return Some(0);
        }
        if amount_out >= self.reserve_out || self.gamma == 0 {
            return None;
        }
        if self.reserve_in < NARROW && self.reserve_out < NARROW {
            let (hi, lo) = widening_mul(self.reserve_in * u128::from(FEE_DENOMINATOR), amount_out);
            let den = u128::from(self.gamma) * (self.reserve_out - amount_out);
            if hi >= den {
                return None; // the input would be 2^128 or more
            }
            let (q, r) = div_wide(hi, lo, den);
            let x = q.checked_add(u128::from(r != 0))?;
            return (x <= MAX_RESERVE.checked_sub(self.reserve_in)?).then_some(x);
        }
        self.min_amount_in_wide(amount_out)
    }

    /// `min_amount_in` in 256-bit arithmetic throughout (the fallback, and the tests' oracle).
    pub fn min_amount_in_wide(&self, amount_out: u128) -> Option<u128> {
        if amount_out == 0 {
            return Some(0);
        }
        if amount_out >= self.reserve_out || self.gamma == 0 {
            return None;
        }
        let numerator = U256::from(self.reserve_in)
            .checked_mul(U256::from(FEE_DENOMINATOR))?
            .checked_mul(U256::from(amount_out))?;
        let denominator =
            U256::from(self.gamma).checked_mul(U256::from(self.reserve_out - amount_out))?;
        let (q, r) = numerator.div_rem(denominator);
        let x = u128::try_from(q)
            .ok()?
            .checked_add(u128::from(!r.is_zero()))?;
        (x <= MAX_RESERVE.checked_sub(self.reserve_in)?).then_some(x)
    }
}

/// Amounts and reserves below this keep `amount * 1e6` (and `reserve * 1e6`) in 128 bits.
const NARROW: u128 = 1 << 108;
const LOW: u128 = (1 << 64) - 1;

/// The full 256-bit product of two 128-bit numbers, as (high, low) halves.
#[inline]
fn widening_mul(a: u128, b: u128) -> (u128, u128) {
    let (a1, a0) = (a >> 64, a & LOW);
    let (b1, b0) = (b >> 64, b & LOW);
    let (p00, p01, p10, p11) = (a0 * b0, a0 * b1, a1 * b0, a1 * b1);
    let mid = (p00 >> 64) + (p01 & LOW) + (p10 & LOW);
    let lo = (mid << 64) | (p00 & LOW);
    let hi = p11 + (p01 >> 64) + (p10 >> 64) + (mid >> 64);
    (hi, lo)
}

/// `(hi:lo) / d` and the remainder, for `hi < d` (so the quotient fits in 128 bits):
/// Knuth's algorithm D with 64-bit digits, where a two-digit divisor makes each quotient
/// digit estimate exact after its correction.
#[inline]
fn div_wide(hi: u128, lo: u128, d: u128) -> (u128, u128) {
    debug_assert!(hi < d);
    let (u1, u0) = ((lo >> 64) as u64, lo as u64);
    if d <= LOW {
        let d = d as u64;
        let (q1, r) = div_2by1(hi as u64, u1, d);
        let (q0, r) = div_2by1(r, u0, d);
        return ((u128::from(q1) << 64) | u128::from(q0), u128::from(r));
    }
    let s = d.leading_zeros();
    let d = d << s;
    let (hi, lo) = if s == 0 {
        (hi, lo)
    } else {
        ((hi << s) | (lo >> (128 - s)), lo << s)
    };
    // The high quotient digit is 0 when the top 128 bits are below d (outputs under 2^64).
    let top = (hi << 64) | (lo >> 64);
    let (q1, r) = if hi >> 64 == 0 && top < d {
        (0, top)
    } else {
        div_3by2(hi, lo >> 64, d)
    };
    let (q0, r) = div_3by2(r, lo & LOW, d);
    ((q1 << 64) | q0, r >> s)
}

/// One quotient digit of `(top:low_digit) / d`, `d` normalised (top bit set), `top < d`.
#[inline]
fn div_3by2(top: u128, low_digit: u128, d: u128) -> (u128, u128) {
    let (v1, v0) = (d >> 64, d & LOW);
    let u2 = top >> 64;
    let (mut q, mut r) = if u2 < v1 {
        let (q, r) = div_2by1(u2 as u64, top as u64, v1 as u64);
        (u128::from(q), u128::from(r))
    } else {
        (LOW, top - LOW * v1)
    };
    while r <= LOW && q * v0 > ((r << 64) | low_digit) {
        q -= 1;
        r += v1;
    }
    let rem = ((top << 64) | low_digit).wrapping_sub(q.wrapping_mul(d));
    (q, rem)
}

/// `(hi:lo) / d` and the remainder in 64-bit digits, for `hi < d` (the quotient fits in 64
/// bits, so the division cannot trap).
#[inline]
fn div_2by1(hi: u64, lo: u64, d: u64) -> (u64, u64) {
    debug_assert!(hi < d);
    #[cfg(target_arch = "x86_64")]
    {
        if hi < d {
            let (q, r): (u64, u64);
            // SAFETY: `hi < d` (so `d != 0` and the quotient fits in 64 bits): `div` neither
            // divides by zero nor overflows, the two cases in which it traps.
            unsafe {
                std::arch::asm!(
                    "div {d}",
                    d = in(reg) d,
                    inout("rax") lo => q,
                    inout("rdx") hi => r,
                    options(pure, nomem, nostack),
                );
            }
            return (q, r);
        }
    }
    let n = (u128::from(hi) << 64) | u128::from(lo);
    let d = u128::from(d.max(1));
    ((n / d) as u64, (n % d) as u64)
}

/// The smallest input whose output through all hops is at least `amount_out`.
#[inline]
pub fn chain_min_in(hops: &[Hop], amount_out: u128) -> Option<u128> {
    hops.iter()
        .rev()
        .try_fold(amount_out, |y, hop| hop.min_amount_in(y))
}

/// Runs `amount_in` through the hops; returns the final output.
#[inline]
pub fn chain_out(hops: &[Hop], amount_in: u128) -> Option<u128> {
    hops.iter().try_fold(amount_in, |x, hop| hop.amount_out(x))
}

/// Runs `amount_in` through the hops, writing each hop's output into `outs` (at least as long
/// as `hops`); `None` where the chain would revert.
#[inline]
pub fn chain_amounts_into(hops: &[Hop], amount_in: u128, outs: &mut [u128]) -> Option<()> {
    let mut x = amount_in;
    for (hop, out) in hops.iter().zip(outs.iter_mut()) {
        x = hop.amount_out(x)?;
        *out = x;
    }
    Some(())
}

/// Runs `amount_in` through the hops, writing each hop's output.
pub fn chain_amounts(hops: &[Hop], amount_in: u128) -> Result<Vec<u128>> {
    let mut amounts = Vec::with_capacity(hops.len());
    let mut x = amount_in;
    for hop in hops {
        x = hop.amount_out(x).ok_or(EngineError::Overflow)?;
        amounts.push(x);
    }
    Ok(amounts)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// UniswapV2Library.getAmountOut, verbatim, for the 0.3 % fee.
    fn uniswap_v2(amount_in: u128, reserve_in: u128, reserve_out: u128) -> u128 {
        let with_fee = U256::from(amount_in) * U256::from(997u32);
        let num = with_fee * U256::from(reserve_out);
        let den = U256::from(reserve_in) * U256::from(1000u32) + with_fee;
        u128::try_from(num / den).unwrap()
    }

    #[test]
    fn it_matches_uniswap_v2_for_the_default_fee() {
        let hop = Hop {
            reserve_in: 1_000_000,
            reserve_out: 2_000_000,
            gamma: 997_000,
        };
        for x in [1u128, 2, 999, 1000, 12_345, 1 << 40] {
            assert_eq!(hop.amount_out(x), Some(uniswap_v2(x, 1_000_000, 2_000_000)));
        }
    }

    #[test]
    fn it_handles_extreme_reserves_without_overflow() {
        let hop = Hop {
            reserve_in: 1,
            reserve_out: MAX_RESERVE,
            gamma: 1_000_000,
        };
        let out = hop.amount_out(MAX_RESERVE - 1).unwrap();
        assert_eq!(out, MAX_RESERVE - 1 - (MAX_RESERVE - 1) / MAX_RESERVE);
        let full_fee = Hop { gamma: 0, ..hop };
        assert_eq!(full_fee.amount_out(1 << 100), Some(0));
        let full = Hop {
            reserve_in: MAX_RESERVE,
            ..hop
        };
        assert_eq!(full.amount_out(1), None);
    }

    #[test]
    fn it_inverts_amount_out_exactly() {
        let hop = Hop {
            reserve_in: 12_345_678,
            reserve_out: 987_654,
            gamma: 997_000,
        };
        for y in [1u128, 2, 77, 1000, 500_000, 987_653] {
            let x = hop.min_amount_in(y).unwrap();
            assert!(hop.amount_out(x).unwrap() >= y);
            assert!(hop.amount_out(x - 1).unwrap() < y);
        }
        assert_eq!(hop.min_amount_in(987_654), None);
        assert_eq!(hop.min_amount_in(0), Some(0));
    }

    #[test]
    fn it_divides_wide_numbers_exactly() {
        let samples = [
            1u128,
            2,
            3,
            LOW - 1,
            LOW,
            LOW + 1,
            1 << 100,
            (1 << 107) + 12345,
            u128::MAX,
        ];
        for &a in &samples {
            for &b in &samples {
                let (hi, lo) = widening_mul(a, b);
                let wide = (U256::from(hi) << 128) | U256::from(lo);
                assert_eq!(wide, U256::from(a) * U256::from(b));
                for &d in &samples {
                    if hi < d {
                        let (q, r) = div_wide(hi, lo, d);
                        assert_eq!(U256::from(q), wide / U256::from(d));
                        assert_eq!(U256::from(r), wide % U256::from(d));
                    }
                }
            }
        }
    }

    #[test]
    fn it_reports_overflow_like_safemath() {
        let hop = Hop {
            reserve_in: 1,
            reserve_out: MAX_RESERVE,
            gamma: 1_000_000,
        };
        assert_eq!(hop.amount_out(u128::MAX), None);
        assert_eq!(hop.amount_out(MAX_RESERVE), None);
    }
}
