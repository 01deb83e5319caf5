//! Primary-backup failover as a plug-in: `primary`, `backup`, clients `c1..`, the failover
//! checker (single primary, linearizability), and the catalog under `failover/`.

use sim::WorldBuilder;

use super::{FailoverChecker, FailoverNode, Params};
use crate::plugin::{
    HistorySlot, MetricMeta, Protocol, RunOutput, RunRequest, Scenario, SizeParam, Spec, run_world,
};

/// Primary-backup replication with failover and leases (`protocol = "failover"`).
pub struct Failover;

impl Protocol for Failover {
    type Params = Params;

    fn name(&self) -> &'static str {
        "failover"
    }

    fn about(&self) -> &'static str {
        "primary-backup replication with heartbeats, promotion and leases"
    }

    fn validate(&self, p: &Params, _spec: &Spec) -> Result<(), String> {
        p.validate()
    }

    fn run(&self, p: &Params, req: RunRequest<'_>) -> Result<RunOutput, String> {
        let mut b = WorldBuilder::<FailoverNode>::new(req.seed);
        let names = p.names();
        for name in &names {
            b.node(name);
        }
        let fp = p.clone();
        b.factory(move |id, d| FailoverNode::new(&fp, id, d));
        let history = HistorySlot::default();
        b.checker(FailoverChecker::new(names).exporting(history.clone()));
        let mut out = run_world(b, req)?;
        out.history = history.take();
        Ok(out)
    }

    fn metrics(&self) -> &'static [MetricMeta] {
        METRICS
    }

    fn catalog(&self) -> &'static [Scenario] {
        CATALOG
    }

    fn size_params(&self) -> &'static [SizeParam] {
        &[SizeParam {
            field: "clients",
            min: 0,
        }]
    }
}

const METRICS: &[MetricMeta] = &[
    MetricMeta::lower(
        "overlap_ms",
        "ms",
        "time two servers served clients at once",
    ),
    MetricMeta::lower(
        "gap_ms",
        "ms",
        "time after the first serving during which none served",
    ),
    MetricMeta::neither(
        "promotions",
        "promotions",
        "times the backup promoted itself",
    ),
    MetricMeta::neither("promoted_at_s", "s", "true time of the backup's promotion"),
    MetricMeta::neither(
        "first_primary_stopped_at_s",
        "s",
        "true time the first primary stopped serving",
    ),
    MetricMeta::higher("ops_done", "ops", "client operations answered"),
    MetricMeta::lower(
        "ops_refused",
        "ops",
        "client operations refused (not primary)",
    ),
    MetricMeta::lower(
        "ops_unknown",
        "ops",
        "client operations failed or unanswered (outcome unknown)",
    ),
];

/// Built-in scenarios.
const CATALOG: &[Scenario] = &[
    Scenario::new(
        "failover/bug-backup-ignores-lease",
        include_str!("catalog/bug-backup-ignores-lease.toml"),
    ),
    Scenario::new(
        "failover/bug-lease-from-ack",
        include_str!("catalog/bug-lease-from-ack.toml"),
    ),
    Scenario::new(
        "failover/crash-campaign",
        include_str!("catalog/crash-campaign.toml"),
    ),
    Scenario::new(
        "failover/lease-margin",
        include_str!("catalog/lease-margin.toml"),
    ),
    Scenario::new(
        "failover/lease-perfect-clocks",
        include_str!("catalog/lease-perfect-clocks.toml"),
    ),
    Scenario::new(
        "failover/lease-slow-clock",
        include_str!("catalog/lease-slow-clock.toml"),
    ),
    Scenario::new(
        "failover/random-partitions",
        include_str!("catalog/random-partitions.toml"),
    ),
    Scenario::new(
        "failover/split-brain",
        include_str!("catalog/split-brain.toml"),
    ),
];
