//! Rendezvous (highest-random-weight) hashing, Thaler & Ravishankar (1998).
//!
//! Server `id` has a salt, the first word of `Stream::new(seed, "ch.rendezvous.server.{id}")`.
//! A key's score at a server is `hash::score(key, salt) = splitmix64(key ^ salt)`; the key
//! goes to the highest score (ties, which need equal 64-bit scores, go to the smaller id).
//! Lookup costs O(N) per key, and the structure is one salt per server.
//!
//! Weighted variant: with `u = hash::unit_open(score)` in (0, 1), the score is
//! `-w / ln(u)`: that is the exponential race, so a server wins with probability exactly
//! `w / sum(w)` and changing one weight only moves keys to or from that server. `ln` is the
//! standard library's `f64::ln` (weighted answers can differ in the last ulp across
//! platforms' libm; unweighted answers are pure integer arithmetic).

use super::Placement;
use super::hash::{score, unit_open};
use sim::rng::Stream;

/// The salt of rendezvous server `id` under `seed`.
pub fn server_salt(seed: u64, id: u32) -> u64 {
    Stream::new(seed, &format!("ch.rendezvous.server.{id}")).next_u64()
}

#[derive(Clone, Debug)]
struct Server {
    id: u32,
    salt: u64,
    weight: f64,
}

/// Rendezvous hashing, optionally weighted.
#[derive(Clone, Debug)]
pub struct Rendezvous {
    seed: u64,
    servers: Vec<Server>,
    weighted: bool,
    next_id: u32,
}

impl Rendezvous {
    /// `servers` equal servers (ids `0..servers`). Panics if `servers == 0`.
    pub fn new(servers: u32, seed: u64) -> Rendezvous {
        assert!(servers > 0, "Rendezvous::new: servers must be >= 1");
        let mut r = Rendezvous {
            seed,
            servers: Vec::new(),
            weighted: false,
            next_id: 0,
        };
        for _ in 0..servers {
            r.push(1.0);
        }
        r
    }

    /// One server per weight (ids `0..len`), scored by `-w / ln(u)`. `add_server` later adds
    /// weight 1. Panics if `weights` is empty or holds a weight that is not finite and > 0.
    pub fn weighted(weights: &[f64], seed: u64) -> Rendezvous {
        assert!(
            !weights.is_empty(),
            "Rendezvous::weighted: at least one server"
        );
        let mut r = Rendezvous {
            seed,
            servers: Vec::new(),
            weighted: true,
            next_id: 0,
        };
        for &w in weights {
            r.push(w);
        }
        r
    }

    fn push(&mut self, weight: f64) -> u32 {
        assert!(
            weight.is_finite() && weight > 0.0,
            "Rendezvous: weight must be finite and > 0"
        );
        let id = self.next_id;
        self.next_id += 1;
        self.servers.push(Server {
            id,
            salt: server_salt(self.seed, id),
            weight,
        });
        id
    }

    /// Adds a server of the given weight (meaningful for a weighted instance) and returns its
    /// fresh id.
    pub fn add_server_weighted(&mut self, weight: f64) -> u32 {
        self.push(weight)
    }
}

impl Placement for Rendezvous {
    fn name(&self) -> &'static str {
        "rendezvous"
    }

    fn owner(&self, key: u64) -> u32 {
        if self.weighted {
            let mut best = (f64::NEG_INFINITY, 0u32);
            for s in &self.servers {
                let x = -s.weight / unit_open(score(key, s.salt)).ln();
                if x > best.0 {
                    best = (x, s.id);
                }
            }
            best.1
        } else {
            let mut best = (0u64, u32::MAX);
            for s in &self.servers {
                let x = score(key, s.salt);
                if best.1 == u32::MAX || x > best.0 {
                    best = (x, s.id);
                }
            }
            best.1
        }
    }

    fn add_server(&mut self) -> u32 {
        self.push(1.0)
    }

    fn remove_server(&mut self, id: u32) -> Result<(), String> {
        let pos = self
            .servers
            .iter()
            .position(|s| s.id == id)
            .ok_or_else(|| format!("rendezvous: no server {id}"))?;
        if self.servers.len() == 1 {
            return Err("rendezvous: cannot remove the last server".into());
        }
        self.servers.remove(pos);
        Ok(())
    }

    fn servers(&self) -> Vec<u32> {
        self.servers.iter().map(|s| s.id).collect()
    }

    fn memory_bytes(&self) -> usize {
        size_of::<Self>() + self.servers.len() * size_of::<Server>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ch::analysis::chi_square_critical;

    #[test]
    fn growth_and_removal_are_minimal() {
        // Shows (exact): adding a server moves keys only to it; removing one moves only its
        // keys (10 seeds x 10k keys, n = 10).
        for seed in 0..10u64 {
            let mut s = Stream::new(seed, "test.hrw.keys");
            let before = Rendezvous::new(10, seed);
            let mut grown = before.clone();
            let new = grown.add_server();
            let mut shrunk = before.clone();
            shrunk.remove_server(4).unwrap();
            for _ in 0..10_000 {
                let k = s.next_u64();
                let a = before.owner(k);
                let b = grown.owner(k);
                assert!(a == b || b == new);
                assert_eq!(a == shrunk.owner(k), a != 4);
            }
        }
    }

    #[test]
    fn unweighted_counts_pass_chi_square() {
        // Shows: 100k random keys over 20 servers give uniform counts (chi-square, 0.999).
        let r = Rendezvous::new(20, 5);
        let mut s = Stream::new(5, "test.hrw.chi2");
        let mut counts = [0u64; 20];
        for _ in 0..100_000 {
            counts[r.owner(s.next_u64()) as usize] += 1;
        }
        let e = 100_000.0 / 20.0;
        let stat: f64 = counts.iter().map(|&o| (o as f64 - e).powi(2) / e).sum();
        let crit = chi_square_critical(19, 0.999);
        eprintln!("rendezvous chi2 n=20: {stat:.1} (crit {crit:.1})");
        assert!(stat < crit);
    }

    #[test]
    fn weighted_shares_are_proportional() {
        // Shows: with weights 1,2,3,4 and 100k random keys, counts match w/sum(w) = 0.1..0.4
        // (chi-square against those proportions, 0.999).
        let w = [1.0, 2.0, 3.0, 4.0];
        let r = Rendezvous::weighted(&w, 9);
        let mut s = Stream::new(9, "test.hrw.weighted");
        let mut counts = [0u64; 4];
        let keys = 100_000u64;
        for _ in 0..keys {
            counts[r.owner(s.next_u64()) as usize] += 1;
        }
        let stat: f64 = counts
            .iter()
            .zip(w)
            .map(|(&o, wi)| {
                let e = keys as f64 * wi / 10.0;
                (o as f64 - e).powi(2) / e
            })
            .sum();
        let crit = chi_square_critical(3, 0.999);
        eprintln!("weighted rendezvous counts {counts:?}: chi2 {stat:.2} (crit {crit:.2})");
        assert!(stat < crit, "{counts:?}: {stat} >= {crit}");
    }
}
