//! The JSON documents the CLI writes: stable contracts, snapshot-tested, read back by
//! `merge`, `compare --baseline` and other tools.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::runners::RunOutput;
use crate::spec::Spec;
use crate::sweep::SeedResult;

/// The `run --format json` document (a stable contract, snapshot-tested).
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct RunJson {
    /// Scenario name.
    pub scenario: String,
    /// Seed.
    pub seed: u64,
    /// `ok`, `safety_violation` or `liveness_failure`.
    pub outcome: String,
    /// Violations.
    pub violations: Vec<ViolationJson>,
    /// Metrics.
    pub metrics: BTreeMap<String, f64>,
    /// Trace records.
    pub events: u64,
    /// Simulated time, ns.
    pub sim_time_ns: u64,
    /// Trace digest.
    pub trace_digest: String,
    /// Wall-clock milliseconds (not reproducible; redact in snapshots).
    pub wall_ms: u64,
}

/// One violation in JSON output.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct ViolationJson {
    /// Property.
    pub property: String,
    /// True time, ns.
    pub time_ns: u64,
    /// Event index.
    pub event_index: u64,
    /// Detail.
    pub detail: String,
}

pub(super) fn run_json(spec: &Spec, seed: u64, o: &RunOutput, wall_ms: u64) -> RunJson {
    RunJson {
        scenario: spec.name.clone(),
        seed,
        outcome: o.outcome.clone(),
        violations: o
            .violations
            .iter()
            .map(|v| ViolationJson {
                property: v.property.clone(),
                time_ns: v.time_ns,
                event_index: v.event_index,
                detail: v.detail.clone(),
            })
            .collect(),
        metrics: o.metrics.clone(),
        events: o.events,
        sim_time_ns: o.sim_time_ns,
        trace_digest: o.trace_digest.clone(),
        wall_ms,
    }
}

/// A shard file: the per-seed results of one `sweep --shard K/N`.
#[derive(Serialize, Deserialize, Debug)]
pub struct ShardFile {
    /// Scenario name.
    pub scenario: String,
    /// The whole sweep's seed range.
    pub seeds: [u64; 2],
    /// `[K, N]`.
    pub shard: [u64; 2],
    /// Per-seed results, in seed order.
    pub results: Vec<SeedResult>,
}

/// The `compare --format json` document (a stable contract, snapshot-tested).
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct CompareJson {
    /// Scenario name.
    pub scenario: String,
    /// One row per grid point.
    pub rows: Vec<CompareRowJson>,
}

/// One grid point.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct CompareRowJson {
    /// The varied parameters.
    pub params: BTreeMap<String, String>,
    /// Metric -> mean, CI, n.
    pub metrics: BTreeMap<String, MetricJson>,
}

/// A metric over seeds.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct MetricJson {
    /// Mean.
    pub mean: f64,
    /// 95% CI half-width.
    pub ci95: f64,
    /// Seeds.
    pub n: usize,
}
