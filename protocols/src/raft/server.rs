//! A Raft server (Figure 2 of the paper): follower, candidate or leader; elections with
//! randomized timeouts and the up-to-date check; log replication with the consistency check,
//! truncation only at a real conflict, and the fast back-up of nextIndex; the commit rule
//! (only entries of the leader's own term are committed by counting replicas); the key-value
//! state machine. currentTerm, votedFor and the log are persisted before any message that
//! depends on them leaves (persist and send in one handler are applied in order).

use std::collections::BTreeMap;
use std::rc::Rc;

use sim::{Ctx, NodeId, Time, TimerId};

use super::kv::Kv;
use super::messages::{Command, Durable, Entry, Index, KvOp, Msg, Obs, RoleName, Term, Timer};
use super::node::RaftNode;
use super::params::Config;

type Cx<'a, 'b> = &'a mut Ctx<'b, RaftNode>;

/// A server's volatile role state.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Role {
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
    log: Vec<Entry>,
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
}

impl Server {
    /// Rebuilds server `me` from its durable state (a follower with nothing committed).
    pub fn new(cfg: Rc<Config>, me: u32, d: &Durable) -> Server {
        Server {
            cfg,
            me,
            term: d.term,
            voted_for: d.voted_for,
            log: d.log.clone(),
            role: Role::Follower,
            commit: 0,
            applied: 0,
            kv: Kv::default(),
            leader: None,
            election: None,
            pre_votes: None,
            heard_leader: None,
            acked: 0,
            appended_at: BTreeMap::new(),
        }
    }

    /// Current term.
    pub fn term(&self) -> Term {
        self.term
    }

    /// The log.
    pub fn log(&self) -> &[Entry] {
        &self.log
    }

    /// True if the server believes it leads.
    pub fn is_leader(&self) -> bool {
        matches!(self.role, Role::Leader { .. })
    }

    fn last_index(&self) -> Index {
        self.log.len() as Index
    }

    fn term_at(&self, i: Index) -> Term {
        if i == 0 {
            0
        } else {
            self.log.get(i as usize - 1).map_or(0, |e| e.term)
        }
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
            log: self.log.clone(),
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
            self.reset_election_timer(Time::ZERO, cx);
        }
    }

    /// An election timeout: a PreVote round first when it is on, else an election.
    fn on_election_timeout(&mut self, cx: Cx<'_, '_>) {
        if !self.cfg.pre_vote || self.cfg.majority <= 1 {
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
    fn leader_is_alive(&self, now: Time) -> bool {
        self.is_leader()
            || self
                .heard_leader
                .is_some_and(|t| now < t + self.cfg.timeout.0)
    }

    fn on_pre_vote(
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

    fn on_pre_vote_reply(
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
            if votes.count_ones() as usize >= self.cfg.majority {
                self.start_election(cx);
            }
        }
    }

    /// A leader becomes a follower in its own term (CheckQuorum).
    fn step_down(&mut self, cx: Cx<'_, '_>) {
        self.role = Role::Follower;
        self.leader = None;
        self.appended_at.clear();
        cx.observe(Obs::Role {
            term: self.term,
            role: RoleName::Follower,
        });
        self.reset_election_timer(Time::ZERO, cx);
    }

    fn start_election(&mut self, cx: Cx<'_, '_>) {
        self.pre_votes = None;
        if self.is_leader() {
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
        if self.cfg.majority <= 1 {
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
    fn up_to_date(&self, last_term: Term, last_index: Index) -> bool {
        if self.cfg.bugs.up_to_date_by_length {
            return last_index >= self.last_index();
        }
        last_term > self.last_term()
            || (last_term == self.last_term() && last_index >= self.last_index())
    }

    fn on_request_vote(
        &mut self,
        from: u32,
        term: Term,
        last_index: Index,
        last_term: Term,
        cx: Cx<'_, '_>,
    ) {
        if self.cfg.check_quorum && term > self.term && self.leader_is_alive(cx.now()) {
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

    fn on_vote(&mut self, from: u32, term: Term, granted: bool, cx: Cx<'_, '_>) {
        if term > self.term {
            self.become_follower(term, cx);
            return;
        }
        if let Role::Candidate(votes) = &mut self.role
            && term == self.term
            && granted
        {
            *votes |= 1 << from;
            if votes.count_ones() as usize >= self.cfg.majority {
                self.become_leader(cx);
            }
        }
    }

    fn become_leader(&mut self, cx: Cx<'_, '_>) {
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
        self.broadcast_append(cx);
        cx.set_timer(self.cfg.heartbeat, Timer::Heartbeat(self.term));
        if self.cfg.check_quorum {
            self.acked = 1 << self.me;
            cx.set_timer(self.cfg.timeout.1, Timer::QuorumCheck(self.term));
        }
    }

    fn broadcast_append(&mut self, cx: Cx<'_, '_>) {
        for s in 0..self.cfg.servers {
            if s != self.me {
                self.send_append(s, cx);
            }
        }
    }

    fn send_append(&self, to: u32, cx: Cx<'_, '_>) {
        let Role::Leader { next, .. } = &self.role else {
            return;
        };
        let next = next[to as usize].clamp(1, self.last_index() + 1);
        let prev = next - 1;
        let end = self.log.len().min(prev as usize + self.cfg.max_batch);
        cx.send(
            NodeId(to),
            Msg::Append {
                term: self.term,
                prev_index: prev,
                prev_term: self.term_at(prev),
                entries: self.log[prev as usize..end].to_vec(),
                commit: self.commit,
            },
        );
    }

    #[allow(clippy::too_many_arguments)] // the fields of AppendEntries, as in Figure 2
    fn on_append(
        &mut self,
        from: u32,
        term: Term,
        prev_index: Index,
        prev_term: Term,
        entries: Vec<Entry>,
        leader_commit: Index,
        cx: Cx<'_, '_>,
    ) {
        let fail = |me: &Self, conflict_index, conflict_term, cx: Cx<'_, '_>| {
            cx.send(
                NodeId(from),
                Msg::AppendReply {
                    term: me.term,
                    success: false,
                    match_index: 0,
                    conflict_index,
                    conflict_term,
                },
            );
        };
        if term < self.term {
            fail(self, 0, None, cx);
            return;
        }
        self.become_follower(term, cx);
        self.pre_votes = None;
        self.leader = Some(from);
        self.heard_leader = Some(cx.now());
        self.reset_election_timer(Time::ZERO, cx);
        if prev_index > self.last_index() {
            fail(self, self.last_index() + 1, None, cx);
            return;
        }
        let have = self.term_at(prev_index);
        if have != prev_term {
            let mut first = prev_index;
            while first > 1 && self.term_at(first - 1) == have {
                first -= 1;
            }
            fail(self, first, Some(have), cx);
            return;
        }
        let match_index = prev_index + entries.len() as Index;
        self.store(prev_index, entries, cx);
        let new_commit = leader_commit.min(match_index);
        if new_commit > self.commit {
            self.commit_to(new_commit, cx);
        }
        cx.send(
            NodeId(from),
            Msg::AppendReply {
                term: self.term,
                success: true,
                match_index,
                conflict_index: 0,
                conflict_term: None,
            },
        );
    }

    /// Stores `entries` after `prev`, whose terms agree with the leader's. Only an entry
    /// whose term differs (a real conflict) truncates the log: entries that agree stay, and
    /// so do entries beyond the batch, since a reordered old AppendEntries must not undo a
    /// newer one.
    fn store(&mut self, prev: Index, entries: Vec<Entry>, cx: Cx<'_, '_>) {
        let keep = if self.cfg.bugs.truncate_on_every_append {
            (prev < self.last_index() || !entries.is_empty()).then_some((prev, 0))
        } else {
            entries.iter().enumerate().find_map(|(k, e)| {
                let i = prev + 1 + k as Index;
                (i > self.last_index() || self.term_at(i) != e.term).then_some((i - 1, k))
            })
        };
        let Some((keep, from)) = keep else {
            return;
        };
        let new = entries[from..].to_vec();
        if keep == self.last_index() && new.is_empty() {
            return;
        }
        self.log.truncate(keep as usize);
        self.log.extend_from_slice(&new);
        self.persist(cx);
        cx.observe(Obs::Log { keep, entries: new });
    }

    fn on_append_reply(
        &mut self,
        from: u32,
        term: Term,
        success: bool,
        match_index: Index,
        conflict: (Index, Option<Term>),
        cx: Cx<'_, '_>,
    ) {
        if term > self.term {
            self.become_follower(term, cx);
            return;
        }
        if term != self.term {
            return;
        }
        self.acked |= 1 << from;
        let last = self.last_index();
        let back_to = conflict.1.map_or(conflict.0, |t| {
            // Skip the follower's whole conflicting term: to just after our last entry of
            // that term if we have one, else to the follower's first entry of it.
            (1..=last)
                .rev()
                .find(|&i| self.term_at(i) == t)
                .map_or(conflict.0, |i| i + 1)
        });
        let Role::Leader { next, matched } = &mut self.role else {
            return;
        };
        let f = from as usize;
        if success {
            matched[f] = matched[f].max(match_index);
            next[f] = next[f].max(match_index + 1);
            let behind = next[f] <= last;
            self.advance_commit(cx);
            if behind {
                self.send_append(from, cx);
            }
        } else {
            next[f] = back_to.max(matched[f] + 1).min(last + 1);
            self.send_append(from, cx);
        }
    }

    /// The commit rule: the highest index stored on a majority whose entry is of the current
    /// term (the `commit_earlier_term` bug drops the term test, Figure 8).
    fn advance_commit(&mut self, cx: Cx<'_, '_>) {
        let Role::Leader { matched, .. } = &self.role else {
            return;
        };
        let any_term = self.cfg.bugs.commit_earlier_term;
        let n = (self.commit + 1..=self.last_index()).rev().find(|&n| {
            (any_term || self.term_at(n) == self.term)
                && matched.iter().filter(|&&m| m >= n).count() >= self.cfg.majority
        });
        if let Some(n) = n {
            self.commit_to(n, cx);
        }
    }

    fn commit_to(&mut self, n: Index, cx: Cx<'_, '_>) {
        self.commit = n;
        cx.observe(Obs::Commit {
            index: n,
            term: self.term,
        });
        let now = cx.metrics_time();
        let done: Vec<Index> = self.appended_at.range(..=n).map(|(i, _)| *i).collect();
        for i in done {
            if let Some(t) = self.appended_at.remove(&i) {
                cx.metrics()
                    .record("commit_latency", (now - t).as_secs_f64());
            }
        }
        while self.applied < self.commit && self.applied < self.last_index() {
            self.applied += 1;
            let entry = self.log[self.applied as usize - 1];
            let result = self.kv.apply(&entry.cmd);
            cx.observe(Obs::Apply {
                index: self.applied,
                entry,
                result,
            });
            if self.is_leader() {
                let c = entry.cmd;
                cx.send(
                    NodeId(c.client),
                    Msg::Reply {
                        inc: c.inc,
                        seq: c.seq,
                        result,
                    },
                );
            }
        }
    }

    fn on_client_request(&mut self, cmd: Command, cx: Cx<'_, '_>) {
        if !self.is_leader() {
            cx.send(
                NodeId(cmd.client),
                Msg::Redirect {
                    inc: cmd.inc,
                    seq: cmd.seq,
                    leader: self.leader,
                },
            );
            return;
        }
        let reply = |result| Msg::Reply {
            inc: cmd.inc,
            seq: cmd.seq,
            result,
        };
        if let (true, KvOp::Get { key }) = (self.cfg.bugs.local_reads, cmd.op) {
            let v = self.kv.read(key);
            cx.send(
                NodeId(cmd.client),
                reply(super::messages::KvResult::Value(v)),
            );
            return;
        }
        if let Some(r) = self.kv.answered(&cmd) {
            // Applied already (a retry after a lost reply): answer from the session table.
            cx.send(NodeId(cmd.client), reply(r));
            return;
        }
        let keep = self.last_index();
        let entry = Entry {
            term: self.term,
            cmd,
        };
        self.log.push(entry);
        self.persist(cx);
        cx.observe(Obs::Log {
            keep,
            entries: vec![entry],
        });
        let last = self.last_index();
        let now = cx.metrics_time();
        self.appended_at.insert(last, now);
        if let Role::Leader { matched, .. } = &mut self.role {
            matched[self.me as usize] = last;
        }
        self.advance_commit(cx);
        self.broadcast_append(cx);
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
            Msg::Request { cmd } if !from_server && cmd.client == f => {
                self.on_client_request(cmd, cx)
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
                    if (self.acked.count_ones() as usize) < self.cfg.majority {
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
                    cx.set_timer(self.cfg.heartbeat, Timer::Heartbeat(term));
                }
            }
            Timer::NextOp | Timer::Retry { .. } => {}
        }
    }
}
