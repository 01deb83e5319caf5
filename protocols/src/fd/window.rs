//! The phi accrual detector's sliding window of inter-arrival times, with exact integer running
//! sums so the mean and variance never drift however long the run (floats appear only in the
//! final division).

use std::collections::VecDeque;

/// The last `capacity` inter-arrival times, in nanoseconds.
#[derive(Clone, Debug)]
pub struct Window {
    capacity: usize,
    samples: VecDeque<u64>,
    sum: u128,
    sum_sq: u128,
}

impl Window {
    /// An empty window holding at most `capacity` samples (>= 2).
    pub fn new(capacity: usize) -> Window {
        assert!(
            capacity >= 2,
            "a phi window needs room for two samples, got {capacity}"
        );
        Window {
            capacity,
            samples: VecDeque::with_capacity(capacity),
            sum: 0,
            sum_sq: 0,
        }
    }

    /// Adds a sample, dropping the oldest when full.
    pub fn push(&mut self, x: u64) {
        if self.samples.len() == self.capacity {
            let old = self.samples.pop_front().expect("a full window has samples") as u128;
            self.sum -= old;
            self.sum_sq -= old * old;
        }
        self.samples.push_back(x);
        self.sum += x as u128;
        self.sum_sq += (x as u128) * (x as u128);
    }

    /// Number of samples.
    pub fn len(&self) -> usize {
        self.samples.len()
    }

    /// True if there are no samples.
    pub fn is_empty(&self) -> bool {
        self.samples.is_empty()
    }

    /// Sample mean (ns).
    pub fn mean(&self) -> f64 {
        assert!(!self.is_empty(), "mean of an empty window");
        self.sum as f64 / self.samples.len() as f64
    }

    /// Sample standard deviation with the n-1 divisor (ns); 0 with fewer than two samples.
    pub fn sd(&self) -> f64 {
        let n = self.samples.len() as u128;
        if n < 2 {
            return 0.0;
        }
        // n * sum_sq - sum^2 is exact and >= 0 (Cauchy-Schwarz) in integers.
        let num = n * self.sum_sq - self.sum * self.sum;
        (num as f64 / (n * (n - 1)) as f64).sqrt()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Running sums give the textbook mean and (n-1) deviation, and forget evicted samples.
    #[test]
    fn window_statistics_are_exact() {
        let mut w = Window::new(3);
        for x in [10, 20, 30] {
            w.push(x);
        }
        assert_eq!(w.mean(), 20.0);
        assert_eq!(w.sd(), 10.0);
        w.push(40); // evicts 10
        assert_eq!(w.len(), 3);
        assert_eq!(w.mean(), 30.0);
        assert_eq!(w.sd(), 10.0);
    }
}
