//! Single-decree Paxos as a plug-in: acceptors `a1..`, proposers `p1..`, learners `l1..`
//! (see [`Params::names`]), the Paxos checker, and the catalog under `paxos/`.

use std::rc::Rc;

use sim::WorldBuilder;

use super::{Config, Params, PaxosChecker, PaxosNode};
use crate::plugin::{
    MetricMeta, Protocol, RunOutput, RunRequest, Scenario, SizeParam, Spec, simulate,
};

/// Single-decree Paxos (`protocol = "paxos"`).
pub struct Paxos;

impl Protocol for Paxos {
    type Params = Params;

    fn name(&self) -> &'static str {
        "paxos"
    }

    fn about(&self) -> &'static str {
        "single-decree Paxos: proposers, acceptors, learners"
    }

    fn validate(&self, p: &Params, _spec: &Spec) -> Result<(), String> {
        p.validate()
    }

    fn run(&self, p: &Params, mut req: RunRequest<'_>) -> Result<RunOutput, String> {
        let mut b = WorldBuilder::<PaxosNode>::new(req.seed);
        for name in p.names() {
            b.node(&name);
        }
        let cfg = Rc::new(Config::new(p));
        b.factory(move |id, d| PaxosNode::new(&cfg, id, d));
        b.checker(PaxosChecker::new(p));
        let (_, r, mut out) = simulate(b, &mut req)?;
        out.metrics.insert("messages".into(), r.sent as f64);
        out.metrics.entry("ballots_used".into()).or_insert(0.0);
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
                field: "acceptors",
                min: 1,
            },
            SizeParam {
                field: "proposers",
                min: 1,
            },
            SizeParam {
                field: "learners",
                min: 0,
            },
        ]
    }
}

const METRICS: &[MetricMeta] = &[
    MetricMeta::lower(
        "decision_time",
        "s",
        "true time to the first decision by a proposer",
    ),
    MetricMeta::higher("decided", "", "1 if some proposer or learner decided"),
    MetricMeta::lower(
        "messages",
        "messages",
        "transmissions, sends plus network duplicates",
    ),
    MetricMeta::lower(
        "ballots_used",
        "ballots",
        "ballots started by all proposers (phase-1 attempts)",
    ),
    MetricMeta::neither(
        "chosen_values",
        "",
        "distinct values chosen (1 if correct, 2 shows a bug)",
    ),
];

/// Built-in scenarios.
const CATALOG: &[Scenario] = &[
    Scenario::new(
        "paxos/bug-accept-below-promise",
        include_str!("catalog/bug-accept-below-promise.toml"),
    ),
    Scenario::new(
        "paxos/bug-adopt-first-value",
        include_str!("catalog/bug-adopt-first-value.toml"),
    ),
    Scenario::new(
        "paxos/bug-adopt-lowest-value",
        include_str!("catalog/bug-adopt-lowest-value.toml"),
    ),
    Scenario::new(
        "paxos/bug-ballot-reuse-after-restart",
        include_str!("catalog/bug-ballot-reuse-after-restart.toml"),
    ),
    Scenario::new(
        "paxos/bug-count-duplicate-promises",
        include_str!("catalog/bug-count-duplicate-promises.toml"),
    ),
    Scenario::new(
        "paxos/bug-ignore-promised-values",
        include_str!("catalog/bug-ignore-promised-values.toml"),
    ),
    Scenario::new(
        "paxos/bug-learner-mixes-ballots",
        include_str!("catalog/bug-learner-mixes-ballots.toml"),
    ),
    Scenario::new(
        "paxos/bug-non-unique-ballots",
        include_str!("catalog/bug-non-unique-ballots.toml"),
    ),
    Scenario::new(
        "paxos/bug-promise-not-persisted",
        include_str!("catalog/bug-promise-not-persisted.toml"),
    ),
    Scenario::new(
        "paxos/bug-quorum-ceil-half",
        include_str!("catalog/bug-quorum-ceil-half.toml"),
    ),
    Scenario::new(
        "paxos/bug-quorum-floor-half",
        include_str!("catalog/bug-quorum-floor-half.toml"),
    ),
    Scenario::new(
        "paxos/bug-volatile-acceptor",
        include_str!("catalog/bug-volatile-acceptor.toml"),
    ),
    Scenario::new("paxos/campaign-3", include_str!("catalog/campaign-3.toml")),
    Scenario::new(
        "paxos/campaign-5-lossy",
        include_str!("catalog/campaign-5-lossy.toml"),
    ),
    Scenario::new(
        "paxos/campaign-replay",
        include_str!("catalog/campaign-replay.toml"),
    ),
    Scenario::new(
        "paxos/crash-campaign",
        include_str!("catalog/crash-campaign.toml"),
    ),
    Scenario::new(
        "paxos/duelling-backoff",
        include_str!("catalog/duelling-backoff.toml"),
    ),
    Scenario::new(
        "paxos/duelling-no-backoff",
        include_str!("catalog/duelling-no-backoff.toml"),
    ),
    Scenario::new(
        "paxos/failure-free",
        include_str!("catalog/failure-free.toml"),
    ),
    Scenario::new(
        "paxos/five-two-crashed-lossy",
        include_str!("catalog/five-two-crashed-lossy.toml"),
    ),
    Scenario::new(
        "paxos/partition-heal",
        include_str!("catalog/partition-heal.toml"),
    ),
    Scenario::new(
        "paxos/three-of-five-crashed",
        include_str!("catalog/three-of-five-crashed.toml"),
    ),
];
