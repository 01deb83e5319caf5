//! Two-phase commit as a plug-in: the world (coordinator, participants, workload, checker),
//! the per-transaction ratios, and the catalog under `2pc/`.

use std::sync::Arc;

use sim::{Metrics, WorldBuilder};

use super::{Config, Params, TwoPcChecker, TwoPcNode, Workload};
use crate::plugin::{
    MetricMeta, Protocol, RunOutput, RunRequest, Scenario, SizeParam, Spec, simulate,
};

/// Two-phase commit (`protocol = "twopc"`).
pub struct TwoPc;

impl Protocol for TwoPc {
    type Params = Params;

    fn name(&self) -> &'static str {
        "twopc"
    }

    fn about(&self) -> &'static str {
        "two-phase commit with presumed abort, forced logs and cooperative termination"
    }

    fn validate(&self, p: &Params, _spec: &Spec) -> Result<(), String> {
        p.validate()
    }

    fn run(&self, p: &Params, mut req: RunRequest<'_>) -> Result<RunOutput, String> {
        let mut b = WorldBuilder::<TwoPcNode>::new(req.seed);
        setup(&mut b, p, req.seed);
        let (w, _, mut out) = simulate(b, &mut req)?;
        out.metrics.extend(per_txn_metrics(w.metrics()));
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
            field: "participants",
            min: 1,
        }]
    }
}

const METRICS: &[MetricMeta] = &[
    MetricMeta::neither("txns", "txns", "transactions begun"),
    MetricMeta::neither(
        "txns_decided",
        "txns",
        "transactions with an outcome anywhere",
    ),
    MetricMeta::neither("txns_committed", "txns", "transactions committed"),
    MetricMeta::higher("commit_rate", "fraction", "txns_committed / txns_decided"),
    MetricMeta::lower(
        "messages_per_txn",
        "messages",
        "protocol messages per transaction",
    ),
    MetricMeta::lower(
        "forced_writes_per_txn",
        "writes per transaction",
        "forced log writes per transaction",
    ),
    MetricMeta::neither(
        "protocol_messages",
        "messages",
        "protocol messages sent (raw count)",
    ),
    MetricMeta::neither("forced_writes", "writes", "forced log writes (raw count)"),
    MetricMeta::lower(
        "decision_latency_mean",
        "s",
        "mean time from a txn's start to the coordinator's decision",
    ),
    MetricMeta::lower(
        "know_latency_mean",
        "s",
        "mean time until every participant knows the outcome",
    ),
    MetricMeta::lower(
        "ack_latency_mean",
        "s",
        "mean time from a txn's start to its last ACK",
    ),
    MetricMeta::lower(
        "blocking_time_max",
        "s",
        "longest time a participant was blocked on a txn",
    ),
    MetricMeta::lower(
        "blocking_time_mean",
        "s",
        "mean blocked time over blocked (participant, txn) pairs",
    ),
];

/// Adds the nodes, the actor factory and the checker for `p` to a world with root `seed`
/// (the seed also draws the workload's votes from the `twopc/workload` stream).
pub fn setup(b: &mut WorldBuilder<TwoPcNode>, p: &Params, seed: u64) -> Arc<Config> {
    let names = p.names();
    let ids: Vec<sim::NodeId> = names.iter().map(|n| b.node(n)).collect();
    let cfg = Arc::new(Config::new(p, Workload::generate(p, seed), &ids));
    let fc = cfg.clone();
    b.factory(move |id, d| TwoPcNode::new(&fc, id, d));
    b.checker(TwoPcChecker::new(&cfg, ids.len()));
    cfg
}

/// Per-transaction ratios from a finished run's metrics: `messages_per_txn` (protocol
/// messages the actors sent, retransmissions included, network duplicates excluded) and
/// `forced_writes_per_txn` (forced log records). Empty if no transaction began.
pub fn per_txn_metrics(m: &Metrics) -> Vec<(String, f64)> {
    let txns = m.counter("txns").unwrap_or(0.0);
    if txns <= 0.0 {
        return Vec::new();
    }
    vec![
        (
            "messages_per_txn".to_string(),
            m.counter("protocol_messages").unwrap_or(0.0) / txns,
        ),
        (
            "forced_writes_per_txn".to_string(),
            m.counter("forced_writes").unwrap_or(0.0) / txns,
        ),
    ]
}

/// Built-in scenarios.
const CATALOG: &[Scenario] = &[
    Scenario::new(
        "2pc/bug-abort-after-yes",
        include_str!("catalog/bug-abort-after-yes.toml"),
    ),
    Scenario::new(
        "2pc/bug-commit-before-force",
        include_str!("catalog/bug-commit-before-force.toml"),
    ),
    Scenario::new(
        "2pc/bug-decide-without-all-votes",
        include_str!("catalog/bug-decide-without-all-votes.toml"),
    ),
    Scenario::new(
        "2pc/bug-stale-decision",
        include_str!("catalog/bug-stale-decision.toml"),
    ),
    Scenario::new(
        "2pc/bug-unforced-prepare",
        include_str!("catalog/bug-unforced-prepare.toml"),
    ),
    Scenario::new(
        "2pc/coordinator-crash-blocking",
        include_str!("catalog/coordinator-crash-blocking.toml"),
    ),
    Scenario::new(
        "2pc/coordinator-crash-recover-abort",
        include_str!("catalog/coordinator-crash-recover-abort.toml"),
    ),
    Scenario::new(
        "2pc/coordinator-crash-recover-commit",
        include_str!("catalog/coordinator-crash-recover-commit.toml"),
    ),
    Scenario::new(
        "2pc/crash-campaign",
        include_str!("catalog/crash-campaign.toml"),
    ),
    Scenario::new(
        "2pc/failure-free",
        include_str!("catalog/failure-free.toml"),
    ),
    Scenario::new(
        "2pc/lossy-duplication",
        include_str!("catalog/lossy-duplication.toml"),
    ),
    Scenario::new(
        "2pc/participant-crash-restart",
        include_str!("catalog/participant-crash-restart.toml"),
    ),
];
