//! The engine: pools, tokens, the cycle index, and the evaluation of cycles.

use std::collections::{HashMap, HashSet};

use rayon::prelude::*;

use crate::amm::{chain_amounts_into, Hop, FEE_DENOMINATOR, MAX_RESERVE};
use crate::cycles::{CycleIndex, CycleRef, GraphView};
use crate::error::{EngineError, Result};
use crate::sizing::{float, screen, size_prepared, FloatHop, VirtualPool};

/// Below this many affected rings an update is evaluated on the calling thread.
const PARALLEL_MIN: usize = 1024;

/// Engine settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// 2, 3 or 4: 2-hop (parallel pools), 3-hop, and 4-hop cycles through a hub.
    pub max_hops: u8,
    /// Hub tokens, highest priority first: 4-hop cycles must pass through one, and a cycle
    /// through a hub starts (and measures its profit) at its highest-priority hub.
    pub hubs: Vec<u64>,
    /// Largest input of a cycle, in start-token base units, unless set per token.
    pub default_max_input: u128,
    /// Smallest profit reported, in start-token base units, unless set per token (>= 1).
    pub default_min_profit: u128,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            max_hops: 3,
            hubs: Vec::new(),
            default_max_input: MAX_RESERVE,
            default_min_profit: 1,
        }
    }
}

/// One pool as Python hands it over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolState {
    pub pool_id: u64,
    pub token0: u64,
    pub token1: u64,
    pub reserve0: u128,
    pub reserve1: u128,
    pub fee_ppm: u32,
}

/// A profitable cycle, sized. Fixed-size (no heap allocation per cycle: a scan may return tens
/// of thousands); read the paths through `pools()`, `tokens()` and `amounts_out()`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Opportunity {
    /// `amounts_out().last() - amount_in`, in start-token base units.
    pub profit: u128,
    pub amount_in: u128,
    pub start_token: u64,
    hops: u8,
    pool_ids: [u64; 4],
    token_ids: [u64; 5],
    outs: [u128; 4],
}

impl Opportunity {
    /// Number of swaps (2 to 4).
    pub fn hops(&self) -> usize {
        usize::from(self.hops)
    }

    /// Pools in trading order.
    pub fn pools(&self) -> &[u64] {
        &self.pool_ids[..self.hops()]
    }

    /// Tokens in trading order, `hops + 1` long, starting and ending with `start_token`.
    pub fn tokens(&self) -> &[u64] {
        &self.token_ids[..=self.hops()]
    }

    /// Output of each hop.
    pub fn amounts_out(&self) -> &[u128] {
        &self.outs[..self.hops()]
    }
}

/// Sizes of the engine's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stats {
    pub pools: usize,
    pub tokens: usize,
    /// Directed cycles by hop count (each stored ring gives two).
    pub cycles_2: usize,
    pub cycles_3: usize,
    pub cycles_4: usize,
    /// Bytes of the cycle tables and the pool -> cycle map.
    pub index_bytes: usize,
}

impl Stats {
    pub fn directed_cycles(&self) -> usize {
        self.cycles_2 + self.cycles_3 + self.cycles_4
    }
}

#[derive(Debug, Clone, Copy)]
struct Slot {
    id: u64,
    token0: u32,
    token1: u32,
    reserve0: u128,
    reserve1: u128,
    fee_ppm: u32,
    live: bool,
}

/// The f64 mirror of a slot read by the screen; `gamma` is 0 for a pool that cannot trade.
#[derive(Debug, Clone, Copy, Default)]
struct Hot {
    reserve0: f64,
    reserve1: f64,
    gamma: f64,
    token0: u32,
    token1: u32,
}

impl Hot {
    fn of(slot: &Slot) -> Self {
        let tradable = slot.live && slot.reserve0 > 0 && slot.reserve1 > 0;
        Self {
            reserve0: float(slot.reserve0),
            reserve1: float(slot.reserve1),
            gamma: if tradable {
                f64::from(FEE_DENOMINATOR - slot.fee_ppm)
            } else {
                0.0
            },
            token0: slot.token0,
            token1: slot.token1,
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct Limits {
    max_input: u128,
    min_profit: u128,
}

/// The arbitrage engine. Not internally synchronised: the binding holds it behind `&mut`.
#[derive(Debug)]
pub struct Engine {
    config: Config,
    slots: Vec<Slot>,
    hot: Vec<Hot>,
    free_slots: Vec<u32>,
    slot_of: HashMap<u64, u32>,
    token_ids: Vec<u64>,
    token_of: HashMap<u64, u32>,
    hub_rank: Vec<u8>,
    limits: Vec<Limits>,
    index: CycleIndex,
    index_stale: bool,
}

impl Engine {
    pub fn new(config: Config) -> Result<Self> {
        if !(2..=4).contains(&config.max_hops) {
            return Err(EngineError::BadConfig(format!(
                "max_hops must be 2, 3 or 4, not {}",
                config.max_hops
            )));
        }
        if config.hubs.len() >= usize::from(u8::MAX) {
            return Err(EngineError::BadConfig("at most 254 hubs".into()));
        }
        if config.hubs.iter().collect::<HashSet<_>>().len() != config.hubs.len() {
            return Err(EngineError::BadConfig("a hub is listed twice".into()));
        }
        if config.default_max_input == 0 || config.default_min_profit == 0 {
            return Err(EngineError::BadConfig(
                "max_input and min_profit must be >= 1".into(),
            ));
        }
        let mut engine = Self {
            config,
            slots: Vec::new(),
            hot: Vec::new(),
            free_slots: Vec::new(),
            slot_of: HashMap::new(),
            token_ids: Vec::new(),
            token_of: HashMap::new(),
            hub_rank: Vec::new(),
            limits: Vec::new(),
            index: CycleIndex::default(),
            index_stale: false,
        };
        for hub in engine.config.hubs.clone() {
            engine.token(hub);
        }
        Ok(engine)
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Internal index of a token, registering it on first sight.
    fn token(&mut self, id: u64) -> u32 {
        if let Some(&t) = self.token_of.get(&id) {
            return t;
        }
        let t = self.token_ids.len() as u32;
        self.token_ids.push(id);
        self.token_of.insert(id, t);
        let rank = self
            .config
            .hubs
            .iter()
            .position(|&h| h == id)
            .map_or(u8::MAX, |r| r as u8);
        self.hub_rank.push(rank);
        self.limits.push(Limits {
            max_input: self.config.default_max_input,
            min_profit: self.config.default_min_profit,
        });
        t
    }

    /// Sets the largest input and the smallest reported profit of cycles starting at `token`.
    pub fn set_token_limits(
        &mut self,
        token: u64,
        max_input: Option<u128>,
        min_profit: Option<u128>,
    ) -> Result<()> {
        if max_input == Some(0) || min_profit == Some(0) {
            return Err(EngineError::BadConfig(
                "max_input and min_profit must be >= 1".into(),
            ));
        }
        let t = self.token(token) as usize;
        if let Some(m) = max_input {
            self.limits[t].max_input = m;
        }
        if let Some(m) = min_profit {
            self.limits[t].min_profit = m;
        }
        Ok(())
    }

    fn check_unique(ids: impl Iterator<Item = u64>, len: usize) -> Result<()> {
        let mut seen = HashSet::with_capacity(len);
        for id in ids {
            if !seen.insert(id) {
                return Err(EngineError::DuplicatePool(id));
            }
        }
        Ok(())
    }

    fn check_reserve(pool: u64, reserve: u128) -> Result<()> {
        if reserve > MAX_RESERVE {
            return Err(EngineError::ReserveTooLarge { pool, reserve });
        }
        Ok(())
    }

    /// Inserts or replaces pools. The whole batch is checked before anything changes. A new
    /// pool, or a pool whose tokens change, marks the cycle index for a rebuild (done lazily
    /// by the next scan or update); reserve and fee changes do not.
    pub fn upsert_pools(&mut self, batch: &[PoolState]) -> Result<()> {
        Self::check_unique(batch.iter().map(|p| p.pool_id), batch.len())?;
        for p in batch {
            if p.token0 == p.token1 {
                return Err(EngineError::SelfLoop {
                    pool: p.pool_id,
                    token: p.token0,
                });
            }
            Self::check_reserve(p.pool_id, p.reserve0)?;
            Self::check_reserve(p.pool_id, p.reserve1)?;
            if p.fee_ppm > FEE_DENOMINATOR {
                return Err(EngineError::FeeTooLarge {
                    pool: p.pool_id,
                    fee_ppm: p.fee_ppm,
                });
            }
        }
        for p in batch {
            let (token0, token1) = (self.token(p.token0), self.token(p.token1));
            let slot = Slot {
                id: p.pool_id,
                token0,
                token1,
                reserve0: p.reserve0,
                reserve1: p.reserve1,
                fee_ppm: p.fee_ppm,
                live: true,
            };
            match self.slot_of.get(&p.pool_id) {
                Some(&s) => {
                    let old = &self.slots[s as usize];
                    if (old.token0, old.token1) != (token0, token1) {
                        self.index_stale = true;
                    }
                    self.slots[s as usize] = slot;
                    self.hot[s as usize] = Hot::of(&slot);
                }
                None => {
                    let s = match self.free_slots.pop() {
                        Some(s) => {
                            self.slots[s as usize] = slot;
                            self.hot[s as usize] = Hot::of(&slot);
                            s
                        }
                        None => {
                            self.slots.push(slot);
                            self.hot.push(Hot::of(&slot));
                            (self.slots.len() - 1) as u32
                        }
                    };
                    self.slot_of.insert(p.pool_id, s);
                    self.index_stale = true;
                }
            }
        }
        Ok(())
    }

    fn slot(&self, pool: u64) -> Result<u32> {
        self.slot_of
            .get(&pool)
            .copied()
            .ok_or(EngineError::UnknownPool(pool))
    }

    /// Removes pools (all known, no duplicates, or nothing changes); their cycles go with them.
    pub fn remove_pools(&mut self, pools: &[u64]) -> Result<()> {
        Self::check_unique(pools.iter().copied(), pools.len())?;
        let slots = pools
            .iter()
            .map(|&p| self.slot(p))
            .collect::<Result<Vec<_>>>()?;
        for (&pool, s) in pools.iter().zip(slots) {
            self.slot_of.remove(&pool);
            let slot = &mut self.slots[s as usize];
            slot.live = false;
            self.hot[s as usize] = Hot::of(slot);
            self.free_slots.push(s);
        }
        if !pools.is_empty() {
            self.index_stale = true;
        }
        Ok(())
    }

    /// Sets new reserves and returns the profitable cycles through any of these pools.
    pub fn update_reserves(
        &mut self,
        pools: &[u64],
        reserve0s: &[u128],
        reserve1s: &[u128],
    ) -> Result<Vec<Opportunity>> {
        for (what, len) in [
            ("reserve0s", reserve0s.len()),
            ("reserve1s", reserve1s.len()),
        ] {
            if len != pools.len() {
                return Err(EngineError::LengthMismatch {
                    what,
                    expected: pools.len(),
                    got: len,
                });
            }
        }
        Self::check_unique(pools.iter().copied(), pools.len())?;
        let mut slots = Vec::with_capacity(pools.len());
        for (i, &pool) in pools.iter().enumerate() {
            slots.push(self.slot(pool)?);
            Self::check_reserve(pool, reserve0s[i])?;
            Self::check_reserve(pool, reserve1s[i])?;
        }
        for (i, &s) in slots.iter().enumerate() {
            let slot = &mut self.slots[s as usize];
            slot.reserve0 = reserve0s[i];
            slot.reserve1 = reserve1s[i];
            self.hot[s as usize] = Hot::of(slot);
        }
        self.ensure_index();
        Ok(self.evaluate_pools(&slots))
    }

    /// Evaluates every cycle.
    pub fn scan_all(&mut self) -> Vec<Opportunity> {
        self.ensure_index();
        let mut found = Vec::new();
        found.append(&mut self.scan_table(&self.index.c2.pools, &self.index.c2.dirs));
        found.append(&mut self.scan_table(&self.index.c3.pools, &self.index.c3.dirs));
        found.append(&mut self.scan_table(&self.index.c4.pools, &self.index.c4.dirs));
        rank(&mut found);
        found
    }

    /// Exact outputs of a path of pools from `token_in`, as the chain would pay them (a pool
    /// met twice sees the reserves left by the first swap).
    pub fn quote(&self, pools: &[u64], token_in: u64, amount_in: u128) -> Result<Vec<u128>> {
        if pools.is_empty() {
            return Err(EngineError::BadPath("the path has no pool".into()));
        }
        let mut reserves: HashMap<u32, (u128, u128)> = HashMap::new();
        let mut token = token_in;
        let mut amount = amount_in;
        let mut outs = Vec::with_capacity(pools.len());
        for &pool in pools {
            let s = self.slot(pool)?;
            let slot = &self.slots[s as usize];
            let (r0, r1) = reserves
                .get(&s)
                .copied()
                .unwrap_or((slot.reserve0, slot.reserve1));
            if r0 == 0 || r1 == 0 {
                return Err(EngineError::NoLiquidity(pool));
            }
            let (t0, t1) = (
                self.token_ids[slot.token0 as usize],
                self.token_ids[slot.token1 as usize],
            );
            let sells0 = if token == t0 {
                true
            } else if token == t1 {
                false
            } else {
                return Err(EngineError::BadPath(format!(
                    "token {token} is not in pool {pool}"
                )));
            };
            let gamma = FEE_DENOMINATOR - slot.fee_ppm;
            let (r_in, r_out) = if sells0 { (r0, r1) } else { (r1, r0) };
            let hop = Hop {
                reserve_in: r_in,
                reserve_out: r_out,
                gamma,
            };
            let out = hop.amount_out(amount).ok_or(EngineError::Overflow)?;
            let (new_in, new_out) = (r_in + amount, r_out - out);
            reserves.insert(
                s,
                if sells0 {
                    (new_in, new_out)
                } else {
                    (new_out, new_in)
                },
            );
            outs.push(out);
            amount = out;
            token = if sells0 { t1 } else { t0 };
        }
        Ok(outs)
    }

    pub fn stats(&mut self) -> Stats {
        self.ensure_index();
        Stats {
            pools: self.slot_of.len(),
            tokens: self.token_ids.len(),
            cycles_2: 2 * self.index.c2.len(),
            cycles_3: 2 * self.index.c3.len(),
            cycles_4: 2 * self.index.c4.len(),
            index_bytes: self.index.bytes(),
        }
    }

    /// Every directed cycle of `hops` hops: pool ids (`hops` per cycle) and, per cycle, a
    /// byte whose bit i is set when hop i sells token0 of its pool. For baselines and tests.
    pub fn directed_cycles(&mut self, hops: usize) -> (Vec<u64>, Vec<u8>) {
        self.ensure_index();
        fn table<const N: usize>(
            engine: &Engine,
            pools: &[[u32; N]],
            dirs: &[u8],
        ) -> (Vec<u64>, Vec<u8>) {
            let mut ids = Vec::with_capacity(2 * N * pools.len());
            let mut bits = Vec::with_capacity(2 * pools.len());
            for (ring, &d) in pools.iter().zip(dirs) {
                for reverse in [false, true] {
                    let order = orient(ring, d, reverse);
                    let mut b = 0u8;
                    for (i, &(s, sells0)) in order.iter().enumerate() {
                        ids.push(engine.slots[s as usize].id);
                        b |= u8::from(sells0) << i;
                    }
                    bits.push(b);
                }
            }
            (ids, bits)
        }
        match hops {
            2 => table(self, &self.index.c2.pools, &self.index.c2.dirs),
            3 => table(self, &self.index.c3.pools, &self.index.c3.dirs),
            4 => table(self, &self.index.c4.pools, &self.index.c4.dirs),
            _ => (Vec::new(), Vec::new()),
        }
    }

    fn ensure_index(&mut self) {
        if !self.index_stale {
            return;
        }
        let pools: Vec<(u32, u32, u32)> = self
            .slots
            .iter()
            .enumerate()
            .filter(|(_, s)| s.live)
            .map(|(i, s)| (i as u32, s.token0, s.token1))
            .collect();
        let view = GraphView {
            token_count: self.token_ids.len(),
            pools: &pools,
            hub_rank: &self.hub_rank,
            token_ids: &self.token_ids,
            slot_count: self.slots.len(),
            max_hops: self.config.max_hops,
        };
        self.index = CycleIndex::build(&view);
        self.index_stale = false;
    }

    /// The rings through any of `slots`, each once, evaluated.
    fn evaluate_pools(&self, slots: &[u32]) -> Vec<Opportunity> {
        // One pool lists each of its rings once (and in order); several pools share rings,
        // which a sort removes (cheaper than random access to a per-ring mark).
        let rings: Vec<u32> = match slots {
            [one] => self.index.cycles_of(*one).to_vec(),
            _ => {
                let mut all: Vec<u32> = slots
                    .iter()
                    .flat_map(|&s| self.index.cycles_of(s))
                    .copied()
                    .collect();
                all.sort_unstable();
                all.dedup();
                all
            }
        };
        let eval = |acc: &mut Vec<Opportunity>, &c: &u32| match self.index.get(c) {
            CycleRef::Two(p, d) => self.eval_ring(p, d, acc),
            CycleRef::Three(p, d) => self.eval_ring(p, d, acc),
            CycleRef::Four(p, d) => self.eval_ring(p, d, acc),
        };
        let mut found = if rings.len() < PARALLEL_MIN {
            let mut acc = Vec::new();
            rings.iter().for_each(|c| eval(&mut acc, c));
            acc
        } else {
            rings
                .par_chunks(1024)
                .map(|chunk| {
                    let mut acc = Vec::new();
                    chunk.iter().for_each(|c| eval(&mut acc, c));
                    acc
                })
                .flatten_iter()
                .collect()
        };
        rank(&mut found);
        found
    }

    fn scan_table<const N: usize>(&self, pools: &[[u32; N]], dirs: &[u8]) -> Vec<Opportunity> {
        pools
            .par_chunks(512)
            .zip(dirs.par_chunks(512))
            .map(|(ps, ds)| {
                let mut acc = Vec::new();
                for (p, &d) in ps.iter().zip(ds) {
                    self.eval_ring(p, d, &mut acc);
                }
                acc
            })
            .flatten_iter()
            .collect()
    }

    /// Screens both orientations of a ring and sizes the survivors.
    #[inline(always)]
    fn eval_ring<const N: usize>(&self, pools: &[u32; N], dirs: u8, out: &mut Vec<Opportunity>) {
        let (mut g, mut x, mut y) = (1.0f64, 1.0f64, 1.0f64);
        for (i, &s) in pools.iter().enumerate() {
            let h = self.hot[s as usize];
            let (a, b) = if dirs >> i & 1 == 1 {
                (h.reserve0, h.reserve1)
            } else {
                (h.reserve1, h.reserve0)
            };
            g *= h.gamma;
            x *= b;
            y *= a;
        }
        let (forward, reverse) = screen(N, g, x, y);
        if forward {
            self.size(&orient(pools, dirs, false), out);
        }
        if reverse {
            self.size(&orient(pools, dirs, true), out);
        }
    }

    fn size<const N: usize>(&self, order: &[(u32, bool); N], out: &mut Vec<Opportunity>) {
        // Bound the profit from the float mirror first: most candidates stop here, before
        // any slot is read.
        let floats: [FloatHop; N] = std::array::from_fn(|i| {
            let (s, sells0) = order[i];
            let h = &self.hot[s as usize];
            if sells0 {
                (h.reserve0, h.reserve1, h.gamma)
            } else {
                (h.reserve1, h.reserve0, h.gamma)
            }
        });
        let first = &self.hot[order[0].0 as usize];
        let start = if order[0].1 {
            first.token0
        } else {
            first.token1
        };
        let limits = self.limits[start as usize];
        let pool = VirtualPool::compose_floats(&floats);
        if !pool.may_pay(float(limits.min_profit)) {
            return;
        }
        let hops: [Hop; N] = std::array::from_fn(|i| {
            let (s, sells0) = order[i];
            let slot = &self.slots[s as usize];
            let (reserve_in, reserve_out) = if sells0 {
                (slot.reserve0, slot.reserve1)
            } else {
                (slot.reserve1, slot.reserve0)
            };
            Hop {
                reserve_in,
                reserve_out,
                gamma: FEE_DENOMINATOR - slot.fee_ppm,
            }
        });
        let Some(sized) = size_prepared(&hops, &floats, pool, limits.max_input, limits.min_profit)
        else {
            return;
        };
        let mut outs = [0u128; 4];
        if chain_amounts_into(&hops, sized.amount_in, &mut outs).is_none() {
            return;
        }
        let mut pool_ids = [0u64; 4];
        let mut token_ids = [0u64; 5];
        token_ids[0] = self.token_ids[start as usize];
        for (i, &(s, sells0)) in order.iter().enumerate() {
            let slot = &self.slots[s as usize];
            pool_ids[i] = slot.id;
            token_ids[i + 1] =
                self.token_ids[if sells0 { slot.token1 } else { slot.token0 } as usize];
        }
        out.push(Opportunity {
            profit: sized.profit(),
            amount_in: sized.amount_in,
            start_token: token_ids[0],
            hops: N as u8,
            pool_ids,
            token_ids,
            outs,
        });
    }
}

/// A ring in one orientation: `(slot, sells token0)` per hop in trading order.
#[inline(always)]
fn orient<const N: usize>(pools: &[u32; N], dirs: u8, reverse: bool) -> [(u32, bool); N] {
    std::array::from_fn(|i| {
        if reverse {
            let j = N - 1 - i;
            (pools[j], dirs >> j & 1 == 0)
        } else {
            (pools[i], dirs >> i & 1 == 1)
        }
    })
}

/// Highest profit first; ties by pool path, so the order is deterministic.
fn rank(found: &mut [Opportunity]) {
    found.sort_unstable_by(|a, b| {
        b.profit
            .cmp(&a.profit)
            .then_with(|| a.pools().cmp(b.pools()))
    });
}
