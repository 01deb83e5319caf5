//! Paxos properties, judged apart from the roles from their observations.
//!
//! "v is chosen" is computed over the history of accept events: some ballot b had a majority
//! of acceptors that at some time accepted (b, v) — whatever they accepted later, and
//! whether or not they still remember it (a volatile acceptor's accept still counts). The
//! majority here is always floor(n/2)+1, whatever quorum the roles use.
//!
//! - `agreement` (always): at most one value is chosen.
//! - `validity` (always): a chosen value was proposed by some client.
//! - `decisions_agree` (always): every decision a proposer or learner reports equals every
//!   chosen value.
//! - `learn_only_chosen` (always): a node decides v only when v is already chosen (Paxos
//!   Made Simple: "a process never learns that a value has been chosen unless it actually
//!   has been").
//! - `decided` (eventually when the scenario expects a decision, else only reported as
//!   sometimes): some proposer or learner decided.

use std::collections::BTreeMap;

use sim::{Checker, NodeId, Property, Time, Verdicts};

use super::ballot::{Ballot, Value};
use super::node::{Obs, PaxosNode, Role};
use super::params::Params;

/// The Paxos checker.
#[derive(Debug)]
pub struct PaxosChecker {
    names: Vec<String>,
    acceptors: u32,
    majority: u32,
    expect_decision: bool,
    /// (ballot, value) -> acceptors that ever accepted it (bit mask).
    votes: BTreeMap<(Ballot, Value), u64>,
    /// Distinct values chosen, with the first ballot that chose each and when.
    chosen: Vec<(Value, Ballot, Time)>,
    proposed: Vec<Value>,
    decisions: Vec<(NodeId, Value)>,
    first_decision: Option<Time>,
    first_proposer_decision: Option<Time>,
}

impl PaxosChecker {
    /// A checker for the cluster `p` describes (node names and ids as in
    /// [`Params::names`]); `p.expect_decision` makes `decided` a liveness property.
    pub fn new(p: &Params) -> Self {
        let acceptors = p.acceptors;
        let expect_decision = p.expect_decision;
        PaxosChecker {
            names: p.names(),
            acceptors,
            majority: acceptors / 2 + 1,
            expect_decision,
            votes: BTreeMap::new(),
            chosen: Vec::new(),
            proposed: Vec::new(),
            decisions: Vec::new(),
            first_decision: None,
            first_proposer_decision: None,
        }
    }

    /// Distinct values chosen so far, in the order they became chosen.
    pub fn chosen(&self) -> Vec<Value> {
        self.chosen.iter().map(|c| c.0).collect()
    }

    fn name(&self, n: NodeId) -> &str {
        self.names.get(n.idx()).map_or("?", String::as_str)
    }

    fn on_chosen(&mut self, at: Time, b: Ballot, v: Value, out: &mut Verdicts) {
        if self.chosen.iter().any(|c| c.0 == v) {
            return;
        }
        if let Some((w, wb, wt)) = self.chosen.first() {
            out.fail(
                "agreement",
                format!("{v} chosen in ballot {b} after {w} was chosen in ballot {wb} at {wt}"),
            );
        }
        if !self.proposed.contains(&v) {
            out.fail(
                "validity",
                format!("{v} chosen in ballot {b} but no client proposed it"),
            );
        }
        for (n, d) in &self.decisions {
            if *d != v {
                let n = self.name(*n);
                out.fail(
                    "decisions_agree",
                    format!("{v} chosen in ballot {b}, but {n} decided {d}"),
                );
            }
        }
        self.chosen.push((v, b, at));
    }
}

impl Checker<PaxosNode> for PaxosChecker {
    fn properties(&self) -> Vec<Property> {
        let decided = if self.expect_decision {
            Property::eventually("decided")
        } else {
            Property::sometimes("decided")
        };
        vec![
            Property::always("agreement"),
            Property::always("validity"),
            Property::always("decisions_agree"),
            Property::always("learn_only_chosen"),
            decided,
        ]
    }

    fn observe(&mut self, at: Time, node: NodeId, obs: &Obs, out: &mut Verdicts) {
        match *obs {
            Obs::Proposed(v) => {
                if !self.proposed.contains(&v) {
                    self.proposed.push(v);
                }
            }
            Obs::Accepted { b, v } => {
                assert!(
                    node.0 < self.acceptors,
                    "only acceptors accept, got node {node}"
                );
                let m = self.votes.entry((b, v)).or_insert(0);
                *m |= 1u64 << node.0;
                if m.count_ones() >= self.majority {
                    self.on_chosen(at, b, v, out);
                }
            }
            Obs::Decided { v, role } => {
                let name = self.name(node);
                if !self.chosen.iter().any(|c| c.0 == v) {
                    out.fail(
                        "learn_only_chosen",
                        format!("{name} decided {v}, which no majority accepted in any one ballot"),
                    );
                }
                for (w, wb, _) in &self.chosen {
                    if *w != v {
                        out.fail(
                            "decisions_agree",
                            format!("{name} decided {v}, but {w} was chosen in ballot {wb}"),
                        );
                    }
                }
                self.decisions.push((node, v));
                out.hold("decided");
                self.first_decision.get_or_insert(at);
                if role == Role::Proposer {
                    self.first_proposer_decision.get_or_insert(at);
                }
            }
        }
    }

    fn metrics(&self) -> Vec<(String, f64)> {
        let mut m = vec![
            (
                "decided".to_string(),
                if self.first_decision.is_some() {
                    1.0
                } else {
                    0.0
                },
            ),
            ("chosen_values".to_string(), self.chosen.len() as f64),
        ];
        if let Some(t) = self.first_proposer_decision {
            m.push(("decision_time".to_string(), t.as_secs_f64()));
        }
        m
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Feeds one observation; returns the names of the properties it failed and held.
    fn feed(c: &mut PaxosChecker, node: u32, obs: Obs) -> String {
        let mut v = Verdicts::default();
        c.observe(Time::ZERO, NodeId(node), &obs, &mut v);
        format!("{v:?}")
    }

    fn acc(round: u32, k: u32, v: u32) -> Obs {
        Obs::Accepted {
            b: Ballot::new(round, k),
            v: Value(v),
        }
    }

    // Shows: "chosen" is judged over the history of accepts: a1 and a2 accepted (1,p1)=v-p1,
    // so v-p1 stays chosen after a2 moves on; a second value chosen later fails `agreement`;
    // a value nobody proposed fails `validity`.
    #[test]
    fn chosen_is_computed_over_the_history_of_accepts() {
        let mut c = PaxosChecker::new(&Params {
            acceptors: 3,
            proposers: 3,
            ..Params::default()
        });
        feed(&mut c, 3, Obs::Proposed(Value(1)));
        feed(&mut c, 4, Obs::Proposed(Value(2)));
        assert!(!feed(&mut c, 0, acc(1, 1, 1)).contains("agreement"));
        feed(&mut c, 1, acc(1, 1, 1));
        assert_eq!(c.chosen(), [Value(1)]);
        // a2 later accepts another value: v-p1 remains chosen (history, not current state).
        feed(&mut c, 1, acc(2, 2, 2));
        assert_eq!(c.chosen(), [Value(1)]);
        let v = feed(&mut c, 2, acc(2, 2, 2));
        assert!(v.contains("\"agreement\""), "{v}");
        assert_eq!(c.chosen(), [Value(1), Value(2)]);
        // v-p3 was never proposed.
        feed(&mut c, 0, acc(3, 3, 3));
        let v = feed(&mut c, 1, acc(3, 3, 3));
        assert!(v.contains("\"validity\""), "{v}");
    }

    // Shows: votes for one value in different ballots do not make it chosen, and a decision
    // before the value is chosen fails `learn_only_chosen`; a decision for the chosen value
    // holds `decided` and fails nothing.
    #[test]
    fn decisions_must_follow_a_majority_in_one_ballot() {
        let mut c = PaxosChecker::new(&Params {
            acceptors: 3,
            proposers: 2,
            learners: 1,
            ..Params::default()
        });
        feed(&mut c, 3, Obs::Proposed(Value(1)));
        feed(&mut c, 0, acc(1, 1, 1));
        feed(&mut c, 1, acc(1, 2, 1));
        assert!(c.chosen().is_empty(), "two ballots, one vote each");
        let v = feed(
            &mut c,
            5,
            Obs::Decided {
                v: Value(1),
                role: Role::Learner,
            },
        );
        assert!(
            v.contains("\"learn_only_chosen\"") && v.contains("l1 decided v-p1"),
            "{v}"
        );
        feed(&mut c, 2, acc(1, 2, 1));
        assert_eq!(c.chosen(), [Value(1)]);
        let v = feed(
            &mut c,
            3,
            Obs::Decided {
                v: Value(1),
                role: Role::Proposer,
            },
        );
        assert!(v.contains("fails: []") && v.contains("\"decided\""), "{v}");
        let v = feed(
            &mut c,
            4,
            Obs::Decided {
                v: Value(2),
                role: Role::Proposer,
            },
        );
        assert!(v.contains("\"decisions_agree\""), "{v}");
    }
}
