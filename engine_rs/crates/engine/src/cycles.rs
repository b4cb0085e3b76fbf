//! The cycle index: every cycle stored once, compactly, with a CSR map pool -> cycles.
//!
//! A cycle is stored as its pools in ring order from its start token plus one direction bit
//! per hop (bit i set: hop i sells token0 of its pool). Both orientations are evaluated from
//! that one record (the reverse runs the same ring backwards from the same start token), so a
//! 4-hop cycle costs 17 bytes for two directed cycles, plus 4 bytes per pool in the CSR map
//! (16 per ring): under 17 bytes per directed cycle.

/// Cycles of one length `N`.
#[derive(Debug, Default, Clone)]
pub struct CycleTable<const N: usize> {
    pub pools: Vec<[u32; N]>,
    pub dirs: Vec<u8>,
}

impl<const N: usize> CycleTable<N> {
    fn push(&mut self, pools: [u32; N], dirs: u8) {
        self.pools.push(pools);
        self.dirs.push(dirs);
    }

    pub fn len(&self) -> usize {
        self.pools.len()
    }

    pub fn is_empty(&self) -> bool {
        self.pools.is_empty()
    }

    fn bytes(&self) -> usize {
        self.pools.len() * (4 * N + 1)
    }
}

/// What the enumeration needs to know about the live pools and tokens.
pub struct GraphView<'a> {
    pub token_count: usize,
    /// `(slot, token0, token1)` of every live pool (internal token indices).
    pub pools: &'a [(u32, u32, u32)],
    /// Hub priority per token (0 = highest), `u8::MAX` for non-hubs.
    pub hub_rank: &'a [u8],
    /// External id per token, to pick the start of a cycle without hubs.
    pub token_ids: &'a [u64],
    /// Number of pool slots (live or not), for the CSR map.
    pub slot_count: usize,
    pub max_hops: u8,
}

/// All cycles and the pool -> cycles map. Global cycle ids run over the 2-, 3- and 4-hop
/// tables in that order.
#[derive(Debug, Default, Clone)]
pub struct CycleIndex {
    pub c2: CycleTable<2>,
    pub c3: CycleTable<3>,
    pub c4: CycleTable<4>,
    offsets: Vec<u32>,
    entries: Vec<u32>,
}

/// A cycle looked up by global id.
pub enum CycleRef<'a> {
    Two(&'a [u32; 2], u8),
    Three(&'a [u32; 3], u8),
    Four(&'a [u32; 4], u8),
}

impl CycleIndex {
    pub fn build(view: &GraphView<'_>) -> Self {
        let mut index = Builder::new(view).run();
        index.build_csr(view.slot_count);
        index
    }

    /// Number of stored rings (each gives two directed cycles).
    pub fn len(&self) -> usize {
        self.c2.len() + self.c3.len() + self.c4.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn get(&self, id: u32) -> CycleRef<'_> {
        let id = id as usize;
        let (n2, n3) = (self.c2.len(), self.c3.len());
        if id < n2 {
            CycleRef::Two(&self.c2.pools[id], self.c2.dirs[id])
        } else if id < n2 + n3 {
            CycleRef::Three(&self.c3.pools[id - n2], self.c3.dirs[id - n2])
        } else {
            CycleRef::Four(&self.c4.pools[id - n2 - n3], self.c4.dirs[id - n2 - n3])
        }
    }

    /// Global ids of the cycles through a pool slot.
    pub fn cycles_of(&self, slot: u32) -> &[u32] {
        let slot = slot as usize;
        match (self.offsets.get(slot), self.offsets.get(slot + 1)) {
            (Some(&a), Some(&b)) => &self.entries[a as usize..b as usize],
            _ => &[],
        }
    }

    /// Bytes held by the cycle tables and the CSR map.
    pub fn bytes(&self) -> usize {
        self.c2.bytes()
            + self.c3.bytes()
            + self.c4.bytes()
            + 4 * (self.offsets.len() + self.entries.len())
    }

    fn build_csr(&mut self, slot_count: usize) {
        let mut counts = vec![0u32; slot_count + 1];
        let visit = |f: &mut dyn FnMut(u32, u32)| {
            let mut id = 0u32;
            for p in &self.c2.pools {
                p.iter().for_each(|&s| f(s, id));
                id += 1;
            }
            for p in &self.c3.pools {
                p.iter().for_each(|&s| f(s, id));
                id += 1;
            }
            for p in &self.c4.pools {
                p.iter().for_each(|&s| f(s, id));
                id += 1;
            }
        };
        visit(&mut |slot, _| counts[slot as usize + 1] += 1);
        for i in 1..counts.len() {
            counts[i] += counts[i - 1];
        }
        let mut entries = vec![0u32; counts[slot_count] as usize];
        let mut cursor = counts.clone();
        visit(&mut |slot, id| {
            let c = &mut cursor[slot as usize];
            entries[*c as usize] = id;
            *c += 1;
        });
        self.offsets = counts;
        self.entries = entries;
    }
}

/// Token-pair level adjacency: parallel pools of one pair are grouped.
struct Builder<'a> {
    view: &'a GraphView<'a>,
    /// Pools of each pair, and the pair's tokens.
    pair_pools: Vec<Vec<u32>>,
    /// Per token: `(neighbour, pair)` sorted by neighbour.
    adj: Vec<Vec<(u32, u32)>>,
    /// `token0` and `token1` per pool slot, to set direction bits.
    token0: Vec<u32>,
    token1: Vec<u32>,
    out: CycleIndex,
}

impl<'a> Builder<'a> {
    fn new(view: &'a GraphView<'a>) -> Self {
        let mut edges: Vec<(u32, u32, u32)> = view
            .pools
            .iter()
            .map(|&(slot, t0, t1)| (t0.min(t1), t0.max(t1), slot))
            .collect();
        edges.sort_unstable();
        let mut pair_pools: Vec<Vec<u32>> = Vec::new();
        let mut adj = vec![Vec::new(); view.token_count];
        let mut token0 = vec![u32::MAX; view.slot_count];
        let mut token1 = vec![u32::MAX; view.slot_count];
        let mut last: Option<(u32, u32)> = None;
        for &(u, v, slot) in &edges {
            if last != Some((u, v)) {
                let pair = pair_pools.len() as u32;
                pair_pools.push(Vec::new());
                adj[u as usize].push((v, pair));
                adj[v as usize].push((u, pair));
                last = Some((u, v));
            }
            if let Some(group) = pair_pools.last_mut() {
                group.push(slot);
            }
        }
        for &(slot, t0, t1) in view.pools {
            token0[slot as usize] = t0;
            token1[slot as usize] = t1;
        }
        for list in &mut adj {
            list.sort_unstable();
        }
        Self {
            view,
            pair_pools,
            adj,
            token0,
            token1,
            out: CycleIndex::default(),
        }
    }

    fn run(mut self) -> CycleIndex {
        self.two_hop();
        if self.view.max_hops >= 3 {
            self.three_hop();
        }
        if self.view.max_hops >= 4 {
            self.four_hop_through_hubs();
        }
        self.out
    }

    /// Rank used to pick a ring's start token: the best hub, else the smallest external id.
    fn start_key(&self, token: u32) -> (u8, u64) {
        let t = token as usize;
        (self.view.hub_rank[t], self.view.token_ids[t])
    }

    /// Rotates a token ring so it starts at its preferred token; returns the rotation.
    fn rotation(&self, tokens: &[u32]) -> usize {
        (0..tokens.len())
            .min_by_key(|&i| self.start_key(tokens[i]))
            .unwrap_or(0)
    }

    /// Emits every combination of parallel pools for a ring of token pairs.
    fn emit<const N: usize>(&mut self, tokens: [u32; N], pairs: [u32; N]) {
        let r = self.rotation(&tokens);
        let tokens: [u32; N] = std::array::from_fn(|i| tokens[(i + r) % N]);
        let pairs: [u32; N] = std::array::from_fn(|i| pairs[(i + r) % N]);
        let mut choice = [0usize; N];
        loop {
            let pools: [u32; N] =
                std::array::from_fn(|i| self.pair_pools[pairs[i] as usize][choice[i]]);
            let mut dirs = 0u8;
            for i in 0..N {
                if self.token0[pools[i] as usize] == tokens[i] {
                    dirs |= 1 << i;
                }
            }
            self.push(pools, dirs);
            // Odometer over the parallel pools of each pair.
            let mut i = 0;
            loop {
                if i == N {
                    return;
                }
                choice[i] += 1;
                if choice[i] < self.pair_pools[pairs[i] as usize].len() {
                    break;
                }
                choice[i] = 0;
                i += 1;
            }
        }
    }

    fn push<const N: usize>(&mut self, pools: [u32; N], dirs: u8) {
        // Const generics cannot select a field, so dispatch on the length.
        let p = &pools[..];
        match N {
            2 => self.out.c2.push([p[0], p[1]], dirs),
            3 => self.out.c3.push([p[0], p[1], p[2]], dirs),
            _ => self.out.c4.push([p[0], p[1], p[2], p[3]], dirs),
        }
    }

    /// Two parallel pools of one pair.
    fn two_hop(&mut self) {
        for pair in 0..self.pair_pools.len() {
            let group = self.pair_pools[pair].clone();
            if group.len() < 2 {
                continue;
            }
            let t0 = self.token0[group[0] as usize];
            let t1 = self.token1[group[0] as usize];
            let start = if self.start_key(t0) <= self.start_key(t1) {
                t0
            } else {
                t1
            };
            for i in 0..group.len() {
                for j in i + 1..group.len() {
                    let (a, b) = (group[i], group[j]);
                    let mut dirs = 0u8;
                    if self.token0[a as usize] == start {
                        dirs |= 1;
                    }
                    if self.token0[b as usize] != start {
                        dirs |= 2;
                    }
                    self.out.c2.push([a, b], dirs);
                }
            }
        }
    }

    /// Triangles, listed once each by orienting pairs from lower to higher (degree, id).
    fn three_hop(&mut self) {
        let n = self.view.token_count;
        let rank = |t: u32| (self.adj[t as usize].len(), t);
        let forward: Vec<Vec<(u32, u32)>> = (0..n as u32)
            .map(|u| {
                self.adj[u as usize]
                    .iter()
                    .copied()
                    .filter(|&(v, _)| rank(u) < rank(v))
                    .collect()
            })
            .collect();
        let mut mark = vec![u32::MAX; n];
        let mut found: Vec<([u32; 3], [u32; 3])> = Vec::new();
        for u in 0..n as u32 {
            for &(w, pair) in &forward[u as usize] {
                mark[w as usize] = pair;
            }
            for &(v, uv) in &forward[u as usize] {
                for &(w, vw) in &forward[v as usize] {
                    let uw = mark[w as usize];
                    if uw != u32::MAX {
                        found.push(([u, v, w], [uv, vw, uw]));
                    }
                }
            }
            for &(w, _) in &forward[u as usize] {
                mark[w as usize] = u32::MAX;
            }
        }
        for (tokens, pairs) in found {
            self.emit(tokens, pairs);
        }
    }

    /// Rings hub -> a -> b -> c -> hub. A ring with several hubs is listed from its
    /// highest-priority hub only; `a < c` lists each ring once.
    fn four_hop_through_hubs(&mut self) {
        let n = self.view.token_count;
        let mut hubs: Vec<(u8, u32)> = (0..n as u32)
            .filter(|&t| self.view.hub_rank[t as usize] != u8::MAX)
            .map(|t| (self.view.hub_rank[t as usize], t))
            .collect();
        hubs.sort_unstable();
        let mut hub_pair = vec![u32::MAX; n];
        let mut found: Vec<([u32; 4], [u32; 4])> = Vec::new();
        let mut around: Vec<(u32, u32, u32)> = Vec::new();
        for &(h_rank, h) in &hubs {
            let allowed = |t: u32| self.view.hub_rank[t as usize] > h_rank;
            for &(a, pair) in &self.adj[h as usize] {
                if allowed(a) {
                    hub_pair[a as usize] = pair;
                }
            }
            for b in 0..n as u32 {
                if b == h || !allowed(b) {
                    continue;
                }
                around.clear();
                for &(a, ab) in &self.adj[b as usize] {
                    let ha = hub_pair[a as usize];
                    if ha != u32::MAX && a != h {
                        around.push((a, ha, ab));
                    }
                }
                for i in 0..around.len() {
                    for j in i + 1..around.len() {
                        let (a, ha, ab) = around[i];
                        let (c, hc, cb) = around[j];
                        found.push(([h, a, b, c], [ha, ab, cb, hc]));
                    }
                }
            }
            for &(a, _) in &self.adj[h as usize] {
                hub_pair[a as usize] = u32::MAX;
            }
        }
        for (tokens, pairs) in found {
            self.emit(tokens, pairs);
        }
    }
}
