//! A replica: proposer, acceptor and learner in one node. A replica whose election timer
//! fires runs phase 1 once for every slot it does not know to be chosen and, promised by a
//! majority, leads: it re-proposes the highest-ballot value reported for each of those slots
//! (a no-op where none was reported), then runs one phase-2 round trip per new slot. The
//! acceptor persists its promise and accepted values before it answers. Learners take the
//! chosen prefix from the leader's heartbeats and accepts (an accepted value of the leader's
//! own ballot is the chosen one) and ask the leader for what they lack; every replica applies
//! slots in order to its key-value state machine, and the leader answers the clients.
//!
//! Code map: this file holds the state, restart, timers and dispatch; [`acceptor`] phases
//! 1b and 2b and the lease an acceptor grants; [`leader`] elections, proposals, batching, the
//! pipelining window, heartbeats, the lease and client requests; [`learner`] the chosen
//! prefix, catch-up and applying.

mod acceptor;
mod leader;
mod learner;

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::rc::Rc;

use sim::{Ctx, NodeId, Time, TimerId};

use super::kv::Kv;
use super::messages::{Ballot, Command, Durable, Msg, Obs, Slot, Timer, Value};
use super::node::MpNode;
use super::params::Config;

pub(super) type Cx<'a, 'b> = &'a mut Ctx<'b, MpNode>;

/// A slot the leader proposed and has not yet seen chosen.
#[derive(Clone, Debug)]
struct Proposal {
    value: Value,
    /// Acceptors that accepted it, one bit per replica.
    acks: u64,
    /// When it was proposed (true time, for commit latency).
    at: Time,
    /// When its accepts were last sent (local clock).
    sent: Time,
}

/// What a leader keeps.
#[derive(Clone, Debug)]
struct Leading {
    ballot: Ballot,
    next_slot: Slot,
    proposals: BTreeMap<Slot, Proposal>,
    /// Client commands waiting for a slot (the window is full).
    queue: VecDeque<Command>,
    /// Highest slot recovered by phase 1: local reads wait until it is applied.
    recovered: Slot,
    /// The lease (local clock) the leader may read under, if any.
    lease_until: Option<Time>,
    /// The last heartbeat's send time and the acceptors that acknowledged it.
    lease_round: (Time, u64),
}

/// A replica's role.
#[derive(Clone, Debug)]
enum Role {
    Follower,
    /// Phase 1 in progress: the ballot, its first slot, and the promises so far.
    Candidate {
        ballot: Ballot,
        from: Slot,
        promises: BTreeMap<u32, Vec<(Slot, Ballot, Value)>>,
    },
    Leader(Box<Leading>),
}

/// One replica.
#[derive(Debug)]
pub struct Replica {
    cfg: Rc<Config>,
    me: u32,
    // Acceptor (durable).
    promised: Ballot,
    accepted: BTreeMap<Slot, (Ballot, Value)>,
    // Learner.
    decided: BTreeMap<Slot, Value>,
    /// Every slot up to here is decided (learned chosen).
    commit: Slot,
    /// Every slot up to here is applied.
    applied: Slot,
    /// `apply_out_of_order` bug: slots applied beyond `applied`.
    applied_ahead: BTreeSet<Slot>,
    /// Highest chosen prefix a leader announced.
    leader_commit: Slot,
    /// When (local clock) this replica last asked for chosen values.
    learn_sent: Option<Time>,
    kv: Kv,
    // Proposer.
    role: Role,
    leader: Option<u32>,
    max_round: u64,
    election: Option<TimerId>,
    /// The lease this acceptor granted: to which replica, until when (local clock).
    lease_granted: Option<(u32, Time)>,
    /// A restarted acceptor promises nothing before this (it may have granted a lease it
    /// forgot).
    no_promise_until: Time,
}

impl Replica {
    /// Rebuilds replica `me` from its durable state (a follower that has learned nothing).
    pub fn new(cfg: Rc<Config>, me: u32, d: &Durable) -> Replica {
        let top = d.accepted.values().map(|(b, _)| b.round).max().unwrap_or(0);
        Replica {
            kv: Kv::new(cfg.bugs.no_session_dedup),
            cfg,
            me,
            promised: d.promised,
            accepted: d.accepted.clone(),
            decided: BTreeMap::new(),
            commit: 0,
            applied: 0,
            applied_ahead: BTreeSet::new(),
            leader_commit: 0,
            learn_sent: None,
            role: Role::Follower,
            leader: None,
            max_round: top.max(d.promised.round),
            election: None,
            lease_granted: None,
            no_promise_until: Time::ZERO,
        }
    }

    /// True if the replica leads.
    pub fn is_leader(&self) -> bool {
        matches!(self.role, Role::Leader(_))
    }

    /// The chosen prefix this replica knows.
    pub fn commit(&self) -> Slot {
        self.commit
    }

    fn persist(&self, cx: Cx<'_, '_>) {
        cx.persist(Durable {
            promised: if self.cfg.bugs.promise_not_persisted {
                Ballot::default()
            } else {
                self.promised
            },
            accepted: self.accepted.clone(),
            started: 0,
        });
    }

    fn majority(&self, bits: u64) -> bool {
        bits.count_ones() as usize >= self.cfg.majority
    }

    pub(crate) fn on_start(&mut self, cx: Cx<'_, '_>) {
        let first = cx.incarnation() == 0;
        if !first && self.cfg.lease.0 > Time::ZERO {
            self.no_promise_until = cx.now() + self.cfg.lease.0;
        }
        let quiet = if first {
            self.cfg.quiet_start
        } else {
            Time::ZERO
        };
        self.reset_election_timer(quiet, cx);
        let now = cx.now();
        let campaigns = self.cfg.campaigns[self.me as usize].clone();
        for (at, jitter) in campaigns {
            let t = at + Time(cx.rng().range_u64(0, jitter.0.saturating_add(1).max(1)));
            if t >= now {
                cx.set_timer(t - now, Timer::Campaign);
            }
        }
    }

    /// (Re)arms the election timer: a uniform timeout in the configured range, plus `extra`.
    fn reset_election_timer(&mut self, extra: Time, cx: Cx<'_, '_>) {
        if let Some(id) = self.election.take() {
            cx.cancel_timer(id);
        }
        let (lo, hi) = self.cfg.timeout;
        let after = Time(
            cx.rng()
                .range_u64(lo.0, hi.0.saturating_add(1).max(lo.0 + 1)),
        ) + extra;
        self.election = Some(cx.set_timer(after, Timer::Election));
    }

    /// Stops leading or campaigning (a higher ballot is about).
    fn step_down(&mut self, cx: Cx<'_, '_>) {
        match self.role {
            Role::Follower => return,
            Role::Leader(_) => cx.observe(Obs::Follower),
            Role::Candidate { .. } => {}
        }
        self.role = Role::Follower;
        self.reset_election_timer(Time::ZERO, cx);
    }

    /// The ballot this replica leads or campaigns in, if any.
    fn own_ballot(&self) -> Option<Ballot> {
        match &self.role {
            Role::Follower => None,
            Role::Candidate { ballot, .. } => Some(*ballot),
            Role::Leader(l) => Some(l.ballot),
        }
    }

    /// Notes a ballot seen in any message: a higher one than its own ends its leadership.
    fn saw_ballot(&mut self, b: Ballot, cx: Cx<'_, '_>) {
        self.max_round = self.max_round.max(b.round);
        if self.own_ballot().is_some_and(|own| own < b) {
            self.step_down(cx);
        }
    }

    pub(crate) fn on_message(&mut self, from: NodeId, msg: Msg, cx: Cx<'_, '_>) {
        let f = from.0;
        let replica = f < self.cfg.replicas;
        match msg {
            Msg::Prepare { ballot, from } if replica => self.on_prepare(f, ballot, from, cx),
            Msg::Promise { ballot, accepted } if replica => {
                self.on_promise(f, ballot, accepted, cx)
            }
            Msg::Accept {
                ballot,
                slot,
                value,
                commit,
            } if replica => self.on_accept(f, ballot, slot, value, commit, cx),
            Msg::Accepted { ballot, slot } if replica => self.on_accepted(f, ballot, slot, cx),
            Msg::Nack { ballot, promised } if replica => self.on_nack(ballot, promised, cx),
            Msg::Heartbeat {
                ballot,
                commit,
                sent,
            } if replica => self.on_heartbeat(f, ballot, commit, sent, cx),
            Msg::HeartbeatAck { ballot, sent } if replica => self.on_heartbeat_ack(f, ballot, sent),
            Msg::Learn { from } if replica => self.on_learn(f, from, cx),
            Msg::Decided { from, values } if replica => self.on_decided(from, values, cx),
            Msg::Request { cmd } if !replica && cmd.client == f => self.on_request(cmd, cx),
            _ => {}
        }
    }

    pub(crate) fn on_timer(&mut self, t: Timer, cx: Cx<'_, '_>) {
        match t {
            Timer::Election => {
                self.election = None;
                if !self.is_leader() {
                    self.start_election(cx);
                }
            }
            Timer::Campaign => {
                if !self.is_leader() {
                    self.start_election(cx);
                }
            }
            Timer::Heartbeat(b) => self.on_heartbeat_timer(b, cx),
            Timer::NextOp | Timer::Retry { .. } => {}
        }
    }
}
