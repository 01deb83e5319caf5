//! Failure detectors as a plug-in: monitored `p` and monitor `q`, the quality-of-service
//! checker, p's crash drawn from the seed, and the catalog under `fd/`.

use sim::{FaultAction, FaultStep, NodeId, Stream, WorldBuilder};

use super::{FdChecker, FdNode, Params};
use crate::plugin::{MetricMeta, Protocol, RunOutput, RunRequest, Scenario, Spec, run_world};

/// Heartbeat failure detectors: timeout, NFD-S, phi accrual (`protocol = "fd"`).
pub struct Fd;

impl Protocol for Fd {
    type Params = Params;

    fn name(&self) -> &'static str {
        "fd"
    }

    fn about(&self) -> &'static str {
        "heartbeat failure detectors: timeout, NFD-S, phi accrual"
    }

    fn validate(&self, p: &Params, _spec: &Spec) -> Result<(), String> {
        p.validate()
    }

    fn run(&self, p: &Params, req: RunRequest<'_>) -> Result<RunOutput, String> {
        let mut b = WorldBuilder::<FdNode>::new(req.seed);
        for name in p.names() {
            b.node(name);
        }
        let fp = p.clone();
        b.factory(move |id, _| FdNode::new(&fp, id));
        b.checker(FdChecker::new(NodeId(0), NodeId(1), p.detection_bound()));
        if let Some(d) = &p.crash_at {
            let at = d.sample(&mut Stream::new(req.seed, "fd/crash"));
            b.fault(FaultStep {
                at,
                action: FaultAction::Crash("p".into()),
            });
        }
        run_world(b, req)
    }

    fn metrics(&self) -> &'static [MetricMeta] {
        METRICS
    }

    fn catalog(&self) -> &'static [Scenario] {
        CATALOG
    }
}

const METRICS: &[MetricMeta] = &[
    MetricMeta::lower(
        "fd_detection_time_mean",
        "s",
        "mean time from p's crash to q's lasting suspicion",
    ),
    MetricMeta::lower(
        "fd_detection_time_max",
        "s",
        "longest time from p's crash to q's lasting suspicion",
    ),
    MetricMeta::lower(
        "fd_mistake_rate",
        "1/s",
        "false suspicions per second of p's up time",
    ),
    MetricMeta::lower(
        "fd_mistake_duration_mean",
        "s",
        "mean time from a false suspicion to the next trust",
    ),
    MetricMeta::higher(
        "fd_mistake_recurrence_mean",
        "s",
        "mean time between consecutive false suspicions",
    ),
    MetricMeta::higher(
        "fd_query_accuracy",
        "fraction",
        "fraction of p's up time during which q trusts p",
    ),
    MetricMeta::lower(
        "fd_mistakes",
        "suspicions",
        "false suspicions while p was up",
    ),
    MetricMeta::neither(
        "fd_heartbeats_received",
        "messages",
        "heartbeats from an up p delivered to q",
    ),
    MetricMeta::lower(
        "fd_mistakes_per_interval",
        "",
        "false suspicions per heartbeat inter-arrival",
    ),
    MetricMeta::lower(
        "fd_undetected_crashes",
        "crashes",
        "crashes p recovered from before q noticed",
    ),
];

/// Built-in scenarios.
const CATALOG: &[Scenario] = &[
    Scenario::new(
        "fd/bug-trust-stale",
        include_str!("catalog/bug-trust-stale.toml"),
    ),
    Scenario::new(
        "fd/crash-campaign",
        include_str!("catalog/crash-campaign.toml"),
    ),
    Scenario::new("fd/nfd-s-crash", include_str!("catalog/nfd-s-crash.toml")),
    Scenario::new(
        "fd/nfd-s-mistakes",
        include_str!("catalog/nfd-s-mistakes.toml"),
    ),
    Scenario::new(
        "fd/nfd-s-random-crashes",
        include_str!("catalog/nfd-s-random-crashes.toml"),
    ),
    Scenario::new("fd/phi-crash", include_str!("catalog/phi-crash.toml")),
    Scenario::new("fd/phi-mistakes", include_str!("catalog/phi-mistakes.toml")),
    Scenario::new("fd/phi-normal", include_str!("catalog/phi-normal.toml")),
    Scenario::new(
        "fd/timeout-crash",
        include_str!("catalog/timeout-crash.toml"),
    ),
    Scenario::new(
        "fd/timeout-mistakes",
        include_str!("catalog/timeout-mistakes.toml"),
    ),
    Scenario::new("fd/tradeoff", include_str!("catalog/tradeoff.toml")),
];
