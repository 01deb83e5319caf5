//! Single-server membership changes (thesis chapter 4): a configuration is a log entry
//! ([`KvOp::Config`]) and a server uses the latest one in its log, committed or not (the
//! initial configuration before any). Majorities (votes, commits, read rounds, CheckQuorum)
//! count members of that configuration only. Every server not in it is a learner: the leader
//! replicates to it, it starts no election (unless its configuration is uncommitted, see
//! [`Server::may_campaign`]), and its votes do not count.
//!
//! A scripted change reaches the server leading at its time (as an administrator's request
//! would), which appends it once three rules allow: no configuration in its log is
//! uncommitted (one change at a time), an entry of its own term is committed (the 2015 fix;
//! the `config_before_own_term_commit` bug skips it), and a server to add has caught up with
//! the commit index. A leader that loses its leadership first forgets its queue. A leader
//! that a committed configuration removes steps down.

use sim::Time;

use super::{Cx, Role, Server};
use crate::raft::messages::{Command, Entry, Index, KvOp, Obs};

impl Server {
    /// The latest configuration in the log (index 0: the initial one) and its members.
    pub(super) fn configuration(&self) -> (Index, u64) {
        if !self.cfg.reconfig {
            return (0, self.cfg.initial_members);
        }
        self.log
            .config_before(self.log.last_index())
            .unwrap_or((0, self.cfg.initial_members))
    }

    /// True if the servers in `bits` are a majority of the configuration in use.
    pub(super) fn quorum(&self, bits: u64) -> bool {
        let members = self.configuration().1;
        (bits & members).count_ones() * 2 > members.count_ones()
    }

    /// The members of the configuration before the one at `at` in the log.
    fn members_before(&self, at: Index) -> u64 {
        self.log
            .config_before(at.saturating_sub(1))
            .map_or(self.cfg.initial_members, |(_, members)| members)
    }

    /// Appends an entry the leader makes itself (its no-op or a configuration).
    pub(super) fn append_internal(&mut self, op: KvOp, cx: Cx<'_, '_>) {
        let keep = self.last_index();
        let entry = Entry {
            term: self.term,
            cmd: Command {
                client: self.me,
                inc: 0,
                seq: keep + 1,
                op,
            },
        };
        self.log.extend(&[entry]);
        self.persist(cx);
        cx.observe(Obs::Log {
            keep,
            entries: vec![entry],
        });
        let last = self.last_index();
        if let Role::Leader { matched, .. } = &mut self.role {
            matched[self.me as usize] = last;
        }
    }

    /// Scripted change number `k` is due: the leader queues it.
    pub(super) fn on_membership_timer(&mut self, k: u32, cx: Cx<'_, '_>) {
        if self.is_leader() {
            if let Some(&(_, c)) = self.cfg.changes.get(k as usize) {
                self.changes.push(c);
            }
            self.reconfigure(cx);
        }
    }

    /// Sets the timers of the scripted changes still to come.
    pub(super) fn schedule_changes(&self, cx: Cx<'_, '_>) {
        let now = cx.now();
        for (k, &(at, _)) in self.cfg.changes.iter().enumerate() {
            if at >= now {
                cx.set_timer(at - now, crate::raft::messages::Timer::Membership(k as u32));
            }
        }
    }

    /// After a commit at the leader: a removed leader steps down once its removal commits;
    /// else the next queued change is appended if the rules allow.
    pub(super) fn after_commit_membership(&mut self, cx: Cx<'_, '_>) {
        if !self.cfg.reconfig || !self.is_leader() {
            return;
        }
        let (at, members) = self.configuration();
        if at <= self.commit && members & (1 << self.me) == 0 {
            self.changes.clear();
            self.step_down(cx);
            return;
        }
        self.reconfigure(cx);
    }

    /// Appends the first queued change if the rules allow it now.
    pub(super) fn reconfigure(&mut self, cx: Cx<'_, '_>) {
        while let Some(&(add, s)) = self.changes.first() {
            if !self.is_leader() {
                self.changes.clear();
                return;
            }
            let (at, members) = self.configuration();
            let bit = 1u64 << s;
            let target = if add { members | bit } else { members & !bit };
            if target == members || target == 0 {
                // Nothing to do (or the last member): the request is dropped.
                self.changes.remove(0);
                continue;
            }
            let one_at_a_time = at <= self.commit;
            let own_term = self.cfg.bugs.config_before_own_term_commit
                || self.term_at(self.commit) == self.term;
            let caught_up = !add
                || matches!(&self.role, Role::Leader { matched, .. } if matched[s as usize] >= self.commit);
            if !(one_at_a_time && own_term && caught_up) {
                return;
            }
            self.changes.remove(0);
            self.append_internal(KvOp::Config { members: target }, cx);
            cx.metrics().add("config_changes", 1.0);
            self.advance_commit(cx);
            self.broadcast_append(cx);
            return;
        }
    }

    /// A server outside its configuration does not campaign (its timer keeps running, since
    /// a configuration that adds it may arrive), unless that configuration is not committed
    /// as far as it knows and removed it: a leader that removed itself may be the only server besides the
    /// new members to hold its last configuration, and the members, still counting by the
    /// one before, need its vote and cannot get it (its log is longer). It then leads the
    /// new members without being one, commits the configuration and steps down.
    pub(super) fn may_campaign(&mut self, cx: Cx<'_, '_>) -> bool {
        let (at, members) = self.configuration();
        let me = 1 << self.me;
        if members & me != 0 || (at > self.commit && self.members_before(at) & me != 0) {
            return true;
        }
        if !self.is_leader() {
            self.reset_election_timer(Time::ZERO, cx);
        }
        false
    }
}
