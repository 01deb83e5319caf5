//! Lease locks with fencing as a plug-in: the lock service(s), clients and storage, the
//! lock checker, and the catalog under `lock/`.

use sim::WorldBuilder;

use super::{LockChecker, LockNode, Params};
use crate::plugin::{
    MetricMeta, Protocol, RunOutput, RunRequest, Scenario, SizeParam, Spec, run_world,
};

/// Lease-based locks with fencing tokens, and Redlock (`protocol = "lock"`).
pub struct Lock;

impl Protocol for Lock {
    type Params = Params;

    fn name(&self) -> &'static str {
        "lock"
    }

    fn about(&self) -> &'static str {
        "lease locks with fencing tokens, and Redlock"
    }

    fn validate(&self, p: &Params, _spec: &Spec) -> Result<(), String> {
        p.validate()
    }

    fn run(&self, p: &Params, req: RunRequest<'_>) -> Result<RunOutput, String> {
        let mut b = WorldBuilder::<LockNode>::new(req.seed);
        let names = p.names();
        for name in &names {
            b.node(name);
        }
        let fp = p.clone();
        b.factory(move |id, d| LockNode::new(&fp, id, d));
        b.checker(LockChecker::new(p.fencing, names, p.first_client_id()));
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
            field: "redlock_nodes",
            min: 1,
        }]
    }
}

const METRICS: &[MetricMeta] = &[
    MetricMeta::lower(
        "overlap_ms",
        "ms",
        "time two or more clients believed they held the lock",
    ),
    MetricMeta::neither(
        "lock_acquisitions",
        "acquisitions",
        "lock acquisitions by all clients",
    ),
    MetricMeta::neither("writes_applied", "writes", "writes the storage applied"),
    MetricMeta::neither(
        "writes_rejected",
        "writes",
        "writes the storage refused (fencing)",
    ),
    MetricMeta::neither("rejected_token", "", "the last token fencing refused"),
    MetricMeta::neither("final_token", "", "token of the storage's final value"),
    MetricMeta::neither(
        "final_writer",
        "",
        "client number of the storage's final value",
    ),
];

/// Built-in scenarios.
const CATALOG: &[Scenario] = &[
    Scenario::new(
        "lock/bug-release-any",
        include_str!("catalog/bug-release-any.toml"),
    ),
    Scenario::new(
        "lock/bug-volatile-state",
        include_str!("catalog/bug-volatile-state.toml"),
    ),
    Scenario::new(
        "lock/check-before-write",
        include_str!("catalog/check-before-write.toml"),
    ),
    Scenario::new(
        "lock/crash-campaign",
        include_str!("catalog/crash-campaign.toml"),
    ),
    Scenario::new(
        "lock/delayed-release",
        include_str!("catalog/delayed-release.toml"),
    ),
    Scenario::new(
        "lock/delayed-write-fenced",
        include_str!("catalog/delayed-write-fenced.toml"),
    ),
    Scenario::new(
        "lock/delayed-write",
        include_str!("catalog/delayed-write.toml"),
    ),
    Scenario::new(
        "lock/kleppmann-fenced",
        include_str!("catalog/kleppmann-fenced.toml"),
    ),
    Scenario::new(
        "lock/kleppmann-gc-pause",
        include_str!("catalog/kleppmann-gc-pause.toml"),
    ),
    Scenario::new(
        "lock/lock-restart",
        include_str!("catalog/lock-restart.toml"),
    ),
    Scenario::new(
        "lock/random-pauses-fenced",
        include_str!("catalog/random-pauses-fenced.toml"),
    ),
    Scenario::new(
        "lock/redlock-clock-jump",
        include_str!("catalog/redlock-clock-jump.toml"),
    ),
    Scenario::new(
        "lock/redlock-no-jump",
        include_str!("catalog/redlock-no-jump.toml"),
    ),
    Scenario::new("lock/renewal", include_str!("catalog/renewal.toml")),
    Scenario::new("lock/short-pause", include_str!("catalog/short-pause.toml")),
];
