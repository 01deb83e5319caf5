//! The key-value cluster as a plug-in: servers routed by consistent hashing, clients, the kv
//! checker, the run's end after the last request, and the catalog (under `ch/`).

use std::sync::Arc;

use sim::{Time, WorldBuilder};

use super::{Cluster, KvChecker, KvNode, Params};
use crate::plugin::{
    MetricMeta, Protocol, RunOutput, RunRequest, Scenario, SizeParam, Spec, run_world,
};

/// A key-value cluster routed by consistent hashing (`protocol = "kv"`).
pub struct Kv;

impl Protocol for Kv {
    type Params = Params;

    fn name(&self) -> &'static str {
        "kv"
    }

    fn about(&self) -> &'static str {
        "a key-value cluster routed by consistent hashing, with joins, leaves and crashes"
    }

    fn validate(&self, p: &Params, spec: &Spec) -> Result<(), String> {
        p.validate()?;
        // Heartbeats never stop, so a run needs an end; it must leave time for the last
        // request's timeouts, or `request_resolved` would judge requests still in progress.
        let drain = p.drain_end();
        let end = match (spec.duration, spec.phases) {
            (_, Some(ph)) => Some(("phases.heal_at + phases.liveness", ph.heal_at + ph.liveness)),
            (Some(d), None) => Some(("duration", d)),
            (None, None) => None,
        };
        match end {
            Some((what, t)) if t < drain => Err(format!(
                "{what} ({}) must be >= kv.stop_at + kv.attempts * kv.timeout ({}) so every \
                 request can finish",
                t.exact_string(),
                drain.exact_string()
            )),
            _ => Ok(()),
        }
    }

    fn run(&self, p: &Params, req: RunRequest<'_>) -> Result<RunOutput, String> {
        let cluster = Arc::new(Cluster::new(p, req.seed)?);
        let mut b = WorldBuilder::<KvNode>::new(req.seed);
        if req.spec.duration.is_none() && req.spec.phases.is_none() {
            // No end given: stop once the last request must have finished, plus a margin for
            // the answers' trip back.
            b.end(p.drain_end() + Time::from_millis(100));
        }
        for name in cluster.names() {
            b.node(&name);
        }
        let c = Arc::clone(&cluster);
        b.factory(move |id, d| KvNode::new(&c, id, d));
        b.checker(KvChecker::new(cluster));
        run_world(b, req)
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
                field: "servers",
                min: 1,
            },
            SizeParam {
                field: "clients",
                min: 1,
            },
        ]
    }
}

const METRICS: &[MetricMeta] = &[
    MetricMeta::neither("requests", "ops", "requests issued by clients"),
    MetricMeta::higher("answered", "ops", "requests answered successfully"),
    MetricMeta::lower(
        "errors",
        "ops",
        "requests ended with an error (not_owner or timeout)",
    ),
    MetricMeta::lower(
        "errors_not_owner",
        "ops",
        "requests ended with a not_owner error",
    ),
    MetricMeta::lower(
        "errors_timeout",
        "ops",
        "requests ended with a timeout error",
    ),
    MetricMeta::neither(
        "abandoned_requests",
        "ops",
        "requests of crashed clients, not judged",
    ),
    MetricMeta::lower(
        "unresolved_requests",
        "ops",
        "requests neither answered nor failed at the end",
    ),
    MetricMeta::higher(
        "availability",
        "fraction",
        "answered / (requests - abandoned)",
    ),
    MetricMeta::neither(
        "routed_requests",
        "ops",
        "requests that reached a storage node",
    ),
    MetricMeta::lower(
        "misrouted_requests",
        "ops",
        "requests that reached a node not owning the key",
    ),
    MetricMeta::lower(
        "misrouted_fraction",
        "fraction",
        "misrouted_requests / routed_requests",
    ),
    MetricMeta::neither(
        "first_misroute_s",
        "s",
        "true time of the first misrouted request",
    ),
    MetricMeta::neither(
        "last_misroute_s",
        "s",
        "true time of the last misrouted request",
    ),
    MetricMeta::neither(
        "membership_changes",
        "changes",
        "membership changes (joins, leaves, removals)",
    ),
    MetricMeta::lower(
        "keys_moved",
        "keys",
        "keys whose owner changed, summed over changes",
    ),
    MetricMeta::lower(
        "moved_fraction_max",
        "fraction",
        "largest fraction of the key space moved by a change",
    ),
    MetricMeta::lower(
        "moved_fraction",
        "fraction",
        "mean over changes of the key space fraction moved",
    ),
    MetricMeta::higher(
        "moved_all_to_new",
        "",
        "1 if at every join all moved keys went to the joiner",
    ),
    MetricMeta::higher(
        "moved_all_from_removed",
        "",
        "1 if at every removal all moved keys left the removed",
    ),
    MetricMeta::neither(
        "converged_at_s",
        "s",
        "true time every client and member held the last view",
    ),
    MetricMeta::lower(
        "view_spread_s_max",
        "s",
        "longest time for a new view to reach every node",
    ),
    MetricMeta::lower(
        "load_cv",
        "",
        "coefficient of variation of requests served per node",
    ),
    MetricMeta::lower(
        "load_max_over_mean",
        "",
        "most requests served by a node over the mean",
    ),
    MetricMeta::neither("load_s*", "ops", "requests served by storage node i"),
    MetricMeta::neither("attempts", "ops", "request attempts sent by clients"),
    MetricMeta::lower("retries", "ops", "attempts resent after a timeout"),
    MetricMeta::lower("forwards", "ops", "requests forwarded by a non-owner"),
    MetricMeta::lower(
        "not_owner_errors",
        "ops",
        "not_owner answers sent by storage nodes",
    ),
    MetricMeta::lower(
        "keys_transferred",
        "keys",
        "keys handed off between storage nodes",
    ),
    MetricMeta::neither(
        "latency_ms_count",
        "ops",
        "answered requests with a latency sample",
    ),
    MetricMeta::lower(
        "latency_ms_*",
        "ms",
        "latency of answered requests (mean, quantiles, max)",
    ),
];

/// Built-in scenarios.
const CATALOG: &[Scenario] = &[
    Scenario::new(
        "ch/kv-cluster-bug-serve-misrouted",
        include_str!("catalog/kv-cluster-bug-serve-misrouted.toml"),
    ),
    Scenario::new(
        "ch/kv-cluster-crash",
        include_str!("catalog/kv-cluster-crash.toml"),
    ),
    Scenario::new(
        "ch/kv-cluster-join",
        include_str!("catalog/kv-cluster-join.toml"),
    ),
    Scenario::new("ch/kv-cluster", include_str!("catalog/kv-cluster.toml")),
    Scenario::new(
        "ch/kv-crash-campaign",
        include_str!("catalog/kv-crash-campaign.toml"),
    ),
];
