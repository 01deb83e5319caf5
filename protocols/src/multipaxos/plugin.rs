//! Multi-Paxos as a plug-in: replicas `r1..`, clients `c1..` (see [`Params::names`]), the
//! checker, and the catalog under `multipaxos/`.

use std::collections::BTreeMap;
use std::rc::Rc;

use sim::WorldBuilder;

use super::{Config, MpChecker, MpNode, Params};
use crate::plugin::{
    HistorySlot, MetricMeta, Protocol, RunOutput, RunRequest, Scenario, SizeParam, Spec, simulate,
};

/// Multi-Paxos (`protocol = "multipaxos"`).
pub struct MultiPaxos;

impl Protocol for MultiPaxos {
    type Params = Params;

    fn name(&self) -> &'static str {
        "multipaxos"
    }

    fn about(&self) -> &'static str {
        "Multi-Paxos: a stable leader, a slot log, a replicated key-value store and its clients"
    }

    fn validate(&self, p: &Params, _spec: &Spec) -> Result<(), String> {
        p.validate()
    }

    fn run(&self, p: &Params, mut req: RunRequest<'_>) -> Result<RunOutput, String> {
        let mut b = WorldBuilder::<MpNode>::new(req.seed);
        for name in p.names() {
            b.node(&name);
        }
        let cfg = Rc::new(Config::new(p));
        b.factory(move |id, d| MpNode::new(&cfg, id, d));
        let history = HistorySlot::default();
        b.checker(MpChecker::new(p).exporting(history.clone()));
        let (_, r, mut out) = simulate(b, &mut req)?;
        out.history = history.take();
        let commands = out.metrics.get("commands_chosen").copied().unwrap_or(0.0);
        if commands > 0.0 {
            let per =
                |m: &BTreeMap<String, f64>, k: &str| m.get(k).copied().unwrap_or(0.0) / commands;
            let phase2 = per(&out.metrics, "phase2_messages");
            let client = per(&out.metrics, "client_messages");
            out.metrics
                .insert("messages_per_command".into(), r.sent as f64 / commands);
            out.metrics
                .insert("phase2_messages_per_command".into(), phase2);
            out.metrics
                .insert("client_messages_per_command".into(), client);
        }
        Ok(out)
    }

    fn metrics(&self) -> &'static [MetricMeta] {
        METRICS
    }

    fn catalog(&self) -> &'static [Scenario] {
        CATALOG
    }

    fn size_params(&self) -> &'static [SizeParam] {
        &[
            SizeParam {
                field: "replicas",
                min: 1,
            },
            SizeParam {
                field: "clients",
                min: 0,
            },
        ]
    }
}

const METRICS: &[MetricMeta] = &[
    MetricMeta::lower(
        "failover_time",
        "s",
        "first leader crash to the next leader (phase 1 done)",
    ),
    MetricMeta::lower(
        "failover_time_max",
        "s",
        "longest leader crash to next leader in the run",
    ),
    MetricMeta::neither("leaders", "", "times a replica became leader"),
    MetricMeta::higher("slots_chosen", "slots", "log slots chosen"),
    MetricMeta::higher("commands_chosen", "", "client commands in chosen slots"),
    MetricMeta::lower(
        "messages_per_command",
        "messages",
        "every transmission of the run per chosen command",
    ),
    MetricMeta::lower(
        "phase2_messages_per_command",
        "messages",
        "accepts and accepteds per chosen command",
    ),
    MetricMeta::lower(
        "client_messages_per_command",
        "messages",
        "requests, replies and redirects per chosen command",
    ),
    MetricMeta::neither("phase2_messages", "", "accepts and accepteds sent"),
    MetricMeta::neither(
        "client_messages",
        "",
        "requests, replies and redirects sent",
    ),
    MetricMeta::lower("redirects", "", "requests answered with a redirect"),
    MetricMeta::lower(
        "commit_latency_*",
        "s",
        "leader's proposal to a majority's acceptance of the slot",
    ),
    MetricMeta::lower(
        "client_latency_*",
        "s",
        "client invocation to answer, retries included",
    ),
    MetricMeta::higher(
        "throughput",
        "ops/s",
        "operations answered per second, first invocation to last answer",
    ),
    MetricMeta::higher("ops_answered", "", "client operations answered"),
    MetricMeta::lower(
        "ops_unanswered",
        "",
        "client operations outstanding at the end",
    ),
];

/// Built-in scenarios.
const CATALOG: &[Scenario] = &[
    Scenario::new(
        "multipaxos/bug-adopt-lowest-ballot",
        include_str!("catalog/bug-adopt-lowest-ballot.toml"),
    ),
    Scenario::new(
        "multipaxos/bug-apply-out-of-order",
        include_str!("catalog/bug-apply-out-of-order.toml"),
    ),
    Scenario::new(
        "multipaxos/bug-local-reads",
        include_str!("catalog/bug-local-reads.toml"),
    ),
    Scenario::new(
        "multipaxos/bug-no-session-dedup",
        include_str!("catalog/bug-no-session-dedup.toml"),
    ),
    Scenario::new(
        "multipaxos/bug-promise-not-persisted",
        include_str!("catalog/bug-promise-not-persisted.toml"),
    ),
    Scenario::new(
        "multipaxos/bug-skip-gaps",
        include_str!("catalog/bug-skip-gaps.toml"),
    ),
    Scenario::new(
        "multipaxos/bug-skip-phase1",
        include_str!("catalog/bug-skip-phase1.toml"),
    ),
    Scenario::new(
        "multipaxos/campaign-3",
        include_str!("catalog/campaign-3.toml"),
    ),
    Scenario::new(
        "multipaxos/campaign-5",
        include_str!("catalog/campaign-5.toml"),
    ),
    Scenario::new(
        "multipaxos/failure-free",
        include_str!("catalog/failure-free.toml"),
    ),
    Scenario::new(
        "multipaxos/leader-crash",
        include_str!("catalog/leader-crash.toml"),
    ),
    Scenario::new(
        "multipaxos/lease-drift",
        include_str!("catalog/lease-drift.toml"),
    ),
    Scenario::new(
        "multipaxos/partition-minority-leader",
        include_str!("catalog/partition-minority-leader.toml"),
    ),
    Scenario::new(
        "multipaxos/partition-symmetric",
        include_str!("catalog/partition-symmetric.toml"),
    ),
];
