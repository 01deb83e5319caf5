//! Statistics across seeds: mean and the half-width of its 95% confidence interval (Student's
//! t), the rule the validation targets use for every statistical target.

use serde::{Deserialize, Serialize};

pub use protocols::stats::t95;

/// Summary of one metric over seeds.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    /// Sample mean.
    pub mean: f64,
    /// Half-width of the 95% confidence interval of the mean (0 when n < 2).
    pub ci95: f64,
    /// Smallest value.
    pub min: f64,
    /// Largest value.
    pub max: f64,
    /// Number of values.
    pub n: usize,
}

/// Summarises values in the order given (the order is fixed by seed, so sums are
/// bit-reproducible).
pub fn summarize(xs: &[f64]) -> Summary {
    let n = xs.len();
    if n == 0 {
        return Summary {
            mean: 0.0,
            ci95: 0.0,
            min: 0.0,
            max: 0.0,
            n: 0,
        };
    }
    let mean = xs.iter().sum::<f64>() / n as f64;
    let min = xs.iter().copied().fold(f64::INFINITY, f64::min);
    let max = xs.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let ci95 = if n < 2 {
        0.0
    } else {
        let var = xs.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / (n - 1) as f64;
        t95(n - 1) * (var / n as f64).sqrt()
    };
    Summary {
        mean,
        ci95,
        min,
        max,
        n,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_of_known_values() {
        let s = summarize(&[1.0, 2.0, 3.0, 4.0, 5.0]);
        assert_eq!(s.mean, 3.0);
        // sd = sqrt(2.5), se = sqrt(0.5), t(4) = 2.776
        assert!((s.ci95 - 2.776 * 0.5f64.sqrt()).abs() < 1e-9);
        assert_eq!((s.min, s.max, s.n), (1.0, 5.0, 5));
    }
}
