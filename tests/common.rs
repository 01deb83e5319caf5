//! Helpers shared by the protocol test modules: load a catalog scenario with overrides, and
//! read a metric with a message that lists the metrics a run did report.

use scenarios::load::{Override, load};
use scenarios::runners::RunOutput;
use scenarios::spec::Spec;

/// Catalog scenario (or file) `name` with `--set`-style overrides; panics with the loader's
/// message on a bad name or override.
pub fn spec(name: &str, sets: &[&str]) -> Spec {
    let sets: Vec<Override> = sets.iter().map(|s| Override::parse(s).unwrap()).collect();
    load(name, &sets, &|p| {
        std::fs::read_to_string(p).map_err(|e| e.to_string())
    })
    .unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// Metric `k` of a run; panics naming the metrics the run has.
pub fn metric(o: &RunOutput, k: &str) -> f64 {
    *o.metrics.get(k).unwrap_or_else(|| {
        panic!(
            "metric {k} missing; have {:?}",
            o.metrics.keys().collect::<Vec<_>>()
        )
    })
}
