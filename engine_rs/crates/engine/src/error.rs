//! The one error type of the core. The binding maps each variant to a Python exception.

use std::fmt;

/// Everything that can go wrong in the core. Every variant is caused by bad input; the
/// engine's own arithmetic is checked and never panics.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EngineError {
    /// Columns of one batch have different lengths.
    LengthMismatch {
        what: &'static str,
        expected: usize,
        got: usize,
    },
    /// The same pool id appears twice in one batch.
    DuplicatePool(u64),
    /// A pool id that the engine does not hold.
    UnknownPool(u64),
    /// A pool whose two tokens are the same token.
    SelfLoop { pool: u64, token: u64 },
    /// A reserve above 2^112 - 1, the on-chain bound of a Uniswap V2 pair.
    ReserveTooLarge { pool: u64, reserve: u128 },
    /// A fee above 1,000,000 ppm (100 %).
    FeeTooLarge { pool: u64, fee_ppm: u32 },
    /// A pool with a zero reserve cannot be traded through (on-chain: INSUFFICIENT_LIQUIDITY).
    NoLiquidity(u64),
    /// A quote path that is empty, or a token that is not in the next pool.
    BadPath(String),
    /// A bad engine setting.
    BadConfig(String),
    /// An amount whose product overflows 256 bits (on-chain: the SafeMath revert).
    Overflow,
}

impl fmt::Display for EngineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::LengthMismatch {
                what,
                expected,
                got,
            } => {
                write!(f, "{what} has {got} items, expected {expected}")
            }
            Self::DuplicatePool(id) => write!(f, "pool {id} appears twice in one batch"),
            Self::UnknownPool(id) => write!(f, "unknown pool id {id}"),
            Self::SelfLoop { pool, token } => {
                write!(f, "pool {pool} has the same token {token} on both sides")
            }
            Self::ReserveTooLarge { pool, reserve } => {
                write!(f, "pool {pool}: reserve {reserve} exceeds 2**112 - 1")
            }
            Self::FeeTooLarge { pool, fee_ppm } => {
                write!(f, "pool {pool}: fee {fee_ppm} ppm exceeds 1000000 ppm")
            }
            Self::NoLiquidity(id) => write!(f, "pool {id} has a zero reserve"),
            Self::BadPath(msg) => write!(f, "bad path: {msg}"),
            Self::BadConfig(msg) => write!(f, "bad engine configuration: {msg}"),
            Self::Overflow => write!(f, "arithmetic overflow: amount too large for 256 bits"),
        }
    }
}

impl std::error::Error for EngineError {}

pub type Result<T> = std::result::Result<T, EngineError>;
