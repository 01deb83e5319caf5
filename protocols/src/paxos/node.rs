//! The one actor type of a Paxos run ([`PaxosNode`], an enum of roles) and what travels
//! between nodes and to the checkers: messages, timers, durable state, observations.

use std::rc::Rc;

use sim::{Actor, Ctx, Message, NodeId};

use super::acceptor::Acceptor;
use super::ballot::{Ballot, Value, Vote};
use super::learner::Learner;
use super::params::Config;
use super::proposer::Proposer;

/// Paxos messages (Lamport's phase names in brackets).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Msg {
    /// [1a] Proposer asks acceptors to promise ballot `b`.
    Prepare {
        /// The ballot.
        b: Ballot,
    },
    /// [1b] Acceptor promises `b` and reports the proposal it accepted last, if any.
    Promise {
        /// The ballot promised.
        b: Ballot,
        /// The highest-ballot proposal this acceptor accepted.
        accepted: Option<Vote>,
    },
    /// [2a] Proposer asks acceptors to accept `v` in ballot `b`.
    Accept {
        /// The ballot.
        b: Ballot,
        /// The value.
        v: Value,
    },
    /// [2b] Acceptor accepted `v` in `b` (sent to the proposer and every learner).
    Accepted {
        /// The ballot.
        b: Ballot,
        /// The value.
        v: Value,
    },
    /// Acceptor rejects `b` because it promised `promised` (an optimisation: the proposer
    /// learns how high to go instead of waiting for a timeout).
    Nack {
        /// The rejected ballot.
        b: Ballot,
        /// The acceptor's promise.
        promised: Ballot,
    },
}

impl Message for Msg {
    fn kind(&self) -> &'static str {
        match self {
            Msg::Prepare { .. } => "prepare",
            Msg::Promise { .. } => "promise",
            Msg::Accept { .. } => "accept",
            Msg::Accepted { .. } => "accepted",
            Msg::Nack { .. } => "nack",
        }
    }

    fn summary(&self, out: &mut String) {
        use std::fmt::Write as _;
        let _ = match self {
            Msg::Prepare { b } => write!(out, "b={b}"),
            Msg::Promise { b, accepted: None } => write!(out, "b={b}"),
            Msg::Promise {
                b,
                accepted: Some(v),
            } => write!(out, "b={b} had {v}"),
            Msg::Accept { b, v } | Msg::Accepted { b, v } => write!(out, "b={b} {v}"),
            Msg::Nack { b, promised } => write!(out, "b={b} < {promised}"),
        };
    }
}

/// Proposer timers. `Retry` and `Backoff` carry the attempt they were set for, so a timer
/// from an abandoned attempt is ignored instead of cancelled.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Timer {
    /// The client submits its value.
    Start,
    /// Retransmission timeout of attempt `n`.
    Retry(u64),
    /// End of the backoff before attempt `n`'s successor.
    Backoff(u64),
}

/// What survives a crash. Each role uses its own fields (one type for the whole actor).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Durable {
    /// Acceptor: the highest ballot promised (maxBal).
    pub promised: Ballot,
    /// Acceptor: the last proposal accepted.
    pub accepted: Option<Vote>,
    /// Proposer: the highest round it has used (written before its prepare is sent).
    pub round: u32,
    /// Proposer or learner: the value it decided.
    pub decided: Option<Value>,
}

/// Which role reported a decision.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// A proposer (it learns from the `accepted` replies to its own ballot).
    Proposer,
    /// A learner.
    Learner,
}

/// Facts for the checkers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Obs {
    /// A client submitted value `v` to a proposer.
    Proposed(Value),
    /// An acceptor accepted `v` in ballot `b` (the history "chosen" is computed from).
    Accepted {
        /// The ballot.
        b: Ballot,
        /// The value.
        v: Value,
    },
    /// A proposer or learner decided `v` (it believes `v` is chosen).
    Decided {
        /// The value.
        v: Value,
        /// Who decided.
        role: Role,
    },
}

/// A Paxos node: one of the three roles.
#[derive(Debug)]
pub enum PaxosNode {
    /// A proposer (with its client).
    Proposer(Proposer),
    /// An acceptor.
    Acceptor(Acceptor),
    /// A learner.
    Learner(Learner),
}

impl PaxosNode {
    /// Builds (or rebuilds after a crash) node `id` from its durable state; the role follows
    /// from the id layout of [`Config`].
    pub fn new(cfg: &Rc<Config>, id: NodeId, durable: &Durable) -> PaxosNode {
        let i = id.0;
        if i < cfg.acceptors {
            PaxosNode::Acceptor(Acceptor::new(cfg.clone(), durable))
        } else if i < cfg.acceptors + cfg.proposers {
            PaxosNode::Proposer(Proposer::new(cfg.clone(), i - cfg.acceptors + 1, durable))
        } else {
            PaxosNode::Learner(Learner::new(cfg.clone(), durable))
        }
    }
}

impl Actor for PaxosNode {
    type Msg = Msg;
    type Timer = Timer;
    type Durable = Durable;
    type Obs = Obs;

    fn on_start(&mut self, cx: &mut Ctx<'_, Self>) {
        if let PaxosNode::Proposer(p) = self {
            p.on_start(cx);
        }
    }

    fn on_message(&mut self, from: NodeId, msg: Msg, cx: &mut Ctx<'_, Self>) {
        match self {
            PaxosNode::Proposer(p) => p.on_message(from, msg, cx),
            PaxosNode::Acceptor(a) => a.on_message(from, msg, cx),
            PaxosNode::Learner(l) => l.on_message(from, msg, cx),
        }
    }

    fn on_timer(&mut self, t: Timer, cx: &mut Ctx<'_, Self>) {
        if let PaxosNode::Proposer(p) = self {
            p.on_timer(t, cx);
        }
    }
}
