//! Multi-Paxos properties, judged apart from the replicas from their observations, after
//! every event; plus liveness and the client history at the end.
//!
//! "v is chosen in slot s" is computed from the acceptors' votes, as for single-decree Paxos:
//! some ballot b had a majority of acceptors that at some time accepted (b, v) in s, whatever
//! they accepted later and whether or not they still remember it.
//!
//! - `slot_agreement` (always): at most one value is chosen per slot.
//! - `applied_prefix` (always): every replica applies slots 1, 2, 3, ... in order (from slot
//!   1 again after a restart), and the value it applies in a slot is the one chosen there
//!   (already chosen when it applies it); so any two replicas' applied sequences are
//!   prefixes of one log.
//! - `applied_once` (always): no replica's state machine executes a client command twice
//!   (a retried command chosen in two slots is answered from the session table).
//! - `linearizable` (always, judged at the end): the clients' history is linearizable for a
//!   key-value store of cas registers ([`crate::linearizability`], one key at a time);
//!   operations never answered may have taken effect or not.
//! - `leader_elected` and `requests_answered` (eventually, when the scenario expects
//!   progress; else reported): some replica led, and by the end every client operation was
//!   answered (except those whose client crashed first).

use std::collections::{BTreeMap, BTreeSet};

use sim::{Checker, Event, NodeId, Property, Record, Time, Verdicts};

use super::messages::{Ballot, Obs, Slot, Value};
use super::node::MpNode;
use super::params::Params;
use crate::plugin::HistorySlot;
use crate::raft::history::{HistoryOp, judge_kv_history};

/// The Multi-Paxos checker.
#[derive(Debug)]
pub struct MpChecker {
    names: Vec<String>,
    replicas: u32,
    majority: u32,
    expect_progress: bool,
    /// (slot, ballot, value fingerprint) -> acceptors that ever accepted it (bit mask).
    votes: BTreeMap<(Slot, Ballot, u64), u64>,
    /// Per slot: the chosen value's fingerprint, its number of commands, the first ballot.
    chosen: BTreeMap<Slot, (u64, usize, Ballot)>,
    /// Per replica: the last slot applied since its last start.
    applied: Vec<Slot>,
    /// Per replica: client commands its state machine executed since its last start.
    executed: Vec<BTreeSet<(u32, u32, u64)>>,
    leading: Vec<bool>,
    leaders: u64,
    leader_crash: Option<Time>,
    failover_times: Vec<f64>,
    history: Vec<HistoryOp>,
    outstanding: BTreeMap<(u32, u32, u64), usize>,
    answered: u64,
    last_return: Option<Time>,
    export: Option<HistorySlot>,
}

impl MpChecker {
    /// A checker for the cluster `p` describes (node ids as in [`Params::names`]).
    pub fn new(p: &Params) -> Self {
        let n = p.replicas as usize;
        MpChecker {
            names: p.names(),
            replicas: p.replicas,
            majority: p.replicas / 2 + 1,
            expect_progress: p.expect_progress,
            votes: BTreeMap::new(),
            chosen: BTreeMap::new(),
            applied: vec![0; n],
            executed: vec![BTreeSet::new(); n],
            leading: vec![false; n],
            leaders: 0,
            leader_crash: None,
            failover_times: Vec::new(),
            history: Vec::new(),
            outstanding: BTreeMap::new(),
            answered: 0,
            last_return: None,
            export: None,
        }
    }

    /// Also leaves the client history and its verdict in `slot` at the end of the run.
    pub fn exporting(mut self, slot: HistorySlot) -> Self {
        self.export = Some(slot);
        self
    }

    /// The client history so far, in invocation order (convertible to
    /// [`crate::linearizability::Op`] with [`HistoryOp::to_op`]).
    pub fn history(&self) -> &[HistoryOp] {
        &self.history
    }

    /// Slots chosen so far, with their values' fingerprints.
    pub fn chosen(&self) -> Vec<(Slot, u64)> {
        self.chosen.iter().map(|(s, c)| (*s, c.0)).collect()
    }

    fn name(&self, n: NodeId) -> &str {
        self.names.get(n.idx()).map_or("?", String::as_str)
    }

    fn on_accepted(&mut self, node: NodeId, slot: Slot, b: Ballot, v: &Value, out: &mut Verdicts) {
        let print = v.fingerprint();
        let mask = self.votes.entry((slot, b, print)).or_insert(0);
        *mask |= 1 << node.0;
        if mask.count_ones() < self.majority {
            return;
        }
        match self.chosen.get(&slot) {
            None => {
                self.chosen.insert(slot, (print, v.0.len(), b));
            }
            Some((p, _, _)) if *p == print => {}
            Some((_, _, first)) => out.fail(
                "slot_agreement",
                format!(
                    "slot {slot}: a second value ({} commands) chosen in ballot {b} after another was chosen in ballot {first}",
                    v.0.len()
                ),
            ),
        }
    }

    fn on_apply(&mut self, node: NodeId, slot: Slot, v: &Value, out: &mut Verdicts) {
        let i = node.idx();
        let last = self.applied[i];
        self.applied[i] = slot.max(last);
        if slot != last + 1 {
            out.fail(
                "applied_prefix",
                format!("{} applied slot {slot} after slot {last}", self.name(node)),
            );
            return;
        }
        match self.chosen.get(&slot) {
            Some((p, _, _)) if *p == v.fingerprint() => {}
            Some(_) => out.fail(
                "applied_prefix",
                format!(
                    "{} applied a value in slot {slot} ({} commands) that is not the one chosen there",
                    self.name(node),
                    v.0.len()
                ),
            ),
            None => out.fail(
                "applied_prefix",
                format!(
                    "{} applied slot {slot} ({} commands) before any value was chosen there",
                    self.name(node),
                    v.0.len()
                ),
            ),
        }
    }

    fn on_client(&mut self, at: Time, node: NodeId, obs: &Obs) {
        match obs {
            Obs::Invoke { cmd } => {
                self.outstanding
                    .insert((node.0, cmd.inc, cmd.seq), self.history.len());
                self.history.push(HistoryOp {
                    client: node.0,
                    inc: cmd.inc,
                    seq: cmd.seq,
                    invoke: at,
                    ret: None,
                    op: cmd.op,
                    result: None,
                    abandoned: false,
                });
            }
            Obs::Return { inc, seq, result } => {
                if let Some(k) = self.outstanding.remove(&(node.0, *inc, *seq)) {
                    self.history[k].ret = Some(at);
                    self.history[k].result = Some(*result);
                    self.answered += 1;
                    self.last_return = Some(at);
                }
            }
            _ => {}
        }
    }

    /// Runs the linearizability check over the whole client history (and leaves it in the
    /// export slot, if any).
    fn judge_history(&self, out: &mut Verdicts) {
        let name = |c: u32| self.name(NodeId(c)).to_string();
        judge_kv_history(
            &self.history,
            &name,
            self.export.as_ref(),
            "multipaxos",
            out,
        );
    }
}

impl Checker<MpNode> for MpChecker {
    fn properties(&self) -> Vec<Property> {
        let progress = |n: &str| {
            if self.expect_progress {
                Property::eventually(n)
            } else {
                Property::sometimes(n)
            }
        };
        vec![
            Property::always("slot_agreement"),
            Property::always("applied_prefix"),
            Property::always("applied_once"),
            Property::always("linearizable"),
            progress("leader_elected"),
            progress("requests_answered"),
        ]
    }

    fn observe(&mut self, at: Time, node: NodeId, obs: &Obs, out: &mut Verdicts) {
        if node.0 >= self.replicas {
            self.on_client(at, node, obs);
            return;
        }
        match obs {
            Obs::Leader { .. } => {
                out.hold("leader_elected");
                self.leaders += 1;
                self.leading[node.idx()] = true;
                if let Some(t) = self.leader_crash.take() {
                    self.failover_times.push((at - t).as_secs_f64());
                }
            }
            Obs::Follower => self.leading[node.idx()] = false,
            Obs::Accepted {
                slot,
                ballot,
                value,
            } => self.on_accepted(node, *slot, *ballot, value, out),
            Obs::Apply { slot, value } => self.on_apply(node, *slot, value, out),
            Obs::Execute { cmd } => {
                if !self.executed[node.idx()].insert((cmd.client, cmd.inc, cmd.seq)) {
                    out.fail(
                        "applied_once",
                        format!(
                            "{} executed request {} of {} (session {}) a second time: {:?}",
                            self.name(node),
                            cmd.seq,
                            self.name(NodeId(cmd.client)),
                            cmd.inc,
                            cmd.op
                        ),
                    );
                }
            }
            Obs::Invoke { .. } | Obs::Return { .. } => {}
        }
    }

    fn node_event(&mut self, rec: &Record<'_>, _out: &mut Verdicts) {
        let Event::Crash { node } = rec.event else {
            return;
        };
        if node.0 < self.replicas {
            let i = node.idx();
            if self.leading[i] && self.leader_crash.is_none() {
                self.leader_crash = Some(rec.time);
            }
            self.leading[i] = false;
            self.applied[i] = 0;
            self.executed[i].clear();
        } else {
            for (&(c, _, _), &k) in &self.outstanding {
                if c == node.0 {
                    self.history[k].abandoned = true;
                }
            }
            self.outstanding.retain(|&(c, _, _), _| c != node.0);
        }
    }

    fn finish(&mut self, _end: Time, out: &mut Verdicts) {
        self.judge_history(out);
        match self.outstanding.len() {
            0 => out.hold("requests_answered"),
            n if self.expect_progress => {
                let (&(c, inc, seq), _) = self.outstanding.iter().next().expect("n > 0");
                out.fail(
                    "requests_answered",
                    format!(
                        "{n} client requests unanswered at the end, the first request {seq} of {} (session {inc})",
                        self.name(NodeId(c))
                    ),
                );
            }
            _ => {}
        }
    }

    fn metrics(&self) -> Vec<(String, f64)> {
        let commands: usize = self.chosen.values().map(|c| c.1).sum();
        let mut m = vec![
            ("leaders".to_string(), self.leaders as f64),
            ("slots_chosen".to_string(), self.chosen.len() as f64),
            ("commands_chosen".to_string(), commands as f64),
            ("ops_answered".to_string(), self.answered as f64),
            ("ops_unanswered".to_string(), self.outstanding.len() as f64),
        ];
        if let Some(&t) = self.failover_times.first() {
            m.push(("failover_time".to_string(), t));
            let worst = self.failover_times.iter().copied().fold(0.0, f64::max);
            m.push(("failover_time_max".to_string(), worst));
        }
        if let (Some(first), Some(last)) = (self.history.first(), self.last_return)
            && last > first.invoke
        {
            let span = (last - first.invoke).as_secs_f64();
            m.push(("throughput".to_string(), self.answered as f64 / span));
        }
        m
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::multipaxos::messages::{Command, KvOp};

    fn value(seq: u64) -> Value {
        Value(vec![Command {
            client: 3,
            inc: 0,
            seq,
            op: KvOp::Put { key: 0, value: seq },
        }])
    }

    fn b(round: u64, leader: u32) -> Ballot {
        Ballot { round, leader }
    }

    /// Feeds one observation from replica `node`; returns the properties it failed.
    fn feed(c: &mut MpChecker, node: u32, obs: Obs) -> Vec<String> {
        let mut v = Verdicts::default();
        c.observe(Time::ZERO, NodeId(node), &obs, &mut v);
        let s = format!("{v:?}");
        c.properties()
            .into_iter()
            .map(|p| p.name)
            .filter(|n| s.contains(&format!("(\"{n}\"")))
            .collect()
    }

    fn acc(slot: Slot, ballot: Ballot, v: Value) -> Obs {
        Obs::Accepted {
            slot,
            ballot,
            value: v,
        }
    }

    // Shows: a value is chosen by a majority of votes in one ballot (votes in different
    // ballots do not add up); a second value chosen in the slot fails `slot_agreement`,
    // the same value chosen again in a later ballot does not.
    #[test]
    fn slot_agreement_counts_majorities_per_ballot() {
        let mut c = MpChecker::new(&Params::default());
        assert!(feed(&mut c, 0, acc(1, b(1, 0), value(1))).is_empty());
        assert!(feed(&mut c, 1, acc(1, b(2, 1), value(2))).is_empty());
        assert!(c.chosen().is_empty(), "one vote each in two ballots");
        assert!(feed(&mut c, 1, acc(1, b(1, 0), value(1))).is_empty());
        assert_eq!(c.chosen(), [(1, value(1).fingerprint())]);
        assert!(feed(&mut c, 2, acc(1, b(3, 2), value(1))).is_empty());
        assert!(feed(&mut c, 0, acc(1, b(3, 2), value(1))).is_empty());
        assert!(feed(&mut c, 2, acc(1, b(4, 2), value(2))).is_empty());
        assert_eq!(
            feed(&mut c, 0, acc(1, b(4, 2), value(2))),
            ["slot_agreement"]
        );
    }

    // Shows: applying a slot out of order, a value not chosen, or a slot nothing was chosen
    // in fails `applied_prefix`; applying the chosen values in order does not, and a crash
    // (not fed here) is what lets a replica start again from slot 1.
    #[test]
    fn applied_prefix_follows_the_chosen_log() {
        let mut c = MpChecker::new(&Params::default());
        for n in 0..2 {
            feed(&mut c, n, acc(1, b(1, 0), value(1)));
            feed(&mut c, n, acc(2, b(1, 0), value(2)));
        }
        let apply = |slot, v| Obs::Apply { slot, value: v };
        assert_eq!(feed(&mut c, 0, apply(2, value(2))), ["applied_prefix"]);
        assert!(feed(&mut c, 1, apply(1, value(1))).is_empty());
        assert!(feed(&mut c, 1, apply(2, value(2))).is_empty());
        assert_eq!(feed(&mut c, 2, apply(1, Value::noop())), ["applied_prefix"]);
        assert_eq!(feed(&mut c, 1, apply(3, value(3))), ["applied_prefix"]);
        let exec = Obs::Execute { cmd: value(1).0[0] };
        assert!(feed(&mut c, 1, exec.clone()).is_empty());
        assert_eq!(feed(&mut c, 1, exec), ["applied_once"]);
    }
}
