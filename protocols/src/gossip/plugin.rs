//! Gossip as a plug-in: nodes `n0..`, the gossip checker, the catalog under `example/`.

use sim::WorldBuilder;

use super::{GossipChecker, GossipNode, Params};
use crate::plugin::{
    MetricMeta, Protocol, RunOutput, RunRequest, Scenario, SizeParam, Spec, run_world,
};

/// The gossip broadcast protocol (`protocol = "gossip"`).
pub struct Gossip;

impl Protocol for Gossip {
    type Params = Params;

    fn name(&self) -> &'static str {
        "gossip"
    }

    fn about(&self) -> &'static str {
        "rumor broadcast with forwarding and anti-entropy (the example protocol)"
    }

    fn validate(&self, p: &Params, _spec: &Spec) -> Result<(), String> {
        p.validate()
    }

    fn run(&self, p: &Params, req: RunRequest<'_>) -> Result<RunOutput, String> {
        let mut b = WorldBuilder::<GossipNode>::new(req.seed);
        for name in p.names() {
            b.node(&name);
        }
        let fp = p.clone();
        b.factory(move |id, d| GossipNode::new(&fp, id, d));
        b.checker(GossipChecker::new(p.nodes));
        run_world(b, req)
    }

    fn metrics(&self) -> &'static [MetricMeta] {
        METRICS
    }

    fn catalog(&self) -> &'static [Scenario] {
        CATALOG
    }

    fn size_params(&self) -> &'static [SizeParam] {
        &[SizeParam {
            field: "nodes",
            min: 2,
        }]
    }
}

const METRICS: &[MetricMeta] = &[MetricMeta::lower(
    "last_learn_s",
    "s",
    "time the last rumor reached its last node",
)];

/// Built-in scenarios.
const CATALOG: &[Scenario] = &[
    Scenario::new(
        "example/gossip-crash-campaign",
        include_str!("catalog/gossip-crash-campaign.toml"),
    ),
    Scenario::new(
        "example/gossip-faults",
        include_str!("catalog/gossip-faults.toml"),
    ),
    Scenario::new(
        "example/gossip-volatile",
        include_str!("catalog/gossip-volatile.toml"),
    ),
    Scenario::new("example/gossip", include_str!("catalog/gossip.toml")),
];
