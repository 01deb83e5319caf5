//! Consistent-hashing analyses as a plug-in (`protocol = "ch"`): pure computations, one ring
//! (or table) per seed, metrics from [`run_analysis`]; `bench` times lookups per algorithm.

use super::bench::lookup_bench;
use super::{Algorithm, ChParams, run_analysis};
use crate::plugin::{
    BenchTable, Kind, MetricMeta, Protocol, RunOutput, RunRequest, Scenario, Spec, analysis_output,
};

/// Consistent-hashing analyses: balance, growth, bounded loads, Maglev disruption.
pub struct Ch;

impl Protocol for Ch {
    type Params = ChParams;

    fn name(&self) -> &'static str {
        "ch"
    }

    fn about(&self) -> &'static str {
        "consistent-hashing analyses (an analysis: no events, no trace)"
    }

    fn kind(&self) -> Kind {
        Kind::Analysis
    }

    fn validate(&self, p: &ChParams, _spec: &Spec) -> Result<(), String> {
        p.validate_for(&p.analysis)
    }

    fn run(&self, p: &ChParams, req: RunRequest<'_>) -> Result<RunOutput, String> {
        let metrics = run_analysis(&p.analysis, p, req.seed)?;
        Ok(analysis_output(metrics, Vec::new()))
    }

    fn metrics(&self) -> &'static [MetricMeta] {
        METRICS
    }

    fn catalog(&self) -> &'static [Scenario] {
        CATALOG
    }

    /// Lookup time, memory, balance and keys moved per algorithm.
    fn bench(
        &self,
        p: &ChParams,
        clock: &mut dyn FnMut() -> f64,
    ) -> Option<Result<BenchTable, String>> {
        let m = lookup_bench(p, clock);
        let columns = [
            "lookup_ns",
            "memory_bytes",
            "share_max_over_mean",
            "moved_fraction",
        ];
        let rows = Algorithm::NAMES
            .iter()
            .map(|algo| {
                let mut row = vec![algo.to_string()];
                row.extend(columns.iter().map(|k| {
                    m.get(&format!("{algo}_{k}"))
                        .map_or("-".to_string(), |v| fmt_cell(*v))
                }));
                row
            })
            .collect();
        let mut header = vec!["algorithm".to_string()];
        header.extend(columns.iter().map(|c| c.to_string()));
        Some(Ok(BenchTable {
            title: format!("{} servers, {} vnodes", p.servers, p.vnodes),
            columns: header,
            rows,
            json: serde_json::to_value(&m).unwrap_or_default(),
        }))
    }
}

/// A figure for a table cell: integers without a fraction, others to 6 decimals, trailing
/// zeros trimmed.
fn fmt_cell(x: f64) -> String {
    if x == x.trunc() && x.abs() < 1e15 {
        format!("{}", x as i64)
    } else {
        let s = format!("{x:.6}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}

const METRICS: &[MetricMeta] = &[
    MetricMeta::neither(
        "expected_share_cv",
        "",
        "theoretical share CV sqrt((n-1)/(n v+1))",
    ),
    MetricMeta::lower(
        "*share_cv",
        "",
        "coefficient of variation of the per-server share",
    ),
    MetricMeta::lower(
        "*share_max_over_mean",
        "",
        "largest per-server share over the mean",
    ),
    MetricMeta::higher(
        "*share_min_over_mean",
        "",
        "smallest per-server share over the mean",
    ),
    MetricMeta::higher(
        "*share_q005",
        "",
        "0.5% quantile of per-server share over the mean",
    ),
    MetricMeta::lower(
        "*share_q995",
        "",
        "99.5% quantile of per-server share over the mean",
    ),
    MetricMeta::neither("servers", "servers", "servers n"),
    MetricMeta::neither("vnodes", "vnodes per server", "virtual nodes per server"),
    MetricMeta::neither("points", "points", "points on the ring"),
    MetricMeta::neither("keys", "keys", "keys drawn"),
    MetricMeta::neither("lookups", "lookups", "keys looked up by the benchmark"),
    MetricMeta::lower("*memory_bytes", "bytes", "size of the placement structure"),
    MetricMeta::lower(
        "*_lookup_ns",
        "ns",
        "wall time per owner lookup (benchmark)",
    ),
    MetricMeta::neither(
        "ideal_moved_fraction",
        "fraction",
        "least fraction of keys any scheme must move",
    ),
    MetricMeta::lower(
        "*moved_fraction",
        "fraction",
        "fraction of keys whose owner changed",
    ),
    MetricMeta::higher(
        "moved_all_to_new",
        "",
        "1 if every moved key went to the new server",
    ),
    MetricMeta::higher(
        "moved_all_from_removed",
        "",
        "1 if every moved key was on a removed server",
    ),
    MetricMeta::neither(
        "new_server_fraction",
        "fraction",
        "fraction of keys the new server owns afterwards",
    ),
    MetricMeta::neither(
        "removed_share",
        "fraction",
        "fraction of keys that were on removed servers",
    ),
    MetricMeta::neither("m", "", "Maglev table size M"),
    MetricMeta::lower(
        "table_changed_fraction",
        "fraction",
        "Maglev entries whose owner changed, over M",
    ),
    MetricMeta::neither(
        "removed_entry_fraction",
        "fraction",
        "Maglev entries the removed backend held, over M",
    ),
    MetricMeta::lower(
        "excess_changed_fraction",
        "fraction",
        "surviving backends' entries that changed, over M",
    ),
    MetricMeta::lower("max_load", "keys", "most keys on one server at full load"),
    MetricMeta::neither(
        "capacity",
        "keys",
        "bounded-loads capacity ceil(c * keys / n) at full load",
    ),
    MetricMeta::lower(
        "max_load_over_mean",
        "",
        "max load over mean load at full load",
    ),
    MetricMeta::lower(
        "off_owner_fraction",
        "fraction",
        "keys not on their plain-ring owner",
    ),
    MetricMeta::neither(
        "plain_max_load",
        "keys",
        "max load of the unbounded ring for the same keys",
    ),
    MetricMeta::neither("checks", "checks", "capacity checks made"),
    MetricMeta::lower("violations", "checks", "capacity checks failed (must be 0)"),
    MetricMeta::lower(
        "max_load_after_removals",
        "keys",
        "most keys on one server after removing half",
    ),
    MetricMeta::neither(
        "capacity_after_removals",
        "keys",
        "capacity after removing half the keys",
    ),
];

/// Built-in scenarios.
const CATALOG: &[Scenario] = &[
    Scenario::new(
        "ch/bounded-loads",
        include_str!("catalog/bounded-loads.toml"),
    ),
    Scenario::new("ch/growth", include_str!("catalog/growth.toml")),
    Scenario::new(
        "ch/maglev-disruption",
        include_str!("catalog/maglev-disruption.toml"),
    ),
    Scenario::new("ch/ring-balance", include_str!("catalog/ring-balance.toml")),
];
