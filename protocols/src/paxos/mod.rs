//! Single-decree Paxos (Lamport, "Paxos Made Simple"; TLA+ `Paxos.tla`) with proposers,
//! acceptors and learners, the checkers that judge it, and the classic mistakes as switches.
//!
//! Nodes: acceptors `a1..aN` (ids `0..N`), proposers `p1..pM`, learners `l1..lL`, all one
//! actor type, [`PaxosNode`]. Proposer `pk`'s client submits value `v-pk` at its start time.
//! Ballots are `(round, k)` ([`Ballot`]). Acceptors promise iff b > maxBal, accept iff
//! b >= maxBal, and persist before replying; proposers persist their round before each
//! prepare, so a restart never reuses a ballot; `accepted` goes to the proposer and every
//! learner. See [`proposer`] for retransmission, backoff and the distinguished proposer.
//!
//! Checkers ([`invariants`]): `agreement`, `validity`, `decisions_agree`,
//! `learn_only_chosen` (safety) and `decided` (liveness when `expect_decision`).
//! Metrics: `ballots_used` (ballots started), and from the checker `decided` (0/1),
//! `decision_time` (seconds to the first decision by a proposer), `chosen_values`.
//! Bug switches: [`Bug`].

pub mod acceptor;
pub mod ballot;
pub mod bugs;
pub mod invariants;
pub mod learner;
pub mod node;
pub mod params;
pub mod plugin;
pub mod proposer;

pub use ballot::{Ballot, Value, Vote};
pub use bugs::{Bug, Bugs};
pub use invariants::PaxosChecker;
pub use node::{Durable, Msg, Obs, PaxosNode, Role, Timer};
pub use params::{Config, Params};
pub use plugin::Paxos;

#[cfg(test)]
mod tests {
    use std::cell::RefCell;
    use std::rc::Rc;

    use sim::trace::FnSink;
    use sim::{
        Event, EventKind, FaultAction, FaultStep, LinkConfig, Record, Time, TimeDist, WorldBuilder,
    };

    use super::*;

    /// One trace record, owned: (event kind, node or sender, kind, detail).
    type Line = (EventKind, u32, String, String);

    /// Runs a small cluster with 1 ms links and the given faults; returns the trace.
    fn trace(p: &Params, faults: &[(u64, FaultAction)]) -> Vec<Line> {
        let lines: Rc<RefCell<Vec<Line>>> = Rc::default();
        let mut b = WorldBuilder::<PaxosNode>::new(1);
        for n in p.names() {
            b.node(&n);
        }
        let cfg = Rc::new(Config::new(p));
        b.factory(move |id, d| PaxosNode::new(&cfg, id, d));
        b.checker(PaxosChecker::new(p));
        b.default_link(LinkConfig {
            latency: TimeDist::Const(Time::from_millis(1)),
            ..LinkConfig::default()
        });
        for (at, f) in faults {
            b.fault(FaultStep {
                at: Time::from_micros(*at),
                action: f.clone(),
            });
        }
        b.end(Time::from_millis(100));
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

    // Shows: every promise an acceptor sends is preceded, in the same handler (after the
    // delivery that caused it), by a persist of its new state: persist before replying.
    #[test]
    fn acceptors_persist_before_promising() {
        let p = Params {
            proposers: 2,
            start_times: vec![Time::ZERO, Time::from_micros(1500)],
            ..Params::default()
        };
        let t = trace(&p, &[]);
        let mut promises = 0;
        for (i, (ev, node, kind, _)) in t.iter().enumerate() {
            if *ev == EventKind::Send && kind == "promise" {
                promises += 1;
                let cause = t[..i]
                    .iter()
                    .rposition(|l| l.0 == EventKind::Deliver && l.1 == *node)
                    .expect("a delivery caused it");
                assert!(
                    t[cause..i]
                        .iter()
                        .any(|l| l.0 == EventKind::Persist && l.1 == *node),
                    "promise #{i} from node {node} without a persist first"
                );
            }
        }
        assert!(promises >= 6, "both proposers were promised: {promises}");
    }

    // Shows: a proposer that restarts runs a fresh ballot (its round comes from disk), and
    // with `ballot_reuse_after_restart` it runs the same ballot again.
    #[test]
    fn restarted_proposer_never_reuses_a_ballot() {
        let ballots = |bugs: Vec<Bug>| -> Vec<String> {
            let p = Params {
                bugs,
                ..Params::default()
            };
            let faults = [
                (500, FaultAction::Crash("p1".into())),
                (800, FaultAction::Restart("p1".into())),
            ];
            trace(&p, &faults)
                .into_iter()
                .filter(|l| l.0 == EventKind::Send && l.2 == "prepare" && l.1 == 3)
                .map(|l| l.3)
                .collect::<std::collections::BTreeSet<_>>()
                .into_iter()
                .collect()
        };
        assert_eq!(
            ballots(vec![]),
            [
                "Prepare { b: Ballot { round: 1, proposer: 1 } }",
                "Prepare { b: Ballot { round: 2, proposer: 1 } }"
            ]
        );
        assert_eq!(
            ballots(vec![Bug::BallotReuseAfterRestart]),
            ["Prepare { b: Ballot { round: 1, proposer: 1 } }"]
        );
    }
}
