//! Run metrics: counters, histograms with percentiles, time-weighted levels and time series,
//! all in ordered maps keyed by name so every report lists them in the same order.
//! Statistics across seeds (means, confidence intervals) live in `scenarios`.

use std::collections::BTreeMap;

use hdrhistogram::Histogram as Hdr;

use crate::time::Time;

/// Values are stored in the histogram in units of 1e-6 (micro-units) of the recorded value.
const HIST_SCALE: f64 = 1e6;

/// A distribution of non-negative values: exact count, sum, min and max; percentiles from an
/// HDR histogram with 3 significant digits.
#[derive(Clone, Debug)]
pub struct Histogram {
    hdr: Hdr<u64>,
    count: u64,
    sum: f64,
    min: f64,
    max: f64,
}

impl Default for Histogram {
    fn default() -> Self {
        Histogram {
            hdr: Hdr::new(3).expect("3 significant digits is a valid HDR precision"),
            count: 0,
            sum: 0.0,
            min: f64::INFINITY,
            max: f64::NEG_INFINITY,
        }
    }
}

impl Histogram {
    /// Records one value (negative values are clamped to zero in the percentiles).
    #[inline]
    pub fn record(&mut self, v: f64) {
        self.count += 1;
        self.sum += v;
        if v < self.min {
            self.min = v;
        }
        if v > self.max {
            self.max = v;
        }
        let scaled = if v > 0.0 { (v * HIST_SCALE) as u64 } else { 0 };
        // Auto-resize grows the histogram; only values beyond 2^62 micro-units can fail.
        if self.hdr.record(scaled).is_err() {
            self.hdr.saturating_record(scaled);
        }
    }
    /// Number of values recorded.
    pub fn count(&self) -> u64 {
        self.count
    }
    /// Exact mean (0 if empty).
    pub fn mean(&self) -> f64 {
        if self.count == 0 {
            0.0
        } else {
            self.sum / self.count as f64
        }
    }
    /// Smallest value (0 if empty).
    pub fn min(&self) -> f64 {
        if self.count == 0 { 0.0 } else { self.min }
    }
    /// Largest value (0 if empty).
    pub fn max(&self) -> f64 {
        if self.count == 0 { 0.0 } else { self.max }
    }
    /// The q-quantile, q in [0, 1], to 3 significant digits (0 if empty).
    pub fn quantile(&self, q: f64) -> f64 {
        if self.count == 0 {
            return 0.0;
        }
        self.hdr.value_at_quantile(q) as f64 / HIST_SCALE
    }
    /// `(value, cumulative fraction)` points of the empirical CDF, for charts.
    pub fn cdf_points(&self) -> Vec<(f64, f64)> {
        let total = self.hdr.len().max(1) as f64;
        let mut acc = 0u64;
        let mut pts = Vec::new();
        for v in self.hdr.iter_recorded() {
            acc += v.count_since_last_iteration();
            pts.push((
                v.value_iterated_to() as f64 / HIST_SCALE,
                acc as f64 / total,
            ));
        }
        pts
    }
}

/// A level that holds between changes (queue length, in-flight messages); its mean is
/// weighted by how long each value held, from `start`.
#[derive(Clone, Debug, Default)]
pub struct TimeAvg {
    start: Option<Time>,
    last_t: Time,
    value: f64,
    integral: f64,
}

impl TimeAvg {
    /// The level becomes `v` at time `t` (times must not decrease).
    #[inline]
    pub fn set(&mut self, t: Time, v: f64) {
        if self.start.is_none() {
            self.start = Some(t);
        } else {
            self.integral += self.value * (t.0 - self.last_t.0) as f64;
        }
        self.last_t = t;
        self.value = v;
    }
    /// Time-weighted mean over `[start, end]`.
    pub fn mean(&self, end: Time) -> f64 {
        match self.start {
            None => 0.0,
            Some(s) if end <= s => self.value,
            Some(s) => {
                let i = self.integral + self.value * (end.0.saturating_sub(self.last_t.0)) as f64;
                i / (end.0 - s.0) as f64
            }
        }
    }
}

/// All metrics of one run.
#[derive(Clone, Debug, Default)]
pub struct Metrics {
    counters: BTreeMap<String, f64>,
    hists: BTreeMap<String, Histogram>,
    levels: BTreeMap<String, TimeAvg>,
    series: BTreeMap<String, Vec<(Time, f64)>>,
}

impl Metrics {
    /// Adds `v` to counter `name`.
    pub fn add(&mut self, name: &str, v: f64) {
        match self.counters.get_mut(name) {
            Some(c) => *c += v,
            None => {
                self.counters.insert(name.to_string(), v);
            }
        }
    }
    /// Sets counter `name` to `v` (a gauge reported as is).
    pub fn set(&mut self, name: &str, v: f64) {
        self.counters.insert(name.to_string(), v);
    }
    /// Counter value, if set.
    pub fn counter(&self, name: &str) -> Option<f64> {
        self.counters.get(name).copied()
    }
    /// Records `v` into histogram `name`.
    pub fn record(&mut self, name: &str, v: f64) {
        match self.hists.get_mut(name) {
            Some(h) => h.record(v),
            None => {
                let mut h = Histogram::default();
                h.record(v);
                self.hists.insert(name.to_string(), h);
            }
        }
    }
    /// The histogram `name`, if any value was recorded.
    pub fn histogram(&self, name: &str) -> Option<&Histogram> {
        self.hists.get(name)
    }
    /// Sets time-weighted level `name` to `v` at `t`.
    pub fn level(&mut self, name: &str, t: Time, v: f64) {
        self.levels.entry(name.to_string()).or_default().set(t, v);
    }
    /// Appends a point to time series `name`.
    pub fn sample(&mut self, name: &str, t: Time, v: f64) {
        self.series
            .entry(name.to_string())
            .or_default()
            .push((t, v));
    }
    /// Time series by name.
    pub fn series(&self) -> &BTreeMap<String, Vec<(Time, f64)>> {
        &self.series
    }
    /// Histograms by name.
    pub fn histograms(&self) -> &BTreeMap<String, Histogram> {
        &self.hists
    }
    /// Flattens everything into `name -> number` for JSON output: counters as they are;
    /// per histogram `_mean`, `_p50`, `_p99`, `_p999`, `_max`, `_count`; per level `_avg`.
    pub fn summary(&self, end: Time) -> BTreeMap<String, f64> {
        let mut out = self.counters.clone();
        for (k, h) in &self.hists {
            out.insert(format!("{k}_mean"), h.mean());
            out.insert(format!("{k}_p50"), h.quantile(0.5));
            out.insert(format!("{k}_p99"), h.quantile(0.99));
            out.insert(format!("{k}_p999"), h.quantile(0.999));
            out.insert(format!("{k}_max"), h.max());
            out.insert(format!("{k}_count"), h.count() as f64);
        }
        for (k, l) in &self.levels {
            out.insert(format!("{k}_avg"), l.mean(end));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histogram_percentiles_are_within_precision() {
        let mut h = Histogram::default();
        for i in 1..=1000 {
            h.record(i as f64);
        }
        assert_eq!(h.count(), 1000);
        assert!((h.mean() - 500.5).abs() < 1e-9);
        assert!(
            (h.quantile(0.5) - 500.0).abs() <= 1.0,
            "{}",
            h.quantile(0.5)
        );
        assert!(
            (h.quantile(0.99) - 990.0).abs() <= 1.0,
            "{}",
            h.quantile(0.99)
        );
        assert_eq!(h.max(), 1000.0);
    }

    #[test]
    fn time_average_weights_by_duration() {
        let mut a = TimeAvg::default();
        a.set(Time(0), 0.0);
        a.set(Time(10), 2.0); // 0 for 10 ticks
        a.set(Time(40), 1.0); // 2 for 30 ticks
        // 1 for 60 ticks, until 100
        assert!((a.mean(Time(100)) - (60.0 + 60.0) / 100.0).abs() < 1e-12);
    }

    #[test]
    fn summary_flattens_in_name_order() {
        let mut m = Metrics::default();
        m.add("b", 1.0);
        m.add("a", 2.0);
        m.add("a", 3.0);
        m.record("lat", 4.0);
        let s = m.summary(Time(1));
        let keys: Vec<_> = s.keys().cloned().collect();
        assert_eq!(keys[0], "a");
        assert_eq!(s["a"], 5.0);
        assert_eq!(s["lat_mean"], 4.0);
    }
}
