//! Maglev hashing (Eisenbud et al., NSDI 2016, section 3.4).
//!
//! A lookup table of prime size `M`; backend `i` has the preference list
//! `permutation[i][j] = (offset_i + j * skip_i) mod M`, a full permutation of `0..M` because
//! `M` is prime and `1 <= skip_i < M`. The table is filled by the paper's populate procedure:
//! the backends take turns (in id order), each claiming the next unclaimed entry of its own
//! list, until the table is full. A key goes to `table[key mod M]`. Every add or remove
//! rebuilds the table over the remaining backends, so some entries of surviving backends
//! change owner too (the paper's "minimal disruption" is approximate, unlike the ring).
//!
//! Backend `id`'s `(offset, skip)` come from `Stream::new(seed, "ch.maglev.backend.{id}")`:
//! `offset = below(M)`, `skip = below(M - 1) + 1` (the paper hashes the backend name with two
//! hash functions; drawing from a seeded stream per id is the same idea). `M` is fixed at
//! construction; with more backends than entries, late backends get no entries.

use sim::rng::Stream;

use super::Placement;

/// True if `n` is prime (deterministic trial division; fine for table sizes).
pub fn is_prime(n: u64) -> bool {
    if n < 2 {
        return false;
    }
    if n < 4 {
        return true;
    }
    if n.is_multiple_of(2) {
        return false;
    }
    let mut d = 3u64;
    while d.saturating_mul(d) <= n {
        if n.is_multiple_of(d) {
            return false;
        }
        d += 2;
    }
    true
}

/// The smallest prime `>= n`.
pub fn next_prime(n: u64) -> u64 {
    let mut p = n.max(2);
    while !is_prime(p) {
        p += 1;
    }
    p
}

/// The default table size for `servers` backends: the smallest prime `>= 100 * servers`.
pub fn default_table_size(servers: u32) -> u64 {
    next_prime(100 * u64::from(servers.max(1)))
}

/// The populate procedure: `perms[i] = (offset, skip)` of the i-th backend in turn order;
/// returns the table of backend indices (into `perms`). Panics if `perms` is empty, `m` is
/// not prime, or an offset/skip is out of range (`offset < m`, `1 <= skip < m`).
pub fn populate(m: u64, perms: &[(u64, u64)]) -> Vec<u32> {
    assert!(!perms.is_empty(), "maglev: at least one backend");
    assert!(is_prime(m), "maglev: table size {m} is not prime");
    for &(o, s) in perms {
        assert!(
            o < m && s >= 1 && s < m.max(2),
            "maglev: bad (offset, skip) = ({o}, {s}) for M = {m}"
        );
    }
    let m_us = m as usize;
    let mut entry = vec![u32::MAX; m_us];
    let mut next = vec![0u64; perms.len()];
    let mut filled = 0usize;
    loop {
        for (i, &(offset, skip)) in perms.iter().enumerate() {
            let mut c = ((offset as u128 + next[i] as u128 * skip as u128) % m as u128) as usize;
            while entry[c] != u32::MAX {
                next[i] += 1;
                c = ((offset as u128 + next[i] as u128 * skip as u128) % m as u128) as usize;
            }
            entry[c] = i as u32;
            next[i] += 1;
            filled += 1;
            if filled == m_us {
                return entry;
            }
        }
    }
}

/// A Maglev lookup table over backends with stable ids.
#[derive(Clone, Debug)]
pub struct Maglev {
    seed: u64,
    m: u64,
    /// `(id, offset, skip)` in id order.
    backends: Vec<(u32, u64, u64)>,
    /// Owner id per entry.
    table: Vec<u32>,
    next_id: u32,
}

impl Maglev {
    /// `servers` backends (ids `0..servers`) with `(offset, skip)` from `seed`, table size
    /// `m` (must be prime; `None` means [`default_table_size`]). Panics if `servers == 0` or
    /// `m` is not prime.
    pub fn new(servers: u32, m: Option<u64>, seed: u64) -> Maglev {
        assert!(servers > 0, "Maglev::new: servers must be >= 1");
        let m = m.unwrap_or_else(|| default_table_size(servers));
        let mut g = Maglev {
            seed,
            m,
            backends: Vec::new(),
            table: Vec::new(),
            next_id: 0,
        };
        for _ in 0..servers {
            g.push_hashed();
        }
        g.rebuild();
        g
    }

    /// Backends `0..len` with explicit `(offset, skip)` (the paper's worked example uses
    /// `M = 7`, `(3,4), (0,2), (3,1)`). Later `add_server` calls derive theirs from `seed`.
    /// Panics on an empty list, a non-prime `m` or an out-of-range pair.
    pub fn with_permutations(m: u64, perms: &[(u64, u64)], seed: u64) -> Maglev {
        let backends = perms
            .iter()
            .enumerate()
            .map(|(i, &(o, s))| (i as u32, o, s))
            .collect();
        let mut g = Maglev {
            seed,
            m,
            backends,
            table: Vec::new(),
            next_id: perms.len() as u32,
        };
        g.rebuild();
        g
    }

    fn push_hashed(&mut self) -> u32 {
        let id = self.next_id;
        self.next_id += 1;
        let mut s = Stream::new(self.seed, &format!("ch.maglev.backend.{id}"));
        let offset = s.below(self.m);
        let skip = if self.m > 1 {
            s.below(self.m - 1) + 1
        } else {
            1
        };
        self.backends.push((id, offset, skip));
        id
    }

    fn rebuild(&mut self) {
        let perms: Vec<(u64, u64)> = self.backends.iter().map(|&(_, o, s)| (o, s)).collect();
        self.table = populate(self.m, &perms)
            .into_iter()
            .map(|i| self.backends[i as usize].0)
            .collect();
    }

    /// The table size `M`.
    pub fn table_size(&self) -> u64 {
        self.m
    }

    /// The lookup table: owner id per entry.
    pub fn table(&self) -> &[u32] {
        &self.table
    }
}

impl Placement for Maglev {
    fn name(&self) -> &'static str {
        "maglev"
    }

    fn owner(&self, key: u64) -> u32 {
        self.table[(key % self.m) as usize]
    }

    fn add_server(&mut self) -> u32 {
        let id = self.push_hashed();
        self.rebuild();
        id
    }

    fn remove_server(&mut self, id: u32) -> Result<(), String> {
        let pos = self
            .backends
            .iter()
            .position(|b| b.0 == id)
            .ok_or_else(|| format!("maglev: no backend {id}"))?;
        if self.backends.len() == 1 {
            return Err("maglev: cannot remove the last backend".into());
        }
        self.backends.remove(pos);
        self.rebuild();
        Ok(())
    }

    fn servers(&self) -> Vec<u32> {
        self.backends.iter().map(|b| b.0).collect()
    }

    fn memory_bytes(&self) -> usize {
        size_of::<Self>()
            + self.table.len() * size_of::<u32>()
            + self.backends.len() * size_of::<(u32, u64, u64)>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paper_worked_example() {
        // Shows (exact): Eisenbud et al. Table 1/2: M = 7, B0..B2 with (offset, skip) =
        // (3,4), (0,2), (3,1) give [B1,B0,B1,B0,B2,B2,B0]; without B1, [B0,B0,B0,B0,B2,B2,B2].
        let mut g = Maglev::with_permutations(7, &[(3, 4), (0, 2), (3, 1)], 0);
        assert_eq!(g.table(), &[1, 0, 1, 0, 2, 2, 0]);
        g.remove_server(1).unwrap();
        assert_eq!(g.table(), &[0, 0, 0, 0, 2, 2, 2]);
    }

    #[test]
    fn every_backend_gets_floor_or_ceil_entries() {
        // Shows (exact): for N in 1..=40 and prime M in {7, 11, 101, 211, 1009, 4001} with
        // N <= M, and 3 seeds each, every backend owns floor(M/N) or ceil(M/N) entries.
        for m in [7u64, 11, 101, 211, 1009, 4001] {
            for n in 1..=40u32 {
                if u64::from(n) > m {
                    continue;
                }
                for seed in 0..3 {
                    let g = Maglev::new(n, Some(m), seed);
                    let mut counts = vec![0u64; n as usize];
                    for &o in g.table() {
                        counts[o as usize] += 1;
                    }
                    let (lo, hi) = (m / u64::from(n), m.div_ceil(u64::from(n)));
                    assert!(
                        counts.iter().all(|&c| c == lo || c == hi),
                        "M={m} N={n} seed={seed}: {counts:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn removed_backend_entries_all_reassigned() {
        // Shows (exact): after removing a backend none of its entries remain, and the
        // surviving table is still balanced within floor/ceil.
        let mut g = Maglev::new(10, Some(1009), 4);
        g.remove_server(6).unwrap();
        assert!(g.table().iter().all(|&o| o != 6));
        let mut counts = std::collections::BTreeMap::new();
        for &o in g.table() {
            *counts.entry(o).or_insert(0u64) += 1;
        }
        assert!(
            counts.values().all(|&c| c == 1009 / 9 || c == 1009 / 9 + 1),
            "{counts:?}"
        );
    }

    #[test]
    fn primes() {
        // Shows: the prime helpers (table sizes) are right on small cases and the defaults.
        let ps: Vec<u64> = (0..30).filter(|&n| is_prime(n)).collect();
        assert_eq!(ps, vec![2, 3, 5, 7, 11, 13, 17, 19, 23, 29]);
        assert_eq!(default_table_size(10), 1009);
        assert_eq!(default_table_size(1), 101);
        assert_eq!(next_prime(65_536), 65_537);
    }
}
