//! Linearizable reads without the log (thesis section 6.4): ReadIndex and the leader lease.
//!
//! Both need the leader to know the latest commit index, so it serves nothing before an
//! entry of its own term (its no-op) commits. ReadIndex notes the commit index when a read
//! arrives, confirms leadership with a round of [`Msg::ReadCheck`] that a majority of its
//! configuration acknowledges (one round for every read waiting when it starts), waits until
//! it has applied that index and answers from its state machine. Under a lease the leader
//! answers at once while the lease holds: a round a majority acknowledged grants it from the
//! round's start for `election_timeout_min / (1 + lease_drift_bound)` of the leader's clock,
//! and a follower that acknowledged refuses to vote for `election_timeout_min` of its own
//! clock, so no other leader can exist meanwhile if clock rates differ by less than the bound.
//! A lease leader renews with a round at every heartbeat.

use sim::{NodeId, Time};

use super::{Cx, Server};
use crate::raft::messages::{Command, Index, KvResult, Msg, Term};
use crate::raft::options::ReadMode;

/// A read waiting at the leader.
#[derive(Clone, Copy, Debug)]
struct WaitingRead {
    cmd: Command,
    /// ReadIndex: the commit index when it arrived.
    index: Index,
    /// The first round that confirms it (one that started after it arrived).
    round: u64,
    /// When it arrived (true time, for the metric).
    since: Time,
}

/// The leader's read rounds and the reads waiting for them.
#[derive(Clone, Debug, Default)]
pub(super) struct Reads {
    /// The latest round started.
    round: u64,
    /// When it started (local clock).
    started: Time,
    /// Servers that acknowledged it, one bit each (the leader included).
    acks: u64,
    /// It has not yet been acknowledged by a majority.
    in_flight: bool,
    /// The latest round a majority acknowledged.
    confirmed: u64,
    /// Lease: the end of the lease (local clock), from the start of the latest confirmed round.
    lease_until: Option<Time>,
    waiting: Vec<WaitingRead>,
}

impl Server {
    /// A client read at the leader in the `read_index` and `lease` modes.
    pub(super) fn on_read(&mut self, cmd: Command, cx: Cx<'_, '_>) {
        // The round in flight started before this read arrived; the next one did not.
        let round = self.reads.round + 1;
        self.reads.waiting.push(WaitingRead {
            cmd,
            index: self.commit,
            round,
            since: cx.metrics_time(),
        });
        let lease_ok = self.lease_holds(cx.now());
        if (self.cfg.read_mode == ReadMode::ReadIndex || !lease_ok) && !self.reads.in_flight {
            self.start_read_round(cx);
        }
        self.serve_reads(cx);
    }

    /// Starts a read round: every server is asked to confirm this leader.
    pub(super) fn start_read_round(&mut self, cx: Cx<'_, '_>) {
        let r = &mut self.reads;
        r.round += 1;
        r.started = cx.now();
        r.acks = 1 << self.me;
        r.in_flight = true;
        let msg = Msg::ReadCheck {
            term: self.term,
            round: r.round,
        };
        for s in 0..self.cfg.servers {
            if s != self.me {
                cx.send(NodeId(s), msg.clone());
                cx.metrics().add("read_check_messages", 1.0);
            }
        }
        // A cluster of one confirms its own round.
        self.on_read_check_ack(self.me, self.term, self.reads.round, cx);
    }

    /// A follower (or a stale leader) is asked to confirm a leader: a heartbeat.
    pub(super) fn on_read_check(&mut self, from: u32, term: Term, round: u64, cx: Cx<'_, '_>) {
        if term >= self.term {
            self.become_follower(term, cx);
            self.pre_votes = None;
            self.leader = Some(from);
            self.heard_leader = Some(cx.now());
            self.reset_election_timer(Time::ZERO, cx);
        }
        cx.send(
            NodeId(from),
            Msg::ReadCheckAck {
                term: self.term,
                round,
            },
        );
        cx.metrics().add("read_check_messages", 1.0);
    }

    pub(super) fn on_read_check_ack(&mut self, from: u32, term: Term, round: u64, cx: Cx<'_, '_>) {
        if term > self.term {
            self.become_follower(term, cx);
            return;
        }
        let leads = self.is_leader() && term == self.term;
        let r = &mut self.reads;
        if !leads || round != r.round || !r.in_flight {
            return;
        }
        r.acks |= 1 << from;
        if !self.quorum(self.reads.acks) {
            return;
        }
        let r = &mut self.reads;
        r.in_flight = false;
        r.confirmed = r.round;
        r.lease_until = Some(r.started + self.cfg.lease);
        self.serve_reads(cx);
        let r = &self.reads;
        if self.cfg.read_mode == ReadMode::ReadIndex
            && r.waiting.iter().any(|w| w.round > r.confirmed)
        {
            self.start_read_round(cx);
        }
    }

    /// True if the lease holds at local time `now`.
    fn lease_holds(&self, now: Time) -> bool {
        self.cfg.read_mode == ReadMode::Lease && self.reads.lease_until.is_some_and(|t| now < t)
    }

    /// Answers every waiting read whose conditions hold now.
    pub(super) fn serve_reads(&mut self, cx: Cx<'_, '_>) {
        if !self.is_leader() || self.reads.waiting.is_empty() {
            return;
        }
        // Until an entry of its term commits, the leader may not know the latest commit.
        if self.term_at(self.commit) != self.term || self.applied < self.commit {
            return;
        }
        let lease = self.lease_holds(cx.now());
        let confirmed = self.reads.confirmed;
        let applied = self.applied;
        let mode = self.cfg.read_mode;
        let (ready, wait): (Vec<WaitingRead>, Vec<WaitingRead>) =
            self.reads.waiting.drain(..).partition(|w| match mode {
                ReadMode::Lease => lease,
                _ => w.round <= confirmed && applied >= w.index,
            });
        self.reads.waiting = wait;
        let now = cx.metrics_time();
        for w in ready {
            let crate::raft::messages::KvOp::Get { key } = w.cmd.op else {
                continue;
            };
            let result = KvResult::Value(self.kv.read(key));
            cx.send(
                NodeId(w.cmd.client),
                Msg::Reply {
                    inc: w.cmd.inc,
                    seq: w.cmd.seq,
                    result,
                },
            );
            cx.metrics()
                .record("read_wait", (now - w.since).as_secs_f64());
            cx.metrics().add("reads_served", 1.0);
        }
    }

    /// The leader's heartbeat: a lease leader renews its lease; a ReadIndex leader with reads
    /// waiting starts a round. A round still in flight is left alone unless it is a whole
    /// heartbeat old (its messages were lost): a newer round would discard its acks.
    pub(super) fn on_heartbeat_reads(&mut self, cx: Cx<'_, '_>) {
        let r = &self.reads;
        let stale = !r.in_flight || cx.now() >= r.started + self.cfg.heartbeat;
        let wanted = match self.cfg.read_mode {
            ReadMode::Log => false,
            ReadMode::Lease => true,
            ReadMode::ReadIndex => !r.waiting.is_empty(),
        };
        if wanted && stale {
            self.start_read_round(cx);
        }
    }

    /// Leadership ends: the waiting reads are sent elsewhere, the lease forgotten.
    pub(super) fn drop_reads(&mut self, cx: Cx<'_, '_>) {
        for w in std::mem::take(&mut self.reads.waiting) {
            cx.send(
                NodeId(w.cmd.client),
                Msg::Redirect {
                    inc: w.cmd.inc,
                    seq: w.cmd.seq,
                    leader: None,
                },
            );
        }
        *self.reads = Reads {
            round: self.reads.round,
            ..Reads::default()
        };
    }
}
