//! The Karger et al. (1997) ring with virtual nodes.
//!
//! Each server owns `v` points on the 64-bit ring (its weight is its vnode count). A point `p`
//! owns the arc `(previous point, p]`, so a key belongs to the first point at or clockwise
//! after it (binary search over the sorted points, wrapping past `2^64 - 1` to the first
//! point). Server `id`'s points are the first `v` words of the stream
//! `Stream::new(seed, "ch.ring.server.{id}")`, so a server's points do not depend on which
//! other servers exist (that is what makes growth monotone), and raising a server's vnode
//! count keeps its existing points. Equal points are ordered by server id.

use std::collections::BTreeMap;

use sim::rng::Stream;

use super::Placement;

/// The points of server `id` with `vnodes` virtual nodes under `seed`.
pub fn server_points(seed: u64, id: u32, vnodes: u32) -> Vec<u64> {
    let mut s = Stream::new(seed, &format!("ch.ring.server.{id}"));
    (0..vnodes).map(|_| s.next_u64()).collect()
}

/// A consistent-hashing ring with virtual nodes.
#[derive(Clone, Debug)]
pub struct Ring {
    seed: u64,
    default_vnodes: u32,
    /// `(point, server)` sorted ascending.
    points: Vec<(u64, u32)>,
    /// server id -> its vnode count.
    vnodes: BTreeMap<u32, u32>,
    next_id: u32,
}

impl Ring {
    /// `servers` servers (ids `0..servers`) with `vnodes` points each. Panics if either is 0.
    pub fn new(servers: u32, vnodes: u32, seed: u64) -> Ring {
        assert!(servers > 0, "Ring::new: servers must be >= 1");
        assert!(vnodes > 0, "Ring::new: vnodes must be >= 1");
        Ring::with_vnode_counts(&vec![vnodes; servers as usize], seed)
    }

    /// One server per entry (ids `0..len`), server `i` with `counts[i]` points: weights as
    /// vnode counts. `add_server` later uses the largest count. Panics if `counts` is empty or
    /// holds a 0.
    pub fn with_vnode_counts(counts: &[u32], seed: u64) -> Ring {
        assert!(!counts.is_empty(), "Ring: at least one server");
        assert!(
            counts.iter().all(|&c| c > 0),
            "Ring: every vnode count must be >= 1"
        );
        let mut r = Ring {
            seed,
            default_vnodes: counts.iter().copied().max().unwrap_or(1),
            points: Vec::new(),
            vnodes: BTreeMap::new(),
            next_id: 0,
        };
        for &c in counts {
            let id = r.next_id;
            r.next_id += 1;
            r.vnodes.insert(id, c);
            r.points
                .extend(server_points(seed, id, c).into_iter().map(|p| (p, id)));
        }
        r.points.sort_unstable();
        r
    }

    /// Adds a server with `vnodes` points and returns its (fresh, never reused) id.
    pub fn add_server_with_vnodes(&mut self, vnodes: u32) -> u32 {
        assert!(vnodes > 0, "Ring: vnodes must be >= 1");
        let id = self.next_id;
        self.next_id += 1;
        self.vnodes.insert(id, vnodes);
        for p in server_points(self.seed, id, vnodes) {
            let at = self.points.partition_point(|&q| q < (p, id));
            self.points.insert(at, (p, id));
        }
        id
    }

    /// The index in the sorted points of the point owning `key`.
    #[inline]
    pub fn point_index(&self, key: u64) -> usize {
        let i = self.points.partition_point(|&(p, _)| p < key);
        if i == self.points.len() { 0 } else { i }
    }

    /// The sorted `(point, server)` pairs.
    pub fn points(&self) -> &[(u64, u32)] {
        &self.points
    }

    /// Each server's exact share of the hash space: the sum of its arcs' lengths over `2^64`
    /// (computed in `u128`, so the shares of all servers sum to 1 up to one final rounding).
    pub fn arc_shares(&self) -> BTreeMap<u32, f64> {
        let mut arcs: BTreeMap<u32, u128> = self.vnodes.keys().map(|&id| (id, 0)).collect();
        let n = self.points.len();
        for i in 0..n {
            let (p, s) = self.points[i];
            let len = if i == 0 {
                u128::from(p) + (1u128 << 64) - u128::from(self.points[n - 1].0)
            } else {
                u128::from(p - self.points[i - 1].0)
            };
            *arcs.entry(s).or_insert(0) += len;
        }
        arcs.into_iter()
            .map(|(s, a)| (s, a as f64 / 2f64.powi(64)))
            .collect()
    }

    /// The vnode count of each server.
    pub fn vnode_counts(&self) -> &BTreeMap<u32, u32> {
        &self.vnodes
    }
}

impl Placement for Ring {
    fn name(&self) -> &'static str {
        "ring"
    }

    fn owner(&self, key: u64) -> u32 {
        self.points[self.point_index(key)].1
    }

    fn add_server(&mut self) -> u32 {
        self.add_server_with_vnodes(self.default_vnodes)
    }

    fn remove_server(&mut self, id: u32) -> Result<(), String> {
        if !self.vnodes.contains_key(&id) {
            return Err(format!("ring: no server {id}"));
        }
        if self.vnodes.len() == 1 {
            return Err("ring: cannot remove the last server".into());
        }
        self.vnodes.remove(&id);
        self.points.retain(|&(_, s)| s != id);
        Ok(())
    }

    fn servers(&self) -> Vec<u32> {
        self.vnodes.keys().copied().collect()
    }

    fn memory_bytes(&self) -> usize {
        size_of::<Self>()
            + self.points.len() * size_of::<(u64, u32)>()
            + self.vnodes.len() * 2 * size_of::<u32>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ch::analysis::{ChParams, ring_balance, stat_check};

    #[test]
    fn owner_is_first_point_clockwise() {
        // Shows (exact): a key at a point belongs to that point's server, a key just past it
        // to the next point's, and a key past the last point wraps to the first.
        let r = Ring::new(5, 3, 1);
        let pts = r.points().to_vec();
        for w in pts.windows(2) {
            assert_eq!(r.owner(w[0].0), w[0].1);
            if w[1].0 > w[0].0 + 1 {
                assert_eq!(r.owner(w[0].0 + 1), w[1].1);
            }
        }
        let last = pts[pts.len() - 1].0;
        if last < u64::MAX {
            assert_eq!(r.owner(last + 1), pts[0].1);
        }
        assert_eq!(r.owner(0), pts[0].1);
    }

    #[test]
    fn arc_shares_sum_to_one() {
        // Shows (exact up to rounding): arc shares partition the ring, including v=1, n=1.
        for (n, v) in [(1, 1), (1, 5), (10, 1), (10, 100), (37, 3)] {
            let r = Ring::new(n, v, 3);
            let total: f64 = r.arc_shares().values().sum();
            assert!((total - 1.0).abs() < 1e-12, "n={n} v={v}: {total}");
        }
    }

    #[test]
    fn growth_is_monotone() {
        // Shows (exact): over 20 seeds x 20k keys, going n -> n+1 every moved key moves to the
        // new server; removing a server moves exactly the keys it owned.
        for seed in 0..20u64 {
            let mut s = Stream::new(seed, "test.ring.keys");
            let keys: Vec<u64> = (0..20_000).map(|_| s.next_u64()).collect();
            let before = Ring::new(10, 20, seed);
            let mut grown = before.clone();
            let new = grown.add_server();
            let mut shrunk = before.clone();
            shrunk.remove_server(3).unwrap();
            for &k in &keys {
                let (a, b) = (before.owner(k), grown.owner(k));
                assert!(a == b || b == new, "seed {seed} key {k}: {a} -> {b}");
                let c = shrunk.owner(k);
                assert_eq!(a == c, a != 3, "seed {seed} key {k}: {a} -> {c}");
            }
        }
    }

    fn cv_samples(n: u32, v: u32, seeds: u64) -> Vec<f64> {
        let p = ChParams {
            servers: n,
            vnodes: v,
            keys: 0,
            ..ChParams::default()
        };
        (0..seeds)
            .map(|seed| ring_balance(&p, seed).unwrap()["share_cv"])
            .collect()
    }

    #[test]
    fn share_cv_matches_beta_theory() {
        // Shows (statistical, 20 seeds each): the coefficient of variation of server shares
        // matches sqrt((n-1)/(n v+1)) (a share is Beta(v,(n-1)v)): n=100 at v=100 and v=10
        // within 5%, n=1000 at v=1 within 10% (n large so that the per-ring CV estimator's
        // Jensen bias stays well under the tolerance).
        for (n, v, tol) in [(100u32, 100u32, 0.05), (100, 10, 0.05), (1000, 1, 0.10)] {
            let expected = (f64::from(n - 1) / f64::from(n * v + 1)).sqrt();
            let c = stat_check(&cv_samples(n, v, 20), expected, tol);
            eprintln!("ring share_cv n={n} v={v}: {c}");
            assert!(c.pass, "ring share_cv n={n} v={v}: {c}");
        }
    }

    #[test]
    fn squared_share_cv_is_unbiased_at_small_n() {
        // Shows (statistical, 200 seeds): at n=10 the squared CV (population variance over
        // mean^2) has expectation exactly (n-1)/(n v+1); v=1, 10, 100 within 5%.
        for v in [1u32, 10, 100] {
            let expected = 9.0 / f64::from(10 * v + 1);
            let sq: Vec<f64> = cv_samples(10, v, 200).iter().map(|c| c * c).collect();
            let c = stat_check(&sq, expected, 0.05);
            eprintln!("ring share_cv^2 n=10 v={v}: {c}");
            assert!(c.pass, "ring share_cv^2 n=10 v={v}: {c}");
        }
    }

    #[test]
    fn max_share_at_one_vnode_is_harmonic() {
        // Shows (statistical): at v=1 the largest share over the mean has expectation H_n
        // (the largest of n uniform spacings): 2.929 at n=10 (2000 rings), 5.187 at n=100
        // (500 rings), within 2%.
        for (n, rings, h_n) in [
            (10u32, 2000u64, 2.928_968_253_968_254),
            (100, 500, 5.187_377_517_639_621),
        ] {
            let p = ChParams {
                servers: n,
                vnodes: 1,
                keys: 0,
                ..ChParams::default()
            };
            let xs: Vec<f64> = (0..rings)
                .map(|seed| ring_balance(&p, 1_000_000 + seed).unwrap()["share_max_over_mean"])
                .collect();
            let c = stat_check(&xs, h_n, 0.02);
            eprintln!("ring max/mean v=1 n={n}: {c}");
            assert!(c.pass, "ring max/mean v=1 n={n}: {c}");
        }
    }

    #[test]
    fn weights_as_vnode_counts() {
        // Shows (statistical, 20 seeds): with vnode counts 50,100,150,200 a server's mean
        // share is its count over the total (0.1, 0.2, 0.3, 0.4), within 5%.
        let counts = [50u32, 100, 150, 200];
        let mut per: Vec<Vec<f64>> = vec![Vec::new(); counts.len()];
        for seed in 0..20u64 {
            let r = Ring::with_vnode_counts(&counts, seed);
            for (i, (_, s)) in r.arc_shares().into_iter().enumerate() {
                per[i].push(s);
            }
        }
        for (i, xs) in per.iter().enumerate() {
            let c = stat_check(xs, f64::from(counts[i]) / 500.0, 0.05);
            eprintln!("ring weighted share server {i}: {c}");
            assert!(c.pass, "server {i}: {c}");
        }
    }
}
