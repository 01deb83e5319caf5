//! Elections: the election timeout, PreVote, RequestVote with the up-to-date check, votes,
//! becoming leader, and CheckQuorum's step-down.

use sim::{NodeId, Time};

use super::{Cx, Role, Server};
use crate::raft::messages::{Index, KvOp, Msg, Obs, RoleName, Term, Timer};
use crate::raft::options::ReadMode;

impl Server {
    /// An election timeout: a PreVote round first when it is on, else an election.
    pub(super) fn on_election_timeout(&mut self, cx: Cx<'_, '_>) {
        if !self.may_campaign(cx) {
            return;
        }
        if !self.cfg.pre_vote || self.quorum(1 << self.me) {
            self.start_election(cx);
            return;
        }
        if self.is_leader() {
            return;
        }
        self.pre_votes = Some(1 << self.me);
        self.reset_election_timer(Time::ZERO, cx);
        let msg = Msg::PreVote {
            term: self.term + 1,
            last_index: self.last_index(),
            last_term: self.last_term(),
        };
        for s in self.cfg.server_ids() {
            if s.0 != self.me {
                cx.send(s, msg.clone());
            }
        }
    }

    /// True if a leader was heard from within the shortest election timeout (or we lead):
    /// a request to vote now comes from a server that merely lost touch.
    pub(super) fn leader_is_alive(&self, now: Time) -> bool {
        self.is_leader()
            || self
                .heard_leader
                .is_some_and(|t| now < t + self.cfg.timeout.0)
    }

    pub(super) fn on_pre_vote(
        &mut self,
        from: u32,
        term: Term,
        last_index: Index,
        last_term: Term,
        cx: Cx<'_, '_>,
    ) {
        let granted = term > self.term
            && self.up_to_date(last_term, last_index)
            && !self.leader_is_alive(cx.now());
        cx.send(
            NodeId(from),
            Msg::PreVoteReply {
                term: self.term,
                for_term: term,
                granted,
            },
        );
    }

    pub(super) fn on_pre_vote_reply(
        &mut self,
        from: u32,
        term: Term,
        for_term: Term,
        granted: bool,
        cx: Cx<'_, '_>,
    ) {
        if term > self.term && !granted {
            self.become_follower(term, cx);
            return;
        }
        if let Some(votes) = &mut self.pre_votes
            && granted
            && for_term == self.term + 1
        {
            *votes |= 1 << from;
            let votes = *votes;
            if self.quorum(votes) {
                self.start_election(cx);
            }
        }
    }

    /// A leader becomes a follower in its own term (CheckQuorum).
    pub(super) fn step_down(&mut self, cx: Cx<'_, '_>) {
        self.role = Role::Follower;
        self.leader = None;
        self.appended_at.clear();
        self.changes.clear();
        self.drop_reads(cx);
        cx.observe(Obs::Role {
            term: self.term,
            role: RoleName::Follower,
        });
        self.reset_election_timer(Time::ZERO, cx);
    }

    pub(super) fn start_election(&mut self, cx: Cx<'_, '_>) {
        self.pre_votes = None;
        if self.is_leader() || !self.may_campaign(cx) {
            return;
        }
        self.term += 1;
        self.voted_for = Some(self.me);
        self.leader = None;
        self.role = Role::Candidate(1 << self.me);
        self.persist(cx);
        cx.observe(Obs::Role {
            term: self.term,
            role: RoleName::Candidate,
        });
        self.reset_election_timer(Time::ZERO, cx);
        if self.quorum(1 << self.me) {
            self.become_leader(cx);
            return;
        }
        let msg = Msg::RequestVote {
            term: self.term,
            last_index: self.last_index(),
            last_term: self.last_term(),
        };
        for s in self.cfg.server_ids() {
            if s.0 != self.me {
                cx.send(s, msg.clone());
            }
        }
    }

    /// Is a candidate's log (last entry `last_term` at `last_index`) at least as up to date
    /// as ours? Later last term first, then the longer log (section 5.4.1).
    pub(super) fn up_to_date(&self, last_term: Term, last_index: Index) -> bool {
        if self.cfg.bugs.up_to_date_by_length {
            return last_index >= self.last_index();
        }
        last_term > self.last_term()
            || (last_term == self.last_term() && last_index >= self.last_index())
    }

    pub(super) fn on_request_vote(
        &mut self,
        from: u32,
        term: Term,
        last_index: Index,
        last_term: Term,
        cx: Cx<'_, '_>,
    ) {
        let sticky = self.cfg.check_quorum || self.cfg.read_mode == ReadMode::Lease;
        if sticky && term > self.term && self.leader_is_alive(cx.now()) {
            // A leader is alive: the candidate only lost touch with it. Neither the term
            // nor the vote changes.
            cx.send(
                NodeId(from),
                Msg::Vote {
                    term: self.term,
                    granted: false,
                },
            );
            return;
        }
        if term > self.term {
            self.become_follower(term, cx);
        }
        let log_ok = self.cfg.bugs.vote_without_log_check || self.up_to_date(last_term, last_index);
        let granted = term == self.term
            && self.voted_for.is_none_or(|v| v == from)
            && log_ok
            && !self.is_leader();
        if granted {
            self.voted_for = Some(from);
            self.persist(cx);
            self.reset_election_timer(Time::ZERO, cx);
        }
        cx.send(
            NodeId(from),
            Msg::Vote {
                term: self.term,
                granted,
            },
        );
    }

    pub(super) fn on_vote(&mut self, from: u32, term: Term, granted: bool, cx: Cx<'_, '_>) {
        if term > self.term {
            self.become_follower(term, cx);
            return;
        }
        if let Role::Candidate(votes) = &mut self.role
            && term == self.term
            && granted
        {
            *votes |= 1 << from;
            let votes = *votes;
            if self.quorum(votes) {
                self.become_leader(cx);
            }
        }
    }

    pub(super) fn become_leader(&mut self, cx: Cx<'_, '_>) {
        let n = self.cfg.servers as usize;
        let mut matched = vec![0; n];
        matched[self.me as usize] = self.last_index();
        self.role = Role::Leader {
            next: vec![self.last_index() + 1; n],
            matched,
        };
        self.leader = Some(self.me);
        if let Some(id) = self.election.take() {
            cx.cancel_timer(id);
        }
        cx.observe(Obs::Role {
            term: self.term,
            role: RoleName::Leader,
        });
        cx.metrics().add("elections_won", 1.0);
        if self.cfg.noop {
            self.append_internal(KvOp::Noop, cx);
            self.advance_commit(cx);
        }
        self.broadcast_append(cx);
        cx.set_timer(self.cfg.heartbeat, Timer::Heartbeat(self.term));
        if self.cfg.check_quorum {
            self.acked = 1 << self.me;
            cx.set_timer(self.cfg.timeout.1, Timer::QuorumCheck(self.term));
        }
    }
}
