//! Multi-Paxos (Lamport, "Paxos Made Simple", 2001, section 3; van Renesse and Altinbuken,
//! "Paxos Made Moderately Complex", 2015): replicas that each act as proposer, acceptor and
//! learner, a stable leader that runs phase 1 once for all slots from the first it does not
//! know to be chosen and then one phase-2 round trip per slot, a slot log whose gaps a new
//! leader fills with no-ops, a key-value state machine applied in slot order with client
//! sessions, clients that find the leader and retry, the checkers, and the classic mistakes
//! as switches.
//!
//! Nodes: replicas `r1..rN` (ids `0..N`) and clients `c1..cM`, one actor type, [`MpNode`].
//! See [`replica`] for the protocol (its [`replica::Replica`] code map), [`client`] for the
//! clients, [`kv`] for the state machine with its session table, [`invariants`] for the
//! checker, [`bugs`] for the switches. The client history is recorded as
//! [`crate::raft::HistoryOp`]s (one shape for every key-value protocol's clients).
//! Options: batching ([`Params::max_batch`]), the pipelining window ([`Params::window`]),
//! a leader lease for local reads ([`Params::lease`]).
//!
//! Metrics: `leaders`, `slots_chosen`, `commands_chosen`, `commit_latency_*`,
//! `client_latency_*`, `messages_per_command`, `phase2_messages_per_command`,
//! `client_messages_per_command`, `throughput`, `failover_time`, `ops_answered`.

pub mod bugs;
pub mod client;
pub mod invariants;
pub mod kv;
pub mod messages;
pub mod node;
pub mod params;
pub mod plugin;
pub mod replica;

pub use bugs::{Bug, Bugs};
pub use invariants::MpChecker;
pub use messages::{Ballot, Durable, Msg, Obs, Slot, Timer, Value};
pub use node::MpNode;
pub use params::{Campaign, Config, Params};
pub use plugin::MultiPaxos;

#[cfg(test)]
mod tests {
    use std::cell::RefCell;
    use std::rc::Rc;

    use sim::trace::FnSink;
    use sim::{
        Event, EventKind, FaultAction, FaultStep, LinkConfig, Record, Time, TimeDist, WorldBuilder,
    };

    use super::*;

    /// One trace record, owned: (event kind, node or sender, message kind).
    type Line = (EventKind, u32, String);

    /// Runs 3 replicas and 2 clients over reordering, lossy, duplicating links, with r1 and
    /// r2 crashing and restarting; returns the trace.
    fn trace() -> Vec<Line> {
        let p = Params::default();
        let lines: Rc<RefCell<Vec<Line>>> = Rc::default();
        let mut b = WorldBuilder::<MpNode>::new(7);
        for n in p.names() {
            b.node(&n);
        }
        let cfg = Rc::new(Config::new(&p));
        b.factory(move |id, d| MpNode::new(&cfg, id, d));
        b.checker(MpChecker::new(&p));
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
            (150, FaultAction::Crash("r1".into())),
            (250, FaultAction::Restart("r1".into())),
            (400, FaultAction::Crash("r2".into())),
            (500, FaultAction::Restart("r2".into())),
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
            sink.borrow_mut().push((r.event.kind(), node, kind));
        })));
        let mut w = b.build().unwrap();
        let r = w.run();
        assert_eq!(r.outcome(), "ok", "{:?}", r.violations);
        lines.borrow().clone()
    }

    // Shows: an acceptor persists before it answers. Every acceptance that changed its
    // state (an accepted value observed in the handler) is preceded in the same handler
    // (after the delivery that caused it) by a persist.
    #[test]
    fn acceptors_persist_before_answering() {
        let t = trace();
        let mut accepts = 0;
        for (i, (ev, node, kind)) in t.iter().enumerate() {
            if *ev != EventKind::Send || kind != "accepted" {
                continue;
            }
            let cause = t[..i]
                .iter()
                .rposition(|l| l.0 == EventKind::Deliver && l.1 == *node)
                .expect("a delivery caused it");
            let here = &t[cause..i];
            if here
                .iter()
                .any(|l| l.0 == EventKind::Observe && l.1 == *node)
            {
                accepts += 1;
                assert!(
                    here.iter()
                        .any(|l| l.0 == EventKind::Persist && l.1 == *node),
                    "accepted #{i} from {node} before a persist"
                );
            }
        }
        assert!(accepts >= 20, "accepts {accepts}");
    }
}
