//! The membership checker, beside the Figure 3 checker when a run changes its
//! configuration: `config_one_at_a_time` (always), no leader's log ever holds two
//! configuration entries that are not committed (the single-server rule: each change
//! commits before the next is appended, so any two configurations in use overlap in a
//! majority). Election Safety ("two leaders of one term") stays with [`super::RaftChecker`],
//! whose Figure 3 properties need no change: they are judged from what servers did, and
//! each server counted its majorities in the configuration it used.

use sim::{Checker, Event, NodeId, Property, Record, Time, Verdicts};

use super::messages::{Entry, Index, KvOp, Obs, RoleName};
use super::node::RaftNode;
use super::params::Params;

/// The membership checker.
#[derive(Debug)]
pub struct MembershipChecker {
    names: Vec<String>,
    servers: u32,
    /// Per server, per log entry: is it a configuration?
    configs: Vec<Vec<bool>>,
    leading: Vec<bool>,
    /// The highest index any server committed (committed entries stay committed).
    committed: Index,
}

impl MembershipChecker {
    /// A checker for the cluster `p` describes.
    pub fn new(p: &Params) -> Self {
        let n = p.servers as usize;
        MembershipChecker {
            names: p.names(),
            servers: p.servers,
            configs: vec![Vec::new(); n],
            leading: vec![false; n],
            committed: 0,
        }
    }

    fn judge(&self, node: NodeId, out: &mut Verdicts) {
        let i = node.idx();
        if !self.leading[i] {
            return;
        }
        let log = &self.configs[i];
        let pending: Vec<usize> = (self.committed as usize..log.len())
            .filter(|&k| log[k])
            .map(|k| k + 1)
            .collect();
        if pending.len() > 1 {
            out.fail(
                "config_one_at_a_time",
                format!(
                    "leader {} holds uncommitted configurations at indexes {pending:?} (committed up to {})",
                    self.names[i], self.committed
                ),
            );
        }
    }

    fn on_log(&mut self, node: NodeId, keep: Index, entries: &[Entry]) {
        let log = &mut self.configs[node.idx()];
        // An installed snapshot keeps `keep` entries the server never saw one by one: they
        // are committed, so never judged, and stand in as plain entries.
        log.resize(keep as usize, false);
        log.extend(
            entries
                .iter()
                .map(|e| matches!(e.cmd.op, KvOp::Config { .. })),
        );
    }
}

impl Checker<RaftNode> for MembershipChecker {
    fn properties(&self) -> Vec<Property> {
        vec![Property::always("config_one_at_a_time")]
    }

    fn observe(&mut self, _at: Time, node: NodeId, obs: &Obs, out: &mut Verdicts) {
        if node.0 >= self.servers {
            return;
        }
        match obs {
            Obs::Role { role, .. } => self.leading[node.idx()] = *role == RoleName::Leader,
            Obs::Log { keep, entries } => self.on_log(node, *keep, entries),
            Obs::Commit { index, .. } => {
                let top = (*index).min(self.configs[node.idx()].len() as Index);
                self.committed = self.committed.max(top);
            }
            Obs::Apply { .. } | Obs::Invoke { .. } | Obs::Return { .. } | Obs::Snapshot { .. } => {}
        }
        self.judge(node, out);
    }

    fn node_event(&mut self, rec: &Record<'_>, _out: &mut Verdicts) {
        if let Event::Crash { node } = rec.event
            && node.0 < self.servers
        {
            self.leading[node.idx()] = false;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::raft::messages::Command;

    fn entry(op: KvOp) -> Entry {
        Entry {
            term: 1,
            cmd: Command {
                client: 0,
                inc: 0,
                seq: 1,
                op,
            },
        }
    }

    // Shows: a leader with two uncommitted configurations fails `config_one_at_a_time`;
    // one, or two of which the first is committed, pass; a follower's log is not judged.
    #[test]
    fn two_uncommitted_configurations_fail() {
        let p = Params {
            servers: 4,
            ..Params::default()
        };
        let mut c = MembershipChecker::new(&p);
        let feed = |c: &mut MembershipChecker, node: u32, obs: Obs| {
            let mut v = Verdicts::default();
            c.observe(Time::ZERO, NodeId(node), &obs, &mut v);
            format!("{v:?}").contains("config_one_at_a_time")
        };
        let cfg = |m| entry(KvOp::Config { members: m });
        let log = |keep, entries| Obs::Log { keep, entries };
        assert!(
            !feed(&mut c, 1, log(0, vec![cfg(7), cfg(15)])),
            "a follower"
        );
        let lead = Obs::Role {
            term: 1,
            role: RoleName::Leader,
        };
        assert!(!feed(&mut c, 0, lead));
        assert!(!feed(&mut c, 0, log(0, vec![entry(KvOp::Noop), cfg(7)])));
        assert!(!feed(&mut c, 0, Obs::Commit { index: 2, term: 1 }));
        assert!(!feed(&mut c, 0, log(2, vec![cfg(15)])));
        assert!(feed(&mut c, 0, log(3, vec![cfg(7)])));
    }
}
