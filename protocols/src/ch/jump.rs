//! Jump consistent hash (Lamping & Veach, arXiv:1406.2294), bit-exact with the reference C++.
//!
//! Buckets are numbered `0..N`; server ids are the bucket numbers. The structure is a single
//! counter: no memory per server. Only the highest bucket can be removed (the algorithm maps
//! keys onto a prefix `0..N`); `remove_server` of any other id is an error and changes nothing.
//! After removing bucket `N-1`, the next `add_server` hands out id `N-1` again.

use super::Placement;

/// The LCG multiplier of the reference implementation.
const LCG_MUL: u64 = 2_862_933_555_777_941_757;

/// The reference `JumpConsistentHash(key, num_buckets)`:
/// `b = -1; j = 0; while j < n { b = j; key = key * 2862933555777941757 + 1;
/// j = (b + 1) * (2^31 / ((key >> 33) + 1)) }` with wrapping 64-bit integer arithmetic and the
/// quotient and product in `f64`, truncated to an integer. Panics if `buckets == 0`.
pub fn jump_hash(mut key: u64, buckets: u32) -> u32 {
    assert!(buckets > 0, "jump_hash: buckets must be >= 1");
    let n = i64::from(buckets);
    let mut b: i64 = -1;
    let mut j: i64 = 0;
    while j < n {
        b = j;
        key = key.wrapping_mul(LCG_MUL).wrapping_add(1);
        j = ((b + 1) as f64 * ((1u64 << 31) as f64 / ((key >> 33) + 1) as f64)) as i64;
    }
    b as u32
}

/// Jump consistent hash over buckets `0..buckets`.
#[derive(Clone, Debug)]
pub struct Jump {
    buckets: u32,
}

impl Jump {
    /// `buckets` buckets with ids `0..buckets`. Panics if `buckets == 0`.
    pub fn new(buckets: u32) -> Jump {
        assert!(buckets > 0, "Jump::new: buckets must be >= 1");
        Jump { buckets }
    }

    /// The current number of buckets.
    pub fn buckets(&self) -> u32 {
        self.buckets
    }
}

impl Placement for Jump {
    fn name(&self) -> &'static str {
        "jump"
    }

    fn owner(&self, key: u64) -> u32 {
        jump_hash(key, self.buckets)
    }

    fn add_server(&mut self) -> u32 {
        self.buckets += 1;
        self.buckets - 1
    }

    fn remove_server(&mut self, id: u32) -> Result<(), String> {
        if self.buckets == 1 {
            return Err("jump: cannot remove the last bucket".into());
        }
        if id != self.buckets - 1 {
            return Err(format!(
                "jump: only the highest bucket ({}) can be removed, got {id}",
                self.buckets - 1
            ));
        }
        self.buckets -= 1;
        Ok(())
    }

    fn servers(&self) -> Vec<u32> {
        (0..self.buckets).collect()
    }

    fn memory_bytes(&self) -> usize {
        size_of::<Self>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ch::analysis::chi_square_critical;
    use crate::ch::hash::key_hash;
    use sim::rng::Stream;

    #[test]
    fn reference_vectors() {
        // Shows: jump_hash is bit-exact with the reference for the published (key, buckets)
        // -> bucket vectors.
        let cases: [(u64, u32, u32); 7] = [
            (1, 1, 0),
            (42, 57, 43),
            (256, 1024, 520),
            (3_735_883_980, 666, 361),
            (16_045_690_984_833_335_023, 255, 237),
            (1, 60, 55),
            (2, 60, 46),
        ];
        for (key, n, want) in cases {
            assert_eq!(jump_hash(key, n), want, "jump_hash({key}, {n})");
        }
    }

    #[test]
    fn growth_moves_keys_only_to_the_new_bucket() {
        // Shows (exact): going from n to n+1 buckets, a key either stays or moves to bucket n.
        let mut s = Stream::new(7, "test.jump.keys");
        for _ in 0..20_000 {
            let k = s.next_u64();
            for n in 1..40u32 {
                let (a, b) = (jump_hash(k, n), jump_hash(k, n + 1));
                assert!(a == b || b == n, "key {k}: {a} -> {b} at n={n}");
            }
        }
    }

    #[test]
    fn removal_only_of_the_highest_bucket() {
        // Shows: remove_server accepts only id N-1 and refuses to empty the table.
        let mut j = Jump::new(3);
        assert!(j.remove_server(0).is_err());
        assert!(j.remove_server(2).is_ok());
        assert_eq!(j.servers(), vec![0, 1]);
        assert_eq!(j.add_server(), 2);
        let mut one = Jump::new(1);
        assert!(one.remove_server(0).is_err());
    }

    #[test]
    fn bucket_counts_pass_chi_square() {
        // Shows: with 100k keys (random 64-bit words, and key_hash of "key-i"), bucket counts
        // for n in {10, 57, 1000} pass a chi-square test at the 0.999 level (critical value by
        // Wilson-Hilferty).
        let keys = 100_000u64;
        let mut s = Stream::new(11, "test.jump.chi2");
        let random: Vec<u64> = (0..keys).map(|_| s.next_u64()).collect();
        let strings: Vec<u64> = (0..keys)
            .map(|i| key_hash(format!("key-{i}").as_bytes()))
            .collect();
        for (label, ks) in [("random", &random), ("key_hash", &strings)] {
            for n in [10u32, 57, 1000] {
                let mut counts = vec![0u64; n as usize];
                for &k in ks {
                    counts[jump_hash(k, n) as usize] += 1;
                }
                let e = keys as f64 / f64::from(n);
                let stat: f64 = counts.iter().map(|&o| (o as f64 - e).powi(2) / e).sum();
                let crit = chi_square_critical(u64::from(n) - 1, 0.999);
                eprintln!("jump chi2 {label} n={n}: {stat:.1} (crit {crit:.1})");
                assert!(stat < crit, "jump chi2 {label} n={n}: {stat} >= {crit}");
            }
        }
    }
}
