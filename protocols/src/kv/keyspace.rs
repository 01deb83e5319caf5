//! The key space clients draw from: keys `key0`..`key{K-1}`, their 64-bit hashes, and the
//! popularity distribution (uniform, or Zipf with exponent `s`: key `i` with probability
//! proportional to `1/(i+1)^s`, so `key0` is the hottest).
//!
//! Hashes come from the documented key hash [`crate::ch::key_hash`] of the key's UTF-8 name, so
//! for `ring`, `jump`, `rendezvous` and `mod_n`, `simlab hash ALGO --servers 5 key42` names
//! the owner a router of run seed 0 gives `key42` while the members are `s0`..`s4`.
//! Zipf sampling is an inverse-CDF binary search over weights computed with `libm::pow`, so a
//! seed draws the same keys on every platform.

use sim::Stream;

use super::Popularity;
use crate::ch::key_hash;

/// The keys, their hashes, and how popular each is.
#[derive(Clone, Debug)]
pub struct KeySpace {
    hashes: Vec<u64>,
    /// Cumulative probabilities for Zipf (last = 1); `None` for uniform.
    cdf: Option<Vec<f64>>,
}

impl KeySpace {
    /// `keys` keys with the given popularity (`zipf_s` used only for Zipf). Panics if
    /// `keys == 0` (validation rejects it).
    pub fn new(keys: u32, popularity: Popularity, zipf_s: f64) -> KeySpace {
        assert!(keys > 0, "KeySpace: at least one key");
        let hashes = (0..keys)
            .map(|i| key_hash(Self::name(i).as_bytes()))
            .collect();
        let cdf = match popularity {
            Popularity::Uniform => None,
            Popularity::Zipf => {
                let mut acc = 0.0;
                let mut c: Vec<f64> = (0..keys)
                    .map(|i| {
                        acc += 1.0 / libm::pow(f64::from(i) + 1.0, zipf_s);
                        acc
                    })
                    .collect();
                for x in &mut c {
                    *x /= acc;
                }
                Some(c)
            }
        };
        KeySpace { hashes, cdf }
    }

    /// The name of key `i`: `key{i}`.
    pub fn name(i: u32) -> String {
        format!("key{i}")
    }

    /// Number of keys.
    pub fn len(&self) -> u32 {
        self.hashes.len() as u32
    }

    /// Always false (a key space has at least one key).
    pub fn is_empty(&self) -> bool {
        self.hashes.is_empty()
    }

    /// The hash of key `i`.
    #[inline]
    pub fn hash(&self, i: u32) -> u64 {
        self.hashes[i as usize]
    }

    /// All hashes, in key order.
    pub fn hashes(&self) -> &[u64] {
        &self.hashes
    }

    /// Draws a key index.
    pub fn sample(&self, rng: &mut Stream) -> u32 {
        match &self.cdf {
            None => rng.below(u64::from(self.len())) as u32,
            Some(cdf) => {
                let u = rng.f64();
                // First key whose cumulative probability exceeds u; rounding can leave the last
                // entry a hair below 1, hence the clamp.
                (cdf.partition_point(|&c| c <= u) as u32).min(self.len() - 1)
            }
        }
    }

    /// The probability of key `i` (for tests and documentation).
    pub fn probability(&self, i: u32) -> f64 {
        match &self.cdf {
            None => 1.0 / f64::from(self.len()),
            Some(cdf) => cdf[i as usize] - if i == 0 { 0.0 } else { cdf[i as usize - 1] },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_hash_with_the_documented_key_hash() {
        // Shows: key i is the string "key{i}" under ch::key_hash.
        let ks = KeySpace::new(3, Popularity::Uniform, 1.0);
        assert_eq!(ks.hash(2), key_hash(b"key2"));
        assert_eq!(ks.len(), 3);
    }

    #[test]
    fn zipf_frequencies_match_probabilities() {
        // Shows (statistical): 200k Zipf(s=1) draws over 100 keys give key0 a frequency
        // within 4 standard errors of 1/H_100 = 0.1928, key9 within 4 SE of 1/(10 H_100);
        // uniform draws stay in range and hit key 0 about 1% of the time.
        let ks = KeySpace::new(100, Popularity::Zipf, 1.0);
        let h100: f64 = (1..=100).map(|i| 1.0 / f64::from(i)).sum();
        assert!((ks.probability(0) - 1.0 / h100).abs() < 1e-12);
        let mut rng = Stream::new(7, "test.zipf");
        let n = 200_000;
        let mut counts = [0u32; 100];
        for _ in 0..n {
            counts[ks.sample(&mut rng) as usize] += 1;
        }
        for i in [0u32, 9] {
            let p = ks.probability(i);
            let se = (p * (1.0 - p) / f64::from(n)).sqrt();
            let f = f64::from(counts[i as usize]) / f64::from(n);
            assert!((f - p).abs() < 4.0 * se, "key{i}: {f} vs {p}");
        }
        let uni = KeySpace::new(100, Popularity::Uniform, 1.0);
        let zero = (0..n).filter(|_| uni.sample(&mut rng) == 0).count() as f64 / f64::from(n);
        assert!(
            (zero - 0.01).abs() < 4.0 * (0.01f64 * 0.99 / f64::from(n)).sqrt(),
            "{zero}"
        );
    }
}
