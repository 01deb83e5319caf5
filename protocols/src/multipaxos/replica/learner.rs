//! The learner: the chosen prefix (from the leader's own decisions, or announced by the
//! leader and matched against this acceptor's values of the leader's ballot), catch-up from
//! the leader for what it lacks, and applying slots in order to the state machine (the
//! leader answers each command's client).

use sim::NodeId;

use super::{Cx, Replica};
use crate::multipaxos::messages::{Ballot, Msg, Obs, Slot, Value};

/// Most values in one catch-up answer.
const CATCH_UP: usize = 64;

impl Replica {
    /// The leader of `ballot` says every slot up to `commit` is chosen. A value this
    /// acceptor accepted in that very ballot is the chosen one (a leader proposes one value
    /// per slot per ballot); for any other slot it asks the leader.
    pub(super) fn learn_commit(&mut self, ballot: Ballot, commit: Slot, cx: Cx<'_, '_>) {
        let mut lacking = false;
        for s in self.commit + 1..=commit {
            if self.decided.contains_key(&s) {
                continue;
            }
            match self.accepted.get(&s) {
                Some((b, v)) if *b == ballot => {
                    let v = v.clone();
                    self.decide(s, v, cx);
                }
                _ => {
                    lacking = true;
                    break;
                }
            }
        }
        self.leader_commit = self.leader_commit.max(commit);
        if lacking {
            self.ask_leader(cx);
        }
        if self.cfg.bugs.skip_gaps {
            self.apply_ready(cx);
        }
    }

    /// Asks the leader for chosen values from the first slot it lacks (at most once per
    /// heartbeat interval, so a burst of accepts does not become a burst of requests).
    fn ask_leader(&mut self, cx: Cx<'_, '_>) {
        let Some(l) = self.leader.filter(|&l| l != self.me) else {
            return;
        };
        let now = cx.now();
        if self
            .learn_sent
            .is_some_and(|t| now < t + self.cfg.heartbeat)
        {
            return;
        }
        self.learn_sent = Some(now);
        cx.send(
            NodeId(l),
            Msg::Learn {
                from: self.commit + 1,
            },
        );
    }

    pub(super) fn on_learn(&mut self, from: u32, first: Slot, cx: Cx<'_, '_>) {
        if first == 0 || first > self.commit {
            return;
        }
        let values: Vec<Value> = self
            .decided
            .range(first..=self.commit)
            .take(CATCH_UP)
            .map(|(_, v)| v.clone())
            .collect();
        cx.send(
            NodeId(from),
            Msg::Decided {
                from: first,
                values,
            },
        );
    }

    pub(super) fn on_decided(&mut self, first: Slot, values: Vec<Value>, cx: Cx<'_, '_>) {
        let more = values.len() == CATCH_UP;
        for (k, v) in values.into_iter().enumerate() {
            let s = first + k as Slot;
            if !self.decided.contains_key(&s) {
                self.decide(s, v, cx);
            }
        }
        self.learn_sent = None;
        if more || self.commit < self.leader_commit {
            self.ask_leader(cx);
        }
    }

    /// `slot` is chosen with `value`: records it, extends the chosen prefix, applies.
    pub(super) fn decide(&mut self, slot: Slot, value: Value, cx: Cx<'_, '_>) {
        self.decided.insert(slot, value);
        while self.decided.contains_key(&(self.commit + 1)) {
            self.commit += 1;
        }
        if self.cfg.bugs.apply_out_of_order
            && slot > self.applied
            && self.applied_ahead.insert(slot)
        {
            self.apply_slot(slot, cx);
        }
        self.apply_ready(cx);
    }

    /// Applies every slot it may, in slot order: up to the chosen prefix (the `skip_gaps` bug:
    /// up to the leader's, a lacking slot as a no-op).
    fn apply_ready(&mut self, cx: Cx<'_, '_>) {
        let top = if self.cfg.bugs.skip_gaps {
            self.commit.max(self.leader_commit)
        } else {
            self.commit
        };
        while self.applied < top {
            let s = self.applied + 1;
            self.applied = s;
            if !self.applied_ahead.remove(&s) {
                self.apply_slot(s, cx);
            }
        }
    }

    fn apply_slot(&mut self, slot: Slot, cx: Cx<'_, '_>) {
        let value = self.decided.get(&slot).cloned().unwrap_or_default();
        cx.observe(Obs::Apply {
            slot,
            value: value.clone(),
        });
        let leader = self.is_leader();
        for c in &value.0 {
            let (result, executed) = self.kv.apply(c);
            if executed {
                cx.observe(Obs::Execute { cmd: *c });
            }
            if leader {
                cx.metrics().add("client_messages", 1.0);
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
}
