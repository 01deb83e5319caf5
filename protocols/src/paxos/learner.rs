//! The learner: decides `v` once a quorum of distinct acceptors report accepting `v` in the
//! same ballot (and remembers the decision durably).

use std::rc::Rc;

use sim::{Ctx, NodeId};

use super::ballot::{Ballot, Value};
use super::node::{Durable, Msg, Obs, PaxosNode, Role};
use super::params::Config;

/// A learner's tally: per (ballot, value), the acceptors (a bit mask) that accepted it.
#[derive(Debug)]
pub struct Learner {
    cfg: Rc<Config>,
    tally: Vec<(Ballot, Value, u64)>,
    decided: Option<Value>,
}

impl Learner {
    /// Rebuilds a learner from its durable state (its decision, if any).
    pub fn new(cfg: Rc<Config>, d: &Durable) -> Learner {
        Learner {
            cfg,
            tally: Vec::new(),
            decided: d.decided,
        }
    }

    /// The value decided, if any.
    pub fn decided(&self) -> Option<Value> {
        self.decided
    }

    pub(crate) fn on_message(&mut self, from: NodeId, msg: Msg, cx: &mut Ctx<'_, PaxosNode>) {
        let Msg::Accepted { b, v } = msg else { return };
        if self.decided.is_some() || from.0 >= self.cfg.acceptors {
            return;
        }
        // The bug tallies by value alone, so votes from different ballots add up.
        let key = if self.cfg.bugs.learner_mixes_ballots {
            Ballot::ZERO
        } else {
            b
        };
        let bit = 1u64 << from.0;
        let mask = match self
            .tally
            .iter_mut()
            .find(|(kb, kv, _)| *kb == key && *kv == v)
        {
            Some((_, _, m)) => {
                *m |= bit;
                *m
            }
            None => {
                self.tally.push((key, v, bit));
                bit
            }
        };
        if mask.count_ones() >= self.cfg.quorum {
            self.decided = Some(v);
            cx.persist(Durable {
                decided: Some(v),
                ..Durable::default()
            });
            cx.observe(Obs::Decided {
                v,
                role: Role::Learner,
            });
        }
    }
}
