//! Replication: AppendEntries and its consistency check, truncation only at a real
//! conflict, the fast back-up of nextIndex, the commit rule, applying to the state machine,
//! and client requests at the leader.

use sim::{NodeId, Time};

use super::{Cx, Role, Server};
use crate::raft::messages::{Command, Entry, Index, KvOp, KvResult, Msg, Obs, Term};
use crate::raft::options::ReadMode;

impl Server {
    pub(super) fn broadcast_append(&mut self, cx: Cx<'_, '_>) {
        for s in 0..self.cfg.servers {
            if s != self.me {
                self.send_append(s, cx);
            }
        }
    }

    pub(super) fn send_append(&self, to: u32, cx: Cx<'_, '_>) {
        let Role::Leader { next, .. } = &self.role else {
            return;
        };
        let next = next[to as usize].clamp(1, self.last_index() + 1);
        let prev = next - 1;
        if prev < self.log.base() {
            // The entries it needs are compacted away: it gets the snapshot instead.
            self.send_snapshot(to, cx);
            return;
        }
        cx.send(
            NodeId(to),
            Msg::Append {
                term: self.term,
                prev_index: prev,
                prev_term: self.term_at(prev),
                entries: self.log.slice(next, self.cfg.max_batch),
                commit: self.commit,
            },
        );
    }

    #[allow(clippy::too_many_arguments)] // the fields of AppendEntries, as in Figure 2
    pub(super) fn on_append(
        &mut self,
        from: u32,
        term: Term,
        mut prev_index: Index,
        mut prev_term: Term,
        mut entries: Vec<Entry>,
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
        let match_index = prev_index + entries.len() as Index;
        let base = self.log.base();
        if prev_index < base {
            // Up to the snapshot the log is committed, so it matches the leader's: keep
            // only what comes after it.
            let skip = (base - prev_index).min(entries.len() as Index) as usize;
            entries.drain(..skip);
            (prev_index, prev_term) = (base, self.log.base_term());
        }
        let have = self.term_at(prev_index);
        if have != prev_term {
            let mut first = prev_index;
            while first > base + 1 && self.term_at(first - 1) == have {
                first -= 1;
            }
            fail(self, first, Some(have), cx);
            return;
        }
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
    pub(super) fn store(&mut self, prev: Index, entries: Vec<Entry>, cx: Cx<'_, '_>) {
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
        self.log.truncate(keep);
        self.log.extend(&new);
        self.persist(cx);
        cx.observe(Obs::Log { keep, entries: new });
    }

    pub(super) fn on_append_reply(
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
            (self.log.base().max(1)..=last)
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
    pub(super) fn advance_commit(&mut self, cx: Cx<'_, '_>) {
        let Role::Leader { matched, .. } = &self.role else {
            return;
        };
        let any_term = self.cfg.bugs.commit_earlier_term;
        let n = (self.commit + 1..=self.last_index()).rev().find(|&n| {
            let stored = (0..matched.len()).filter(|&k| matched[k] >= n);
            (any_term || self.term_at(n) == self.term)
                && self.quorum(stored.fold(0, |b, k| b | 1 << k))
        });
        if let Some(n) = n {
            self.commit_to(n, cx);
        }
        self.after_commit_membership(cx);
        self.serve_reads(cx);
    }

    pub(super) fn commit_to(&mut self, n: Index, cx: Cx<'_, '_>) {
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
            let entry = *self
                .log
                .get(self.applied)
                .expect("applied entries are retained");
            let result = self.kv.apply(&entry.cmd);
            cx.observe(Obs::Apply {
                index: self.applied,
                entry,
                result,
            });
            if self.is_leader() && !entry.cmd.op.is_internal() {
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
            self.snapshot_if_due(cx);
        }
    }

    pub(super) fn on_client_request(&mut self, cmd: Command, cx: Cx<'_, '_>) {
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
            cx.send(NodeId(cmd.client), reply(KvResult::Value(v)));
            return;
        }
        if let (false, KvOp::Get { .. }) = (self.cfg.read_mode == ReadMode::Log, cmd.op) {
            self.on_read(cmd, cx);
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
        self.log.extend(&[entry]);
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
}
