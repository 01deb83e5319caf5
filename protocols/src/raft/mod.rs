//! Raft (Ongaro and Ousterhout, "In Search of an Understandable Consensus Algorithm", USENIX
//! ATC 2014): servers that elect a leader and replicate a log of client commands into a
//! key-value state machine, clients that find the leader and retry, the Figure 3 properties
//! checked after every event, the clients' history checked for linearizability at the end
//! ([`crate::linearizability`]), and the classic mistakes as switches.
//!
//! Nodes: servers `s1..sN` (ids `0..N`) and clients `c1..cM`, one actor type, [`RaftNode`].
//! See [`server`] for the protocol (Figure 2; elections and replication in its two
//! halves), [`client`] for the clients, [`kv`] for the state machine with its session table
//! (a retried write applies once), [`log`] for the log with its compacted prefix and
//! snapshots, [`invariants`] for the checker, [`history`] for the client histories it
//! records, [`availability`] for the availability metric the checker keeps, [`bugs`] for the
//! switches.
//! Options: PreVote and CheckQuorum ([`Params::pre_vote`], [`Params::check_quorum`]);
//! reads by ReadIndex or under a lease ([`Params::read_mode`]) and single-server membership
//! changes ([`Params::membership`]), their fields in [`options`], the servers' side in
//! `server/reads.rs` and `server/membership.rs`, the membership checker in
//! [`membership_check`]; log compaction with InstallSnapshot
//! ([`Params::snapshot_threshold`], `server/snapshot.rs`).
//!
//! Metrics: `elections_won`, `max_term`, `leaders`, `committed`, `log_size`,
//! `election_time` (first leader crash to the next leader, s), `commit_latency_*`,
//! `client_latency_*`, `ops_answered`, `messages_per_commit`, `availability` and
//! `client_availability` (fractions); `read_latency_*`, `write_latency_*`, and with
//! ReadIndex or a lease `read_wait_*` (the leader's wait before answering a read) and
//! `messages_per_read`; `config_changes`.

pub mod availability;
pub mod bugs;
pub mod client;
pub mod history;
pub mod invariants;
pub mod kv;
pub mod log;
pub mod membership_check;
pub mod messages;
pub mod node;
pub mod options;
pub mod params;
pub mod plugin;
pub mod server;

pub use bugs::{Bug, Bugs};
pub use history::HistoryOp;
pub use invariants::RaftChecker;
pub use log::{Log, Snapshot};
pub use membership_check::MembershipChecker;
pub use messages::{Command, Durable, Entry, KvOp, KvResult, Msg, Obs, Timer};
pub use node::RaftNode;
pub use options::{MembershipChange, ReadMode};
pub use params::{Campaign, Config, Params};
pub use plugin::Raft;

#[cfg(test)]
mod tests {
    use std::cell::RefCell;
    use std::rc::Rc;

    use sim::trace::FnSink;
    use sim::{
        Event, EventKind, FaultAction, FaultStep, LinkConfig, Record, Time, TimeDist, WorldBuilder,
    };

    use super::*;

    /// One trace record, owned: (event kind, node or sender, message kind, detail).
    type Line = (EventKind, u32, String, String);

    /// Runs 3 servers and 2 clients over reordering, lossy, duplicating links, with s1
    /// crashing and restarting; returns the trace.
    fn trace() -> Vec<Line> {
        let p = Params::default();
        let lines: Rc<RefCell<Vec<Line>>> = Rc::default();
        let mut b = WorldBuilder::<RaftNode>::new(7);
        for n in p.names() {
            b.node(&n);
        }
        let cfg = Rc::new(Config::new(&p));
        b.factory(move |id, d| RaftNode::new(&cfg, id, d));
        b.checker(RaftChecker::new(&p));
        b.default_link(LinkConfig {
            latency: TimeDist::Uniform {
                lo: Time::from_millis(1),
                hi: Time::from_millis(10),
            },
            loss: 0.1,
            duplicate: 0.1,
            fifo: false,
        });
        for (at, f) in [
            (150, FaultAction::Crash("s1".into())),
            (250, FaultAction::Restart("s1".into())),
            (400, FaultAction::Crash("s2".into())),
            (500, FaultAction::Restart("s2".into())),
        ] {
            b.fault(FaultStep {
                at: Time::from_millis(at),
                action: f,
            });
        }
        b.end(Time::from_secs(2));
        let sink = lines.clone();
        b.sink(Box::new(FnSink(move |r: &Record<'_>| {
            let (node, kind) = match &r.event {
                Event::Send { from, kind, .. } | Event::Deliver { to: from, kind, .. } => {
                    (from.0, kind.to_string())
                }
                Event::Persist { node } | Event::Observe { node } => (node.0, String::new()),
                _ => (u32::MAX, String::new()),
            };
            let d = r.detail.unwrap_or("").to_string();
            sink.borrow_mut().push((r.event.kind(), node, kind, d));
        })));
        let mut w = b.build().unwrap();
        let r = w.run();
        assert_eq!(r.outcome(), "ok", "{:?}", r.violations);
        lines.borrow().clone()
    }

    // Shows: a server persists before it answers. Every granted vote, and every successful
    // AppendEntries reply after a log change, is preceded in the same handler (after the
    // delivery that caused it) by a persist of that server's state.
    #[test]
    fn servers_persist_before_answering() {
        let t = trace();
        let (mut votes, mut stores) = (0, 0);
        for (i, (ev, node, kind, detail)) in t.iter().enumerate() {
            if *ev != EventKind::Send {
                continue;
            }
            let cause = || {
                t[..i]
                    .iter()
                    .rposition(|l| l.0 == EventKind::Deliver && l.1 == *node)
                    .expect("a delivery caused it")
            };
            let persisted = |from: usize| {
                t[from..i]
                    .iter()
                    .any(|l| l.0 == EventKind::Persist && l.1 == *node)
            };
            if kind == "vote" && detail.contains("granted: true") {
                votes += 1;
                assert!(persisted(cause()), "vote #{i} from {node} before a persist");
            }
            if kind == "append_reply" && detail.contains("success: true") {
                let c = cause();
                let changed = t[c..i]
                    .iter()
                    .any(|l| l.0 == EventKind::Observe && l.3.starts_with("Log"));
                if changed {
                    stores += 1;
                    assert!(persisted(c), "reply #{i} from {node} before a persist");
                }
            }
        }
        assert!(votes >= 2 && stores >= 20, "votes {votes}, stores {stores}");
    }
}
