//! Log compaction (section 7 of the paper): a server that has applied
//! `snapshot_threshold` entries past its last snapshot snapshots its state machine (with
//! the session table, so a retried write still applies once), persists it and discards
//! the entries it covers; a leader whose follower needs compacted entries sends its
//! snapshot (InstallSnapshot, Figure 13, in one message); a restarted server restores its
//! state machine from its snapshot.

use std::rc::Rc;

use sim::{NodeId, Time};

use super::{Cx, Role, Server};
use crate::raft::kv::Kv;
use crate::raft::log::{Log, Snapshot};
use crate::raft::messages::{Durable, Index, Msg, Obs, Term};

/// The log and state machine a server restarts with: its snapshot's, then its log.
pub(super) fn restore(d: &Durable) -> (Log, Kv) {
    match &d.snapshot {
        Some(s) => (
            Log::new(s.index, s.term, d.log.clone()).with_config(s.config),
            s.kv.clone(),
        ),
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
        self.log.compact(index, term);
        self.snapshot = Some(Rc::new(Snapshot {
            index,
            term,
            kv: self.kv.clone(),
            config: self.log.base_config(),
        }));
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
        snap: Rc<Snapshot>,
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
            // The leader's snapshot holds the committed prefix: its configuration is ours.
            self.log = std::mem::take(&mut self.log).with_config(snap.config);
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

impl Server {
    /// How far the state machine has applied the log, and its digest (for tests that
    /// compare servers at the end of a run).
    pub fn applied_state(&self) -> (Index, u64) {
        (self.applied, self.kv.digest())
    }
}

#[cfg(test)]
mod tests {
    use std::rc::Rc;

    use sim::{FaultAction, FaultStep, LinkConfig, NodeId, Time, TimeDist, WorldBuilder};

    use crate::raft::{Campaign, Config, Params, RaftChecker, RaftNode};

    /// Runs `p` over 1-3 ms links with 5% loss, s3 down from `down.0` to `down.1` ms;
    /// returns each server's applied index and state digest at the end.
    fn run(p: &Params, down: (u64, u64), end: Time) -> Vec<(u64, u64)> {
        let mut b = WorldBuilder::<RaftNode>::new(3);
        for n in p.names() {
            b.node(&n);
        }
        let cfg = Rc::new(Config::new(p));
        b.factory(move |id, d| RaftNode::new(&cfg, id, d));
        b.checker(RaftChecker::new(p));
        b.default_link(LinkConfig {
            latency: TimeDist::Uniform {
                lo: Time::from_millis(1),
                hi: Time::from_millis(3),
            },
            loss: 0.05,
            duplicate: 0.0,
            fifo: false,
        });
        for (at, f) in [
            (down.0, FaultAction::Crash("s3".into())),
            (down.1, FaultAction::Restart("s3".into())),
        ] {
            b.fault(FaultStep {
                at: Time::from_millis(at),
                action: f,
            });
        }
        b.end(end);
        let mut w = b.build().unwrap();
        let r = w.run();
        assert_eq!(r.outcome(), "ok", "{:?}", r.violations);
        (0..p.servers)
            .map(|i| match w.actor(NodeId(i)) {
                Some(RaftNode::Server(s)) => s.applied_state(),
                _ => panic!("s{} is no server", i + 1),
            })
            .collect()
    }

    // Shows: over 3,000 operations, with s3 down for a stretch of them, every server ends
    // having applied all 3,000 entries with the same state machine (values and session
    // table), s3 by way of the leader's snapshot (the run is checked throughout: each
    // snapshot against the replayed applied prefix).
    #[test]
    fn servers_agree_after_a_long_compacted_run() {
        let p = Params {
            clients: 2,
            ops: 1500,
            snapshot_threshold: 50,
            election_timeout_min: Time::from_millis(150),
            election_timeout_max: Time::from_millis(300),
            campaigns: vec![Campaign {
                server: "s1".into(),
                at: Time::from_millis(1),
                jitter: Time::ZERO,
            }],
            ..Params::default()
        };
        let end = Time::from_secs(60);
        let states = run(&p, (2_000, 6_000), end);
        assert_eq!(states[0].0, 3_000, "every operation applied: {states:?}");
        assert!(states.iter().all(|s| *s == states[0]), "{states:?}");
    }
}
