//! Log compaction (section 7 of the paper): a server that has applied
//! `snapshot_threshold` entries past its last snapshot snapshots its state machine (with
//! the session table, so a retried write still applies once), persists it and discards
//! the entries it covers; a leader whose follower needs compacted entries sends its
//! snapshot (InstallSnapshot, Figure 13, in one message); a restarted server restores its
//! state machine from its snapshot.

use sim::{NodeId, Time};

use super::{Cx, Role, Server};
use crate::raft::kv::Kv;
use crate::raft::log::{Log, Snapshot};
use crate::raft::messages::{Durable, Index, Msg, Obs, Term};

/// The log and state machine a server restarts with: its snapshot's, then its log.
pub(super) fn restore(d: &Durable) -> (Log, Kv) {
    match &d.snapshot {
        Some(s) => (Log::new(s.index, s.term, d.log.clone()), s.kv.clone()),
        None => (Log::new(0, 0, d.log.clone()), Kv::default()),
    }
}

impl Server {
    /// Snapshots the state machine if `snapshot_threshold` entries were applied since the
    /// last snapshot (called after each entry applied, so the bound is exact).
    pub(super) fn snapshot_if_due(&mut self, cx: Cx<'_, '_>) {
        let every = self.cfg.snapshot_threshold;
        if every == 0 || self.applied - self.log.base() < every {
            return;
        }
        let (index, term) = (self.applied, self.term_at(self.applied));
        self.snapshot = Some(Snapshot {
            index,
            term,
            kv: self.kv.clone(),
        });
        self.log.compact(index, term);
        self.persist(cx);
        cx.observe(Obs::Snapshot {
            index,
            term,
            state: self.kv.digest(),
            installed: false,
        });
        cx.metrics().add("snapshots", 1.0);
    }

    /// Leader: sends its snapshot to `to`, whose next entry it no longer has.
    pub(super) fn send_snapshot(&self, to: u32, cx: Cx<'_, '_>) {
        let Some(s) = &self.snapshot else {
            return;
        };
        cx.send(
            NodeId(to),
            Msg::InstallSnapshot {
                term: self.term,
                snapshot: s.clone(),
            },
        );
        cx.metrics().add("install_snapshot", 1.0);
    }

    /// Follower: installs a leader's snapshot newer than its own state machine, keeping
    /// the entries after it if its log holds the snapshot's last entry.
    pub(super) fn on_install_snapshot(
        &mut self,
        from: u32,
        term: Term,
        snap: Snapshot,
        cx: Cx<'_, '_>,
    ) {
        let reply = |me: &Self, match_index, cx: Cx<'_, '_>| {
            cx.send(
                NodeId(from),
                Msg::InstallSnapshotReply {
                    term: me.term,
                    match_index,
                },
            );
        };
        if term < self.term {
            reply(self, 0, cx);
            return;
        }
        self.become_follower(term, cx);
        self.pre_votes = None;
        self.leader = Some(from);
        self.heard_leader = Some(cx.now());
        self.reset_election_timer(Time::ZERO, cx);
        let index = snap.index;
        if index > self.applied {
            self.log.install(index, snap.term);
            self.kv = snap.kv.clone();
            self.applied = index;
            let state = self.kv.digest();
            let st = snap.term;
            self.snapshot = Some(snap);
            self.persist(cx);
            cx.observe(Obs::Snapshot {
                index,
                term: st,
                state,
                installed: true,
            });
            cx.observe(Obs::Log {
                keep: index,
                entries: self.log.entries().to_vec(),
            });
            if index > self.commit {
                self.commit = index;
                cx.observe(Obs::Commit {
                    index,
                    term: self.term,
                });
            }
        }
        // Its log matches the leader's up to the snapshot (whose entries are committed).
        reply(self, index, cx);
    }

    /// Leader: a follower holds the snapshot up to `match_index`.
    pub(super) fn on_install_snapshot_reply(
        &mut self,
        from: u32,
        term: Term,
        match_index: Index,
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
        let Role::Leader { next, matched } = &mut self.role else {
            return;
        };
        let f = from as usize;
        matched[f] = matched[f].max(match_index);
        next[f] = next[f].max(match_index + 1);
        let behind = next[f] <= last;
        self.advance_commit(cx);
        if behind {
            self.send_append(from, cx);
        }
    }
}
