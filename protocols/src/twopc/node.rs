//! The one actor type of two-phase commit: a node hosting a coordinator, a participant, or
//! both (co-located). It routes messages and timers to the roles, passes messages between
//! co-located roles locally (they never touch the network), and turns the roles' forced
//! writes into one `persist` of the node's log at the end of the handler.

use std::collections::VecDeque;
use std::sync::Arc;

use sim::{Actor, Ctx, NodeId, TimerId};

use super::coordinator::Coordinator;
use super::log::{DurableLog, Log};
use super::message::{Msg, TxnId};
use super::participant::Participant;
use super::workload::Workload;
use super::{Bug, Params};

/// What every node of a run shares: parameters, workload and who is who.
#[derive(Debug)]
pub struct Config {
    /// Parameters.
    pub params: Params,
    /// The workload drawn for this run.
    pub workload: Workload,
    /// The node hosting the coordinator.
    pub coord: NodeId,
    /// Participant nodes, `p1` first.
    pub parts: Vec<NodeId>,
    /// Node index -> participant index.
    part_of: Vec<Option<usize>>,
}

impl Config {
    /// The configuration for nodes `ids` (in the order of [`Params::names`]).
    pub fn new(p: &Params, workload: Workload, ids: &[NodeId]) -> Config {
        let parts: Vec<NodeId> = if p.colocated {
            ids.to_vec()
        } else {
            ids[1..].to_vec()
        };
        let mut part_of = vec![None; ids.len()];
        for (i, n) in parts.iter().enumerate() {
            part_of[n.idx()] = Some(i);
        }
        Config {
            params: p.clone(),
            workload,
            coord: ids[0],
            parts,
            part_of,
        }
    }
    /// The participant index (0-based) of node `n`, if it hosts one.
    pub fn part_index(&self, n: NodeId) -> Option<usize> {
        self.part_of.get(n.idx()).copied().flatten()
    }
    /// Number of participants.
    pub fn n(&self) -> usize {
        self.parts.len()
    }
    /// True if `bug` is on.
    pub fn has(&self, bug: Bug) -> bool {
        self.params.has(bug)
    }
}

/// Timers of both roles.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Timer {
    /// Coordinator: start workload item `k` (0-based).
    Begin(usize),
    /// Coordinator: votes are late; decide.
    VoteTimeout(TxnId),
    /// Coordinator: retransmit PREPARE to silent participants or the decision to un-ACKed ones.
    Resend(TxnId),
    /// Participant: the decision is late; ask (or, with the bug, abort).
    Inquire(TxnId),
}

/// Facts for the checkers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Obs {
    /// The coordinator started (or restarted) with this incarnation.
    CoordStarted {
        /// Incarnation, 1 for the first start.
        incarnation: u32,
    },
    /// The coordinator began a transaction (PREPARE leaves now).
    Begin(TxnId),
    /// The coordinator decided.
    Decided {
        /// The transaction.
        txn: TxnId,
        /// Commit or abort.
        commit: bool,
    },
    /// The coordinator received every ACK it waited for.
    AllAcked(TxnId),
    /// A participant voted (first vote on this transaction in this life).
    Voted {
        /// The transaction.
        txn: TxnId,
        /// YES or NO.
        yes: bool,
    },
    /// A participant learned (or decided on its own) the outcome.
    Learned {
        /// The transaction.
        txn: TxnId,
        /// Commit or abort.
        commit: bool,
    },
    /// A participant (re)started; what its log says.
    Recovered {
        /// Transactions it is prepared on (uncertain).
        prepared: Vec<TxnId>,
        /// Transactions it knows the outcome of.
        decided: Vec<TxnId>,
    },
}

/// What a role sees during one handler: the kernel context, the node's log, and a queue of
/// messages to the co-located role.
pub(crate) struct Env<'e, 'a> {
    /// The kernel context.
    pub cx: &'e mut Ctx<'a, TwoPcNode>,
    /// Shared configuration.
    pub cfg: &'e Config,
    /// The node's log (in memory; a forced write persists every change since the last one).
    pub log: &'e mut Log,
    forced: bool,
    local: VecDeque<(NodeId, Msg)>,
}

impl Env<'_, '_> {
    /// Sends `msg` to node `to`: over the network, or locally to the co-located role.
    pub fn send(&mut self, to: NodeId, msg: Msg) {
        let me = self.cx.me();
        if to == me {
            self.local.push_back((me, msg));
        } else {
            self.cx.metrics().add("protocol_messages", 1.0);
            self.cx.send(to, msg);
        }
    }
    /// Forces the log (one forced transaction record, by the counting convention).
    pub fn force(&mut self) {
        self.cx.metrics().add("forced_writes", 1.0);
        self.forced = true;
    }
    /// Forces the log for a record that is not a transaction record (the incarnation).
    pub fn force_uncounted(&mut self) {
        self.forced = true;
    }
    /// Sets a timer on the local clock.
    pub fn timer(&mut self, after: sim::Time, t: Timer) -> TimerId {
        self.cx.set_timer(after, t)
    }
}

/// A two-phase-commit node.
#[derive(Debug)]
pub struct TwoPcNode {
    cfg: Arc<Config>,
    log: Log,
    coord: Option<Coordinator>,
    part: Option<Participant>,
}

impl TwoPcNode {
    /// Builds (or rebuilds after a crash) node `id` from its durable log.
    pub fn new(cfg: &Arc<Config>, id: NodeId, durable: &DurableLog) -> Self {
        let coord = (id == cfg.coord).then(Coordinator::new);
        let part = cfg.part_index(id).map(Participant::new);
        TwoPcNode {
            cfg: cfg.clone(),
            log: Log::recover(durable),
            coord,
            part,
        }
    }

    /// The node's in-memory log (for tests and reports).
    pub fn log(&self) -> &Log {
        &self.log
    }

    /// Runs `first` on the roles, then delivers local messages between co-located roles until
    /// none is left, then persists the log if any role forced a record.
    fn handle(
        &mut self,
        cx: &mut Ctx<'_, Self>,
        first: impl FnOnce(&mut Option<Coordinator>, &mut Option<Participant>, &mut Env<'_, '_>),
    ) {
        let TwoPcNode {
            cfg,
            log,
            coord,
            part,
        } = self;
        let mut env = Env {
            cx,
            cfg,
            log,
            forced: false,
            local: VecDeque::new(),
        };
        first(coord, part, &mut env);
        while let Some((from, msg)) = env.local.pop_front() {
            route(coord, part, from, msg, &mut env);
        }
        if env.forced {
            // One new batch on the shared chain: O(records since the last force), not a copy
            // of the whole log.
            let d = env.log.force();
            env.cx.persist(d);
        }
    }
}

fn route(
    coord: &mut Option<Coordinator>,
    part: &mut Option<Participant>,
    from: NodeId,
    msg: Msg,
    env: &mut Env<'_, '_>,
) {
    if msg.for_participant() {
        if let Some(p) = part.as_mut() {
            p.on_message(from, msg, env);
        }
    } else if let Some(c) = coord.as_mut() {
        c.on_message(from, msg, env);
    }
}

impl Actor for TwoPcNode {
    type Msg = Msg;
    type Timer = Timer;
    type Durable = DurableLog;
    type Obs = Obs;

    fn on_start(&mut self, cx: &mut Ctx<'_, Self>) {
        self.handle(cx, |c, p, env| {
            if let Some(c) = c.as_mut() {
                c.start(env);
            }
            if let Some(p) = p.as_mut() {
                p.start(env);
            }
        });
    }

    fn on_message(&mut self, from: NodeId, msg: Msg, cx: &mut Ctx<'_, Self>) {
        self.handle(cx, |c, p, env| route(c, p, from, msg, env));
    }

    fn on_timer(&mut self, t: Timer, cx: &mut Ctx<'_, Self>) {
        self.handle(cx, |c, p, env| match t {
            Timer::Inquire(txn) => {
                if let Some(p) = p.as_mut() {
                    p.on_inquire_timer(txn, env);
                }
            }
            t => {
                if let Some(c) = c.as_mut() {
                    c.on_timer(t, env);
                }
            }
        });
    }
}
