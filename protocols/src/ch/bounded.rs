//! Consistent hashing with bounded loads (Mirrokni, Thorup & Zadimoghaddam, SODA 2018) on top
//! of the [`Ring`].
//!
//! With `m` stored keys and `n` servers, every server holds at most
//! `capacity = ceil(c * m / n)` keys (computed in `f64` as `(c * m as f64 / n as f64).ceil()`;
//! `c = +inf` means no bound, which is exactly the plain ring). A key is inserted by walking
//! clockwise from its ring position over the points to the first server whose load is below
//! the capacity *counting the new key*, so the invariant `max load <= capacity` holds after
//! every insertion (capacity never shrinks on insertion).
//!
//! Removing a key can lower the capacity; every server then above it gives up its most
//! recently inserted key, which is re-placed by the same clockwise walk, so the invariant also
//! holds after every removal. Adding or removing a *server* rebuilds the assignment: the
//! surviving keys are re-inserted afresh in their original insertion order (simple and
//! history-independent; it may move more keys than the paper's incremental scheme).
//!
//! Keys form a set: inserting a stored key again changes nothing.

use std::collections::{BTreeMap, BTreeSet};

use super::Placement;
use super::ring::Ring;

/// The `c` used by [`super::build`] for [`super::Algorithm::Bounded`].
pub const DEFAULT_C: f64 = 1.25;

/// `ceil(c * keys / servers)` in `f64` (`u64::MAX` when `c` is infinite).
pub fn capacity(c: f64, keys: u64, servers: u64) -> u64 {
    if c.is_infinite() {
        u64::MAX
    } else {
        (c * keys as f64 / servers as f64).ceil() as u64
    }
}

/// A ring with bounded loads, holding a set of keys.
#[derive(Clone, Debug)]
pub struct Bounded {
    ring: Ring,
    c: f64,
    /// key -> (server, insertion sequence number).
    assign: BTreeMap<u64, (u32, u64)>,
    /// server -> its `(seq, key)` pairs.
    held: BTreeMap<u32, BTreeSet<(u64, u64)>>,
    /// load per server id (index = id; removed ids stay 0 and are not on the ring).
    loads: Vec<u64>,
    /// `load_count[l]` = number of ring servers with load `l`.
    load_count: Vec<u64>,
    max_load: u64,
    next_seq: u64,
}

impl Bounded {
    /// A ring of `servers` servers with `vnodes` points each (the same points as
    /// `Ring::new(servers, vnodes, seed)`) and load factor `c`. Panics if `servers` or
    /// `vnodes` is 0 or `c` is NaN or below 1.
    pub fn new(servers: u32, vnodes: u32, c: f64, seed: u64) -> Bounded {
        Bounded::from_ring(Ring::new(servers, vnodes, seed), c)
    }

    /// Bounded loads over an existing ring. Panics if `c` is NaN or below 1.
    pub fn from_ring(ring: Ring, c: f64) -> Bounded {
        assert!(c >= 1.0, "Bounded: c must be >= 1 (or +inf), got {c}");
        let mut b = Bounded {
            ring,
            c,
            assign: BTreeMap::new(),
            held: BTreeMap::new(),
            loads: Vec::new(),
            load_count: Vec::new(),
            max_load: 0,
            next_seq: 0,
        };
        b.reset_loads();
        b
    }

    fn reset_loads(&mut self) {
        let servers = self.ring.servers();
        let top = servers.iter().copied().max().unwrap_or(0) as usize + 1;
        self.loads = vec![0; top];
        self.load_count = vec![servers.len() as u64];
        self.max_load = 0;
        self.held = servers.into_iter().map(|s| (s, BTreeSet::new())).collect();
    }

    fn n(&self) -> u64 {
        self.held.len() as u64
    }

    /// The load factor `c`.
    pub fn c(&self) -> f64 {
        self.c
    }

    /// The underlying ring.
    pub fn ring(&self) -> &Ring {
        &self.ring
    }

    /// The number of stored keys.
    pub fn len(&self) -> usize {
        self.assign.len()
    }

    /// True if no key is stored.
    pub fn is_empty(&self) -> bool {
        self.assign.is_empty()
    }

    /// True if `key` is stored.
    pub fn contains(&self, key: u64) -> bool {
        self.assign.contains_key(&key)
    }

    /// The current capacity `ceil(c * stored keys / servers)`.
    pub fn capacity(&self) -> u64 {
        capacity(self.c, self.assign.len() as u64, self.n())
    }

    /// The largest load (kept incrementally, O(1)).
    pub fn max_load(&self) -> u64 {
        self.max_load
    }

    /// Each server's load.
    pub fn loads(&self) -> BTreeMap<u32, u64> {
        self.held
            .keys()
            .map(|&s| (s, self.loads[s as usize]))
            .collect()
    }

    /// The number of stored keys not on their plain-ring owner.
    pub fn off_owner(&self) -> u64 {
        self.assign
            .iter()
            .filter(|&(&k, &(s, _))| self.ring.owner(k) != s)
            .count() as u64
    }

    /// The first server clockwise from `key` with load below `cap`.
    fn walk(&self, key: u64, cap: u64) -> u32 {
        let pts = self.ring.points();
        let start = self.ring.point_index(key);
        for step in 0..pts.len() {
            let s = pts[(start + step) % pts.len()].1;
            if self.loads[s as usize] < cap {
                return s;
            }
        }
        panic!(
            "bounded: no server below capacity {cap} (n = {}, keys = {})",
            self.n(),
            self.len()
        );
    }

    fn inc(&mut self, s: u32) {
        let l = self.loads[s as usize] as usize;
        self.load_count[l] -= 1;
        if self.load_count.len() <= l + 1 {
            self.load_count.push(0);
        }
        self.load_count[l + 1] += 1;
        self.loads[s as usize] += 1;
        self.max_load = self.max_load.max(l as u64 + 1);
    }

    fn dec(&mut self, s: u32) {
        let l = self.loads[s as usize] as usize;
        self.load_count[l] -= 1;
        self.load_count[l - 1] += 1;
        self.loads[s as usize] -= 1;
        if l as u64 == self.max_load && self.load_count[l] == 0 {
            self.max_load -= 1;
        }
    }

    fn place(&mut self, key: u64, s: u32, seq: u64) {
        self.assign.insert(key, (s, seq));
        self.held
            .get_mut(&s)
            .expect("server on ring")
            .insert((seq, key));
        self.inc(s);
    }

    fn insert_with_seq(&mut self, key: u64, seq: u64) -> u32 {
        let cap = capacity(self.c, self.assign.len() as u64 + 1, self.n());
        let s = self.walk(key, cap);
        self.place(key, s, seq);
        debug_assert!(self.max_load <= cap);
        s
    }

    /// Stores `key` (an already-hashed key) and returns its server; a stored key keeps its
    /// server.
    pub fn insert_key(&mut self, key: u64) -> u32 {
        if let Some(&(s, _)) = self.assign.get(&key) {
            return s;
        }
        let seq = self.next_seq;
        self.next_seq += 1;
        self.insert_with_seq(key, seq)
    }

    /// Removes `key`, returning the server that held it (`None` if it was not stored), then
    /// restores the invariant if the capacity dropped.
    pub fn remove_key(&mut self, key: u64) -> Option<u32> {
        let (s, seq) = self.assign.remove(&key)?;
        self.held
            .get_mut(&s)
            .expect("server on ring")
            .remove(&(seq, key));
        self.dec(s);
        let cap = self.capacity();
        while self.max_load > cap {
            let over = *self
                .held
                .iter()
                .find(|&(&id, _)| self.loads[id as usize] == self.max_load)
                .expect("a server at max load")
                .0;
            let (eseq, ekey) = self
                .held
                .get_mut(&over)
                .expect("server")
                .pop_last()
                .expect("a key");
            self.assign.remove(&ekey);
            self.dec(over);
            let to = self.walk(ekey, cap);
            self.place(ekey, to, eseq);
        }
        Some(s)
    }

    fn rebuild(&mut self) {
        let mut order: Vec<(u64, u64)> =
            self.assign.iter().map(|(&k, &(_, seq))| (seq, k)).collect();
        order.sort_unstable();
        self.assign.clear();
        self.reset_loads();
        for (seq, k) in order {
            self.insert_with_seq(k, seq);
        }
    }
}

impl Placement for Bounded {
    fn name(&self) -> &'static str {
        "bounded"
    }

    /// A stored key's server; otherwise where `insert_key` would put it now.
    fn owner(&self, key: u64) -> u32 {
        match self.assign.get(&key) {
            Some(&(s, _)) => s,
            None => self.walk(
                key,
                capacity(self.c, self.assign.len() as u64 + 1, self.n()),
            ),
        }
    }

    fn add_server(&mut self) -> u32 {
        let id = self.ring.add_server();
        self.rebuild();
        id
    }

    fn remove_server(&mut self, id: u32) -> Result<(), String> {
        self.ring
            .remove_server(id)
            .map_err(|e| e.replacen("ring", "bounded", 1))?;
        self.rebuild();
        Ok(())
    }

    fn servers(&self) -> Vec<u32> {
        self.ring.servers()
    }

    fn memory_bytes(&self) -> usize {
        // Ring, plus per key one map entry (key, server, seq) and one set entry (seq, key),
        // plus the load arrays.
        self.ring.memory_bytes() - size_of::<Ring>()
            + size_of::<Self>()
            + self.assign.len()
                * (size_of::<u64>() + size_of::<(u32, u64)>() + size_of::<(u64, u64)>())
            + self.loads.len() * size_of::<u64>()
            + self.load_count.len() * size_of::<u64>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sim::rng::Stream;

    fn recomputed_max(b: &Bounded) -> u64 {
        b.loads().values().copied().max().unwrap_or(0)
    }

    #[test]
    fn capacity_holds_after_every_insertion_and_removal() {
        // Shows (exact): for c in {1, 1.1, 1.25, 2} and (n, v) in {(10, 50), (7, 1), (1, 3)},
        // inserting 5000 keys and then removing 2500 in random order, after every operation
        // max load <= ceil(c * keys / n), and the O(1) max-load tracker equals a recount.
        for &(n, v) in &[(10u32, 50u32), (7, 1), (1, 3)] {
            for &c in &[1.0, 1.1, 1.25, 2.0] {
                let mut b = Bounded::new(n, v, c, 17);
                let mut s = Stream::new(17, "test.bounded.keys");
                let mut keys: Vec<u64> = (0..5000).map(|_| s.next_u64()).collect();
                for &k in &keys {
                    b.insert_key(k);
                    assert!(
                        b.max_load() <= b.capacity(),
                        "n={n} c={c}: {} > {}",
                        b.max_load(),
                        b.capacity()
                    );
                    assert_eq!(b.max_load(), recomputed_max(&b));
                }
                s.shuffle(&mut keys);
                for &k in &keys[..2500] {
                    assert!(b.remove_key(k).is_some());
                    assert!(
                        b.max_load() <= b.capacity(),
                        "n={n} c={c}: {} > {}",
                        b.max_load(),
                        b.capacity()
                    );
                    assert_eq!(b.max_load(), recomputed_max(&b));
                }
                assert_eq!(b.len(), 2500);
                assert_eq!(b.loads().values().sum::<u64>(), 2500);
            }
        }
    }

    #[test]
    fn c_one_is_perfectly_balanced() {
        // Shows (exact): with c = 1 and 1000 keys over 10 servers every server holds exactly
        // 100 keys.
        let mut b = Bounded::new(10, 20, 1.0, 3);
        let mut s = Stream::new(3, "test.bounded.c1");
        for _ in 0..1000 {
            b.insert_key(s.next_u64());
        }
        assert!(b.loads().values().all(|&l| l == 100), "{:?}", b.loads());
    }

    #[test]
    fn infinite_c_is_the_plain_ring() {
        // Shows (exact): with c = +inf every key (stored or not) goes to its plain-ring owner.
        let ring = Ring::new(12, 30, 8);
        let mut b = Bounded::new(12, 30, f64::INFINITY, 8);
        let mut s = Stream::new(8, "test.bounded.inf");
        for _ in 0..20_000 {
            let k = s.next_u64();
            assert_eq!(b.insert_key(k), ring.owner(k));
            let probe = s.next_u64();
            assert_eq!(b.owner(probe), ring.owner(probe));
        }
        assert_eq!(b.off_owner(), 0);
    }

    #[test]
    fn server_changes_rebuild_within_capacity() {
        // Shows (exact): after adding and removing servers the invariant still holds and the
        // assignment equals inserting the same keys afresh, in order, into the new ring.
        let mut b = Bounded::new(8, 40, 1.25, 21);
        let mut s = Stream::new(21, "test.bounded.servers");
        let keys: Vec<u64> = (0..4000).map(|_| s.next_u64()).collect();
        for &k in &keys {
            b.insert_key(k);
        }
        let new = b.add_server();
        assert!(b.max_load() <= b.capacity());
        b.remove_server(2).unwrap();
        assert!(b.max_load() <= b.capacity());
        let mut ring = Ring::new(8, 40, 21);
        assert_eq!(ring.add_server(), new);
        ring.remove_server(2).unwrap();
        let mut fresh = Bounded::from_ring(ring, 1.25);
        for &k in &keys {
            fresh.insert_key(k);
        }
        for &k in &keys {
            assert_eq!(b.owner(k), fresh.owner(k));
        }
        assert!(b.remove_server(99).is_err());
    }
}
