//! A Raft server (Figure 2 of the paper): follower, candidate or leader; elections with
//! randomized timeouts and the up-to-date check; log replication with the consistency check,
//! truncation only at a real conflict, and the fast back-up of nextIndex; the commit rule
//! (only entries of the leader's own term are committed by counting replicas); the key-value
//! state machine. currentTerm, votedFor and the log are persisted before any message that
//! depends on them leaves (persist and send in one handler are applied in order).
//!
//! Code map: this file holds the server's state, restart, timers and message dispatch;
//! [`election`] the elections (and PreVote, CheckQuorum), [`replication`] AppendEntries,
//! the commit rule and client requests; [`reads`] ReadIndex and the lease, [`membership`]
//! single-server configuration changes, [`snapshot`] log compaction and InstallSnapshot.

mod election;
mod membership;
mod reads;
mod replication;
mod snapshot;

use std::collections::BTreeMap;
use std::rc::Rc;

use sim::{Ctx, NodeId, Time, TimerId};

use super::kv::Kv;
use super::log::{Log, Snapshot};
use super::messages::{Durable, Entry, Index, Msg, Obs, RoleName, Term, Timer};
use super::node::RaftNode;
use super::options::{Change, ReadMode};
use super::params::Config;

pub(super) type Cx<'a, 'b> = &'a mut Ctx<'b, RaftNode>;

/// A server's volatile role state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Role {
    Follower,
    /// Votes received, one bit per server.
    Candidate(u64),
    /// nextIndex and matchIndex per server (the leader's own entries included).
    Leader {
        next: Vec<Index>,
        matched: Vec<Index>,
    },
}

/// One server.
#[derive(Debug)]
pub struct Server {
    cfg: Rc<Config>,
    me: u32,
    term: Term,
    voted_for: Option<u32>,
    log: Log,
    /// The last snapshot (the state machine up to `log.base()`), if any.
    snapshot: Option<Rc<Snapshot>>,
    role: Role,
    commit: Index,
    applied: Index,
    kv: Kv,
    leader: Option<u32>,
    election: Option<TimerId>,
    /// PreVote round in progress: the votes it would get, one bit per server.
    pre_votes: Option<u64>,
    /// When (local clock) an AppendEntries of a current leader last arrived.
    heard_leader: Option<Time>,
    /// Leader, CheckQuorum: servers heard from since the last check, one bit per server.
    acked: u64,
    /// Leader: when each of its own entries was appended (true time, for commit latency).
    appended_at: BTreeMap<Index, Time>,
    /// Leader, ReadIndex or lease: read rounds and waiting reads (boxed: most runs read
    /// through the log, and the actor enum stays small).
    reads: Box<reads::Reads>,
    /// Leader: membership changes asked of it, not yet appended.
    changes: Vec<Change>,
}

impl Server {
    /// Rebuilds server `me` from its durable state (a follower with nothing committed past
    /// its snapshot, whose state machine it restores).
    pub fn new(cfg: Rc<Config>, me: u32, d: &Durable) -> Server {
        let (log, kv) = snapshot::restore(d);
        Server {
            cfg,
            me,
            term: d.term,
            voted_for: d.voted_for,
            commit: log.base(),
            applied: log.base(),
            log,
            snapshot: d.snapshot.clone(),
            role: Role::Follower,
            kv,
            leader: None,
            election: None,
            pre_votes: None,
            heard_leader: None,
            acked: 0,
            appended_at: BTreeMap::new(),
            reads: Box::default(),
            changes: Vec::new(),
        }
    }

    /// Current term.
    pub fn term(&self) -> Term {
        self.term
    }

    /// The log's retained entries (those after its snapshot, if any).
    pub fn log(&self) -> &[Entry] {
        self.log.entries()
    }

    /// True if the server believes it leads.
    pub fn is_leader(&self) -> bool {
        matches!(self.role, Role::Leader { .. })
    }

    fn last_index(&self) -> Index {
        self.log.last_index()
    }

    /// The term of entry `i`; 0 past the end (and inside the compacted prefix, which the
    /// callers never ask about: they stay at or after the snapshot's index).
    fn term_at(&self, i: Index) -> Term {
        self.log.term(i).unwrap_or(0)
    }

    fn last_term(&self) -> Term {
        self.term_at(self.last_index())
    }

    fn persist(&self, cx: Cx<'_, '_>) {
        let b = &self.cfg.bugs;
        cx.persist(Durable {
            term: if b.term_not_persisted { 0 } else { self.term },
            voted_for: if b.voted_for_not_persisted {
                None
            } else {
                self.voted_for
            },
            log: self.log.entries().to_vec(),
            snapshot: self.snapshot.clone(),
            started: 0,
        });
    }

    pub(crate) fn on_start(&mut self, cx: Cx<'_, '_>) {
        let quiet = if cx.incarnation() == 0 {
            self.cfg.quiet_start
        } else {
            Time::ZERO
        };
        self.reset_election_timer(quiet, cx);
        if self.cfg.read_mode == ReadMode::Lease && cx.incarnation() > 0 {
            // It may have acknowledged a leader's lease just before it crashed: it refuses
            // votes for a whole shortest timeout, as if it had just heard from that leader.
            self.heard_leader = Some(cx.now());
        }
        self.schedule_changes(cx);
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

    /// Adopts `term` (if newer, forgetting the vote) and becomes a follower in it.
    fn become_follower(&mut self, term: Term, cx: Cx<'_, '_>) {
        let newer = term > self.term;
        if newer {
            self.pre_votes = None;
            self.term = term;
            self.voted_for = None;
            self.leader = None;
            self.persist(cx);
        }
        let was_leader = self.is_leader();
        if newer || self.role != Role::Follower {
            self.role = Role::Follower;
            cx.observe(Obs::Role {
                term: self.term,
                role: RoleName::Follower,
            });
        }
        if was_leader {
            self.appended_at.clear();
            self.changes.clear();
            self.drop_reads(cx);
            self.reset_election_timer(Time::ZERO, cx);
        }
    }

    pub(crate) fn on_message(&mut self, from: NodeId, msg: Msg, cx: Cx<'_, '_>) {
        let f = from.0;
        let from_server = f < self.cfg.servers;
        match msg {
            Msg::RequestVote {
                term,
                last_index,
                last_term,
            } if from_server => self.on_request_vote(f, term, last_index, last_term, cx),
            Msg::Vote { term, granted } if from_server => self.on_vote(f, term, granted, cx),
            Msg::PreVote {
                term,
                last_index,
                last_term,
            } if from_server => self.on_pre_vote(f, term, last_index, last_term, cx),
            Msg::PreVoteReply {
                term,
                for_term,
                granted,
            } if from_server => self.on_pre_vote_reply(f, term, for_term, granted, cx),
            Msg::Append {
                term,
                prev_index,
                prev_term,
                entries,
                commit,
            } if from_server => self.on_append(f, term, prev_index, prev_term, entries, commit, cx),
            Msg::AppendReply {
                term,
                success,
                match_index,
                conflict_index,
                conflict_term,
            } if from_server => self.on_append_reply(
                f,
                term,
                success,
                match_index,
                (conflict_index, conflict_term),
                cx,
            ),
            Msg::InstallSnapshot { term, snapshot } if from_server => {
                self.on_install_snapshot(f, term, snapshot, cx)
            }
            Msg::InstallSnapshotReply { term, match_index } if from_server => {
                self.on_install_snapshot_reply(f, term, match_index, cx)
            }
            Msg::Request { cmd } if !from_server && cmd.client == f => {
                self.on_client_request(cmd, cx)
            }
            Msg::ReadCheck { term, round } if from_server => self.on_read_check(f, term, round, cx),
            Msg::ReadCheckAck { term, round } if from_server => {
                self.on_read_check_ack(f, term, round, cx)
            }
            _ => {}
        }
    }

    pub(crate) fn on_timer(&mut self, t: Timer, cx: Cx<'_, '_>) {
        match t {
            Timer::Election => {
                self.election = None;
                self.on_election_timeout(cx);
            }
            Timer::QuorumCheck(term) => {
                if self.is_leader() && term == self.term {
                    if !self.quorum(self.acked) {
                        // Not heard from a majority in a whole election timeout: it may lead
                        // a minority, so stop serving as leader.
                        self.step_down(cx);
                    } else {
                        self.acked = 1 << self.me;
                        cx.set_timer(self.cfg.timeout.1, Timer::QuorumCheck(term));
                    }
                }
            }
            Timer::Campaign => self.start_election(cx),
            Timer::Heartbeat(term) => {
                if self.is_leader() && term == self.term {
                    self.broadcast_append(cx);
                    self.on_heartbeat_reads(cx);
                    cx.set_timer(self.cfg.heartbeat, Timer::Heartbeat(term));
                }
            }
            Timer::Membership(k) => self.on_membership_timer(k, cx),
            Timer::NextOp | Timer::Retry { .. } => {}
        }
    }
}
