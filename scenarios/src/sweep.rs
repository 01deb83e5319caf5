//! Sweeps: many seeds of one spec in parallel (rayon), results in seed order whatever the
//! number of threads; sharding and merging; comparisons over a grid of overrides.

use std::collections::BTreeMap;
use std::sync::Arc;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::runners::{self, RunOutput, RunRequest};
use crate::spec::Spec;
use crate::stats::{Summary, summarize};

/// One seed's result, as kept in shard files.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SeedResult {
    /// The seed.
    pub seed: u64,
    /// Its outcome.
    pub outcome: String,
    /// Its metrics.
    pub metrics: BTreeMap<String, f64>,
    /// Its trace digest.
    pub trace_digest: String,
}

/// Runs `seeds` of `spec` on `jobs` threads (0 = all cores); returns results in seed order.
/// `progress` is called once per finished seed (from any thread).
pub fn run_seeds(
    spec: &Spec,
    seeds: &[u64],
    jobs: usize,
    progress: &(dyn Fn() + Sync),
) -> Result<Vec<(u64, RunOutput)>, String> {
    run_seeds_until(spec, seeds, jobs, progress, None)
}

/// [`run_seeds`], with `stop` (if given) as every run's interrupt check (a wall-clock
/// limit): a run it stops fails the sweep.
pub fn run_seeds_until(
    spec: &Spec,
    seeds: &[u64],
    jobs: usize,
    progress: &(dyn Fn() + Sync),
    stop: Option<Arc<dyn Fn() -> bool + Send + Sync>>,
) -> Result<Vec<(u64, RunOutput)>, String> {
    let work = || -> Result<Vec<(u64, RunOutput)>, String> {
        seeds
            .par_iter()
            .map(|&seed| {
                let interrupt = stop
                    .clone()
                    .map(|f| -> Box<dyn FnMut() -> bool> { Box::new(move || f()) });
                let r = runners::run(RunRequest {
                    spec,
                    seed,
                    sink: None,
                    interrupt,
                })
                .map(|o| (seed, o));
                progress();
                r
            })
            .collect()
    };
    if jobs == 0 {
        work()
    } else {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(jobs)
            .build()
            .map_err(|e| format!("cannot start {jobs} worker threads: {e}"))?;
        pool.install(work)
    }
}

/// The `sweep --format json` document (DESIGN.md contract).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SweepSummary {
    /// Scenario name.
    pub scenario: String,
    /// `[first, end)` seed range.
    pub seeds: [u64; 2],
    /// Number of runs.
    pub runs: usize,
    /// Outcome -> count.
    pub outcomes: BTreeMap<String, usize>,
    /// The first 20 seeds whose outcome was not `ok`.
    pub failing_seeds: Vec<u64>,
    /// Metric -> summary over seeds.
    pub metrics: BTreeMap<String, Summary>,
}

/// Summarises per-seed results (must be in seed order).
pub fn summarize_sweep(scenario: &str, range: [u64; 2], results: &[SeedResult]) -> SweepSummary {
    let mut outcomes = BTreeMap::new();
    let mut failing = Vec::new();
    let mut values: BTreeMap<String, Vec<f64>> = BTreeMap::new();
    for r in results {
        *outcomes.entry(r.outcome.clone()).or_insert(0) += 1;
        if r.outcome != "ok" && failing.len() < 20 {
            failing.push(r.seed);
        }
        for (k, v) in &r.metrics {
            values.entry(k.clone()).or_default().push(*v);
        }
    }
    SweepSummary {
        scenario: scenario.to_string(),
        seeds: range,
        runs: results.len(),
        outcomes,
        failing_seeds: failing,
        metrics: values
            .into_iter()
            .map(|(k, v)| (k, summarize(&v)))
            .collect(),
    }
}

/// Converts run outputs to per-seed results.
pub fn seed_results(runs: &[(u64, RunOutput)]) -> Vec<SeedResult> {
    runs.iter()
        .map(|(s, o)| SeedResult {
            seed: *s,
            outcome: o.outcome.clone(),
            metrics: o.metrics.clone(),
            trace_digest: o.trace_digest.clone(),
        })
        .collect()
}
