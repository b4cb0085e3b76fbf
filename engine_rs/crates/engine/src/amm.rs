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
