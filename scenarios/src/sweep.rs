//! Sweeps: many seeds of one spec in parallel (rayon), results in seed order whatever the
//! number of threads; sharding and merging; comparisons over a grid of overrides.

use std::collections::BTreeMap;
use std::sync::Arc;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::runners::{self, RunOutput, RunRequest};
use crate::spec::Spec;
use crate::stats::{Summary, summarize};
use protocols::plugin::SwarmProfile;
use protocols::plugin::swarm;

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

/// One seed of a campaign as `sweep --format jsonl` writes it: enough to merge campaigns run
/// on many machines (and to keep failing seeds, as seed records), and to tell whether two
/// records come from the same spec and simlab.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedRecord {
    /// Scenario name.
    pub scenario: String,
    /// The seed.
    pub seed: u64,
    /// Its outcome.
    pub outcome: String,
    /// Its trace digest (empty for an analysis).
    pub trace_digest: String,
    /// Its metrics.
    pub metrics: BTreeMap<String, f64>,
    /// 16 hex digits identifying the resolved spec (see [`spec_hash`]).
    pub spec_hash: String,
    /// The simlab version that ran it.
    pub simlab: String,
}

impl SeedRecord {
    /// The record of one seed's result.
    pub fn new(scenario: &str, spec_hash: &str, r: &SeedResult) -> SeedRecord {
        SeedRecord {
            scenario: scenario.to_string(),
            seed: r.seed,
            outcome: r.outcome.clone(),
            trace_digest: r.trace_digest.clone(),
            metrics: r.metrics.clone(),
            spec_hash: spec_hash.to_string(),
            simlab: env!("CARGO_PKG_VERSION").to_string(),
        }
    }
}

/// A hash of the resolved spec's canonical JSON (FNV-1a, 64 bits): equal specs, equal hash.
pub fn spec_hash(spec: &Spec) -> String {
    let json = serde_json::to_string(spec).expect("a spec serialises");
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in json.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01B3);
    }
    format!("{h:016x}")
}

/// Merges seed records (`(file name, text)` of JSONL files): one scenario, one spec hash and
/// simlab version, every seed once and the seeds contiguous. Returns the scenario, the seed
/// range and the results in seed order.
pub fn merge_records(
    files: &[(String, String)],
) -> Result<(String, [u64; 2], Vec<SeedResult>), String> {
    let mut recs: Vec<SeedRecord> = Vec::new();
    for (name, text) in files {
        for (i, line) in text.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let r: SeedRecord = serde_json::from_str(line).map_err(|e| {
                format!(
                    "{name}: line {}: neither a `sweep --shard K/N --format json` output nor \
                     `sweep --format jsonl` records: {e}",
                    i + 1
                )
            })?;
            if let Some(f) = recs.first()
                && (&f.scenario, &f.spec_hash, &f.simlab) != (&r.scenario, &r.spec_hash, &r.simlab)
            {
                return Err(format!(
                    "{name}: line {}: a record of {} (spec {}, simlab {}), the first was of {} \
                     (spec {}, simlab {}): records of different campaigns",
                    i + 1,
                    r.scenario,
                    r.spec_hash,
                    r.simlab,
                    f.scenario,
                    f.spec_hash,
                    f.simlab
                ));
            }
            recs.push(r);
        }
    }
    if recs.is_empty() {
        return Err("no seed records to merge".into());
    }
    recs.sort_by_key(|r| r.seed);
    for w in recs.windows(2) {
        if w[0].seed == w[1].seed {
            return Err(format!("seed {} appears twice", w[0].seed));
        }
        if w[1].seed != w[0].seed + 1 {
            return Err(format!(
                "seeds {}..{} are missing: the records do not cover one range",
                w[0].seed + 1,
                w[1].seed
            ));
        }
    }
    let range = [recs[0].seed, recs[recs.len() - 1].seed + 1];
    let scenario = recs[0].scenario.clone();
    let results = recs
        .into_iter()
        .map(|r| SeedResult {
            seed: r.seed,
            outcome: r.outcome,
            metrics: r.metrics,
            trace_digest: r.trace_digest,
        })
        .collect();
    Ok((scenario, range, results))
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
    let specs: Vec<(u64, &Spec)> = seeds.iter().map(|&s| (s, spec)).collect();
    run_specs_until(&specs, jobs, progress, stop)
}

/// A `--swarm` sweep: each seed runs its own drawn profile ([`swarm::draw`]); results (with
/// each seed's profile) in seed order.
pub fn run_swarm_seeds_until(
    spec: &Spec,
    seeds: &[u64],
    jobs: usize,
    progress: &(dyn Fn() + Sync),
    stop: Option<Arc<dyn Fn() -> bool + Send + Sync>>,
) -> Result<Vec<(u64, RunOutput, SwarmProfile)>, String> {
    let drawn: Vec<(u64, Spec, SwarmProfile)> = seeds
        .iter()
        .map(|&s| swarm::draw(spec, s).map(|(d, p)| (s, d, p)))
        .collect::<Result<_, _>>()?;
    let specs: Vec<(u64, &Spec)> = drawn.iter().map(|(s, d, _)| (*s, d)).collect();
    let runs = run_specs_until(&specs, jobs, progress, stop)?;
    Ok(runs
        .into_iter()
        .zip(drawn)
        .map(|((s, o), (_, _, p))| (s, o, p))
        .collect())
}

/// Runs each `(seed, spec)` pair on `jobs` threads; results in the pairs' order.
fn run_specs_until(
    specs: &[(u64, &Spec)],
    jobs: usize,
    progress: &(dyn Fn() + Sync),
    stop: Option<Arc<dyn Fn() -> bool + Send + Sync>>,
) -> Result<Vec<(u64, RunOutput)>, String> {
    let work = || -> Result<Vec<(u64, RunOutput)>, String> {
        specs
            .par_iter()
            .map(|&(seed, spec)| {
                let interrupt = stop
                    .clone()
                    .map(|f| -> Box<dyn FnMut() -> bool> { Box::new(move || f()) });
                let r = runners::run(RunRequest {
                    spec,
                    seed,
                    sink: None,
                    interrupt,
                })
                // A sweep reports no client histories; thousands kept would hold memory.
                .map(|o| (seed, RunOutput { history: None, ..o }));
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

/// The `sweep --format json` document (a stable contract, snapshot-tested).
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
