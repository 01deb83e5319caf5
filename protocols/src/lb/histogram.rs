//! A fixed-size log-linear histogram of nanosecond durations, for sojourn percentiles.
//!
//! Recording is a leading-zero count, a shift and an increment, with no allocation, so it can
//! sit in the dispatcher's per-customer path. Buckets: values below 64 ns exactly, then 64
//! sub-buckets per power of two (relative bucket width 1/64, so a reported quantile, the
//! bucket's midpoint, is within 0.8% of the true sample quantile).

/// Sub-buckets per power of two, as a power of two.
const SUB_BITS: u32 = 6;
const SUB: usize = 1 << SUB_BITS;
/// Enough buckets for every u64.
const BUCKETS: usize = (64 - SUB_BITS as usize + 1) * SUB;

/// Counts of durations (ns) in log-linear buckets.
#[derive(Clone, Debug)]
pub struct Histogram {
    counts: Box<[u64; BUCKETS]>,
    total: u64,
}

impl Default for Histogram {
    fn default() -> Self {
        Histogram {
            counts: Box::new([0; BUCKETS]),
            total: 0,
        }
    }
}

#[inline]
fn bucket(v: u64) -> usize {
    if v < SUB as u64 {
        return v as usize;
    }
    let top = 63 - v.leading_zeros(); // >= SUB_BITS
    let shift = top - SUB_BITS;
    let sub = ((v >> shift) as usize) & (SUB - 1);
    (shift as usize + 1) * SUB + sub
}

/// `[lo, hi)` of bucket `b`.
fn bounds(b: usize) -> (u64, u64) {
    if b < SUB {
        return (b as u64, b as u64 + 1);
    }
    let shift = (b / SUB - 1) as u32;
    let sub = (b % SUB) as u64;
    let lo = (SUB as u64 + sub) << shift;
    (lo, lo.saturating_add(1u64 << shift))
}

impl Histogram {
    /// Records one duration.
    #[inline]
    pub fn record(&mut self, ns: u64) {
        self.counts[bucket(ns)] += 1;
        self.total += 1;
    }

    /// Number of recorded values.
    pub fn count(&self) -> u64 {
        self.total
    }

    /// Adds another histogram's counts.
    pub fn merge(&mut self, other: &Histogram) {
        for (a, b) in self.counts.iter_mut().zip(other.counts.iter()) {
            *a += b;
        }
        self.total += other.total;
    }

    /// The `q`-quantile (0 < q <= 1) in ns: the midpoint of the bucket holding the
    /// ceil(q * count)-th smallest value; 0 when empty.
    pub fn quantile(&self, q: f64) -> f64 {
        if self.total == 0 {
            return 0.0;
        }
        let rank = ((q * self.total as f64).ceil() as u64).clamp(1, self.total);
        let mut seen = 0;
        for (b, &c) in self.counts.iter().enumerate() {
            seen += c;
            if seen >= rank {
                let (lo, hi) = bounds(b);
                return if hi - lo == 1 {
                    lo as f64
                } else {
                    (lo as f64 + hi as f64) / 2.0
                };
            }
        }
        unreachable!("rank <= total")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_tile_the_line() {
        let mut prev_hi = 0;
        for b in 0..BUCKETS - 1 {
            let (lo, hi) = bounds(b);
            assert_eq!(lo, prev_hi, "bucket {b}");
            assert!(
                bucket(lo) == b && bucket(hi - 1) == b,
                "bucket {b}: [{lo}, {hi})"
            );
            prev_hi = hi;
        }
        assert_eq!(bucket(u64::MAX), BUCKETS - 1);
    }

    #[test]
    fn quantiles_are_within_a_bucket() {
        let mut h = Histogram::default();
        for v in 1..=100_000u64 {
            h.record(v * 1000);
        }
        for q in [0.5, 0.9, 0.99, 0.999] {
            let exact = q * 100_000.0 * 1000.0;
            let got = h.quantile(q);
            assert!(
                (got - exact).abs() / exact < 0.008,
                "q {q}: {got} vs {exact}"
            );
        }
        let mut g = Histogram::default();
        g.record(5);
        g.merge(&h);
        assert_eq!(g.count(), 100_001);
        assert_eq!(g.quantile(1e-9), 5.0);
    }
}
