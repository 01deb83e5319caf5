//! Balls into bins: `m` balls thrown one at a time into `n` bins; each ball samples `d` bins
//! uniformly with replacement and joins the least loaded (the first sampled among ties, which
//! is a uniformly random one of the tied, as the samples are i.i.d.). Plain library code: one
//! `u32` per bin and `d` stream draws per ball, so n = 10^6 takes a few tens of milliseconds.

use std::collections::BTreeMap;

use sim::Stream;

/// Loads after all balls are thrown.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BinsResult {
    /// The largest load.
    pub max_load: u32,
    /// `counts[k]` = number of bins holding exactly `k` balls (k = 0..=max_load).
    pub counts: Vec<u64>,
}

impl BinsResult {
    /// Fraction of bins holding exactly `k` balls.
    pub fn fraction(&self, k: usize) -> f64 {
        let n: u64 = self.counts.iter().sum();
        self.counts.get(k).copied().unwrap_or(0) as f64 / n as f64
    }

    /// The scenario metrics: `max_load`, `load_eq_0`..`load_eq_5`.
    pub fn metrics(&self) -> BTreeMap<String, f64> {
        let mut m = BTreeMap::new();
        m.insert("max_load".to_string(), self.max_load as f64);
        for k in 0..=5 {
            m.insert(format!("load_eq_{k}"), self.fraction(k));
        }
        m
    }
}

/// Throws `balls` balls into `n` bins (n >= 1) with `d` choices each (d >= 1).
pub fn throw_balls(n: usize, balls: u64, d: u32, rng: &mut Stream) -> BinsResult {
    assert!(n >= 1 && d >= 1, "throw_balls: n and d must be >= 1");
    let mut load = vec![0u32; n];
    if d == 1 {
        for _ in 0..balls {
            load[rng.index(n)] += 1;
        }
    } else {
        for _ in 0..balls {
            let mut best = rng.index(n);
            let mut best_load = load[best];
            for _ in 1..d {
                let k = rng.index(n);
                let l = load[k];
                if l < best_load {
                    best = k;
                    best_load = l;
                }
            }
            load[best] = best_load + 1;
        }
    }
    let max_load = load.iter().copied().max().unwrap_or(0);
    let mut counts = vec![0u64; max_load as usize + 1];
    for &l in &load {
        counts[l as usize] += 1;
    }
    BinsResult { max_load, counts }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_ball_lands_and_counts_add_up() {
        let mut rng = Stream::new(1, "bins");
        for d in [1, 2, 3] {
            let r = throw_balls(1000, 2500, d, &mut rng);
            assert_eq!(r.counts.iter().sum::<u64>(), 1000);
            let balls: u64 = r.counts.iter().enumerate().map(|(k, c)| k as u64 * c).sum();
            assert_eq!(balls, 2500);
            assert!(*r.counts.last().unwrap() > 0);
        }
        // With one bin, every ball goes there.
        let r = throw_balls(1, 7, 3, &mut rng);
        assert_eq!(
            (r.max_load, r.counts.clone()),
            (7, vec![0, 0, 0, 0, 0, 0, 0, 1])
        );
    }
}
