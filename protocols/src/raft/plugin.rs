//! Raft as a plug-in: servers `s1..`, clients `c1..` (see [`Params::names`]), the Raft
//! checker, and the catalog under `raft/`.

use std::rc::Rc;

use sim::WorldBuilder;

use super::{Config, MembershipChecker, Params, RaftChecker, RaftNode};
use crate::plugin::{
    HistorySlot, MetricMeta, Protocol, RunOutput, RunRequest, Scenario, SizeParam, Spec, simulate,
};

/// Raft (`protocol = "raft"`).
pub struct Raft;

impl Protocol for Raft {
    type Params = Params;

    fn name(&self) -> &'static str {
        "raft"
    }

    fn about(&self) -> &'static str {
        "Raft: leader election, log replication, a replicated key-value store and its clients"
    }

    fn validate(&self, p: &Params, _spec: &Spec) -> Result<(), String> {
        p.validate()
    }

    fn run(&self, p: &Params, mut req: RunRequest<'_>) -> Result<RunOutput, String> {
        let mut b = WorldBuilder::<RaftNode>::new(req.seed);
        for name in p.names() {
            b.node(&name);
        }
        let cfg = Rc::new(Config::new(p));
        b.factory(move |id, d| RaftNode::new(&cfg, id, d));
        let history = HistorySlot::default();
        b.checker(RaftChecker::new(p).exporting(history.clone()));
        if !p.membership.is_empty() || !p.initial_members.is_empty() {
            b.checker(MembershipChecker::new(p));
        }
        let (_, r, mut out) = simulate(b, &mut req)?;
        out.history = history.take();
        let served = out.metrics.get("reads_served").copied().unwrap_or(0.0);
        if served > 0.0 {
            let checks = out
                .metrics
                .get("read_check_messages")
                .copied()
                .unwrap_or(0.0);
            out.metrics
                .insert("messages_per_read".into(), checks / served);
        }
        let committed = out.metrics.get("committed").copied().unwrap_or(0.0);
        if committed > 0.0 {
            out.metrics
                .insert("messages_per_commit".into(), r.sent as f64 / committed);
        }
        out.metrics.entry("elections_won".into()).or_insert(0.0);
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
                field: "servers",
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
        "election_time",
        "s",
        "first leader crash to the next leader elected (downtime)",
    ),
    MetricMeta::lower(
        "election_time_max",
        "s",
        "longest leader crash to next leader in the run",
    ),
    MetricMeta::neither("elections_won", "", "times a server became leader"),
    MetricMeta::neither("leaders", "", "terms that had a leader"),
    MetricMeta::neither("max_term", "", "highest term with a leader"),
    MetricMeta::higher("committed", "entries", "log entries committed"),
    MetricMeta::neither("log_size", "entries", "longest log of any server"),
    MetricMeta::lower(
        "messages_per_commit",
        "messages",
        "transmissions per committed entry",
    ),
    MetricMeta::lower(
        "commit_latency_*",
        "s",
        "leader's append to its commit of the entry",
    ),
    MetricMeta::lower(
        "client_latency_*",
        "s",
        "client invocation to answer, retries included",
    ),
    MetricMeta::higher("ops_answered", "", "client operations answered"),
    MetricMeta::neither(
        "log_retained_max",
        "entries",
        "longest log any server kept after its snapshot (with snapshot_threshold)",
    ),
    MetricMeta::neither(
        "log_applied_retained_max",
        "entries",
        "most applied entries any server kept after its snapshot (<= snapshot_threshold)",
    ),
    MetricMeta::neither(
        "snapshots",
        "",
        "snapshots taken by servers of their own state",
    ),
    MetricMeta::neither(
        "install_snapshot",
        "messages",
        "InstallSnapshot messages sent by leaders (to crashed servers too)",
    ),
    MetricMeta::neither(
        "snapshots_installed",
        "",
        "leader snapshots followers installed",
    ),
    MetricMeta::higher(
        "availability",
        "fraction",
        "time with a leader whose term a majority of servers, up, hold (from the first such instant)",
    ),
    MetricMeta::higher(
        "client_availability",
        "fraction",
        "client operations answered within client_timeout of their invocation",
    ),
    MetricMeta::lower(
        "read_latency_*",
        "s",
        "client invocation to answer of reads, retries included",
    ),
    MetricMeta::lower(
        "write_latency_*",
        "s",
        "client invocation to answer of puts and cas, retries included",
    ),
    MetricMeta::lower(
        "read_wait_*",
        "s",
        "read_index, lease: a read's arrival at the leader to its answer",
    ),
    MetricMeta::neither(
        "reads_served",
        "",
        "read_index, lease: reads the leader answered",
    ),
    MetricMeta::neither(
        "read_check_messages",
        "messages",
        "read_index, lease: read rounds' checks and acknowledgements sent",
    ),
    MetricMeta::lower(
        "messages_per_read",
        "messages",
        "read_index, lease: read-round messages (checks and acks) per read answered",
    ),
    MetricMeta::neither(
        "config_changes",
        "",
        "configuration entries leaders appended",
    ),
    MetricMeta::lower(
        "ops_unanswered",
        "",
        "client operations outstanding at the end",
    ),
];

/// Built-in scenarios.
const CATALOG: &[Scenario] = &[
    Scenario::new(
        "raft/bug-commit-earlier-term",
        include_str!("catalog/bug-commit-earlier-term.toml"),
    ),
    Scenario::new(
        "raft/bug-config-before-own-term",
        include_str!("catalog/bug-config-before-own-term.toml"),
    ),
    Scenario::new(
        "raft/bug-local-reads",
        include_str!("catalog/bug-local-reads.toml"),
    ),
    Scenario::new(
        "raft/bug-term-not-persisted",
        include_str!("catalog/bug-term-not-persisted.toml"),
    ),
    Scenario::new(
        "raft/bug-truncate-on-every-append",
        include_str!("catalog/bug-truncate-on-every-append.toml"),
    ),
    Scenario::new(
        "raft/bug-up-to-date-by-length",
        include_str!("catalog/bug-up-to-date-by-length.toml"),
    ),
    Scenario::new(
        "raft/bug-vote-without-log-check",
        include_str!("catalog/bug-vote-without-log-check.toml"),
    ),
    Scenario::new(
        "raft/bug-voted-for-not-persisted",
        include_str!("catalog/bug-voted-for-not-persisted.toml"),
    ),
    Scenario::new("raft/campaign-3", include_str!("catalog/campaign-3.toml")),
    Scenario::new("raft/campaign-5", include_str!("catalog/campaign-5.toml")),
    Scenario::new(
        "raft/campaign-lease",
        include_str!("catalog/campaign-lease.toml"),
    ),
    Scenario::new(
        "raft/campaign-membership",
        include_str!("catalog/campaign-membership.toml"),
    ),
    Scenario::new(
        "raft/election-timing",
        include_str!("catalog/election-timing.toml"),
    ),
    Scenario::new(
        "raft/failure-free",
        include_str!("catalog/failure-free.toml"),
    ),
    Scenario::new(
        "raft/flapping-link",
        include_str!("catalog/flapping-link.toml"),
    ),
    Scenario::new(
        "raft/leader-crash",
        include_str!("catalog/leader-crash.toml"),
    ),
    Scenario::new(
        "raft/lease-clock-drift",
        include_str!("catalog/lease-clock-drift.toml"),
    ),
    Scenario::new("raft/membership", include_str!("catalog/membership.toml")),
    Scenario::new(
        "raft/partition-minority-leader",
        include_str!("catalog/partition-minority-leader.toml"),
    ),
    Scenario::new(
        "raft/partition-one-way",
        include_str!("catalog/partition-one-way.toml"),
    ),
    Scenario::new(
        "raft/partition-symmetric",
        include_str!("catalog/partition-symmetric.toml"),
    ),
    Scenario::new(
        "raft/snapshot-catch-up",
        include_str!("catalog/snapshot-catch-up.toml"),
    ),
    Scenario::new("raft/read-index", include_str!("catalog/read-index.toml")),
];
