//! ArbitrageX Plus engine core: the token graph of constant-product pools, a compact
//! pool -> cycle index, and exact integer sizing of cycles. No Python in here; the
//! `engine-py` crate wraps it.

pub mod amm;
pub mod cycles;
pub mod engine;
pub mod error;
pub mod sizing;

pub use amm::{chain_amounts, chain_out, Hop, FEE_DENOMINATOR, MAX_RESERVE};
pub use engine::{Config, Engine, Opportunity, PoolState, Stats};
pub use error::{EngineError, Result};
pub use sizing::{size_cycle, Sized, VirtualPool};
