//! Failover properties, judged from observations apart from the servers.
//!
//! - `single_primary` (always): at no instant do two servers serve clients. Serving intervals
//!   run from a server's `Serving` to its `Stopped` or its crash (true time): a crashed
//!   server answers nobody, and a restarted one reports `Serving` afresh if it serves again
//!   (its lease is volatile; role and epoch are durable). A paused server keeps serving in
//!   this sense: it wakes up believing it may. Metrics: `overlap_ms` (total
//!   time two served at once), `gap_ms` (time after the first server started serving during
//!   which none did: the failover's unavailability), `promotions`, and `promoted_at_s` /
//!   `first_primary_stopped_at_s` (true times of the first promotion and of the first
//!   primary's last stop, for lease arithmetic).
//! - `linearizable` (always, judged at the end): the clients' reads and writes form a
//!   linearizable register history ([`crate::linearizability`], register model; the
//!   register's initial 0, which no client writes, is the checker's nil). Completed
//!   operations enter with their interval; `NotPrimary` answers had no effect and are left
//!   out; writes with unknown outcome (failed replication, timeout) may take effect any time
//!   after their call or never; reads without an answer constrain nothing. A client's
//!   operations are known by (client, op id); ids carry the client's incarnation, so a
//!   restarted client's operations never collide with those of its previous life, whose
//!   pending ones stay unknown. A history the search cannot decide within the default
//!   [`crate::linearizability::Budget`] fails the property with "undecided", never passes it.
//!
//! Metrics also count `ops_done`, `ops_refused`, `ops_unknown`.

use std::collections::BTreeMap;

use sim::{Checker, Event, NodeId, Property, Record, Time, Verdicts};

use crate::linearizability::{self as lin, Budget, Call, Model, Op, Ret, Verdict};
use crate::plugin::{ClientHistory, HistorySlot};

use super::node::{FailoverNode, Obs, OpKind, OpResult};

#[derive(Clone, Debug)]
struct OpRecord {
    invoke: Time,
    kind: OpKind,
    outcome: Outcome,
}

#[derive(Clone, Copy, Debug)]
enum Outcome {
    Pending,
    Done(Time, OpResult),
    Refused,
    Unknown,
}

/// Checks `single_primary` and `linearizable`.
#[derive(Debug)]
pub struct FailoverChecker {
    names: Vec<String>,
    serving: BTreeMap<NodeId, u64>,
    overlap_since: Option<Time>,
    overlap: Time,
    gap_since: Option<Time>,
    gap: Time,
    started: bool,
    promotions: u64,
    /// Highest epoch any server has served in.
    top_epoch: u64,
    promoted_at: Option<Time>,
    first_stopped_at: Option<Time>,
    ops: BTreeMap<(NodeId, u64), OpRecord>,
    export: Option<HistorySlot>,
}

impl FailoverChecker {
    /// A checker; `names` are node names by id, for messages.
    pub fn new(names: Vec<String>) -> Self {
        FailoverChecker {
            names,
            serving: BTreeMap::new(),
            overlap_since: None,
            overlap: Time::ZERO,
            gap_since: None,
            gap: Time::ZERO,
            started: false,
            promotions: 0,
            top_epoch: 0,
            promoted_at: None,
            first_stopped_at: None,
            ops: BTreeMap::new(),
            export: None,
        }
    }

    /// Also leaves the client history and its verdict in `slot` at the end of the run.
    pub fn exporting(mut self, slot: HistorySlot) -> Self {
        self.export = Some(slot);
        self
    }

    fn name(&self, n: NodeId) -> &str {
        self.names.get(n.idx()).map_or("?", String::as_str)
    }

    /// The clients' history for the register model, with each op's (client, op id).
    fn history(&self) -> (Vec<Op>, Vec<(NodeId, u64)>) {
        let key = String::new();
        let mut ops = Vec::new();
        let mut ids = Vec::new();
        for (&(client, n), r) in &self.ops {
            let call = match r.kind {
                OpKind::Read => Call::Read { key: key.clone() },
                OpKind::Write(v) => Call::Write {
                    key: key.clone(),
                    value: register_value(v),
                },
            };
            let (ret, result) = match (r.kind, r.outcome) {
                (_, Outcome::Refused) => continue,
                (_, Outcome::Pending | Outcome::Unknown) => (None, None),
                (OpKind::Write(_), Outcome::Done(t, _)) => (Some(t), Some(Ret::Ok)),
                (OpKind::Read, Outcome::Done(t, OpResult::Value(v))) => (
                    Some(t),
                    Some(Ret::Read((v != 0).then(|| register_value(v)))),
                ),
                (OpKind::Read, Outcome::Done(_, res)) => panic!("a read completed with {res:?}"),
            };
            ops.push(Op {
                client: u64::from(client.0),
                invoke: r.invoke.as_nanos(),
                ret: ret.map(Time::as_nanos),
                call,
                result,
            });
            ids.push((client, n));
        }
        (ops, ids)
    }
}

/// A written value as the checker's register holds it (values carry a client's incarnation
/// in their high half, far below `i64::MAX`).
fn register_value(v: u64) -> i64 {
    i64::try_from(v).expect("failover values fit an i64")
}

impl Checker<FailoverNode> for FailoverChecker {
    fn properties(&self) -> Vec<Property> {
        vec![
            Property::always("single_primary"),
            Property::always("linearizable"),
        ]
    }

    fn observe(&mut self, at: Time, node: NodeId, obs: &Obs, v: &mut Verdicts) {
        match *obs {
            Obs::Serving { epoch } => {
                if epoch > 1 && self.promoted_at.is_none() {
                    self.promoted_at = Some(at);
                }
                // A promoted server that restarts serves its epoch again: one promotion.
                if epoch > self.top_epoch {
                    self.top_epoch = epoch;
                    if epoch > 1 {
                        self.promotions += 1;
                    }
                }
                if let Some(g) = self.gap_since.take() {
                    self.gap += Time(at.0 - g.0);
                }
                self.started = true;
                if let Some((&other, &e)) = self.serving.iter().find(|(n, _)| **n != node) {
                    if self.overlap_since.is_none() {
                        self.overlap_since = Some(at);
                    }
                    let me = self.name(node).to_string();
                    v.fail(
                        "single_primary",
                        format!("{me} starts serving (epoch {epoch}) at {at} while {} still serves (epoch {e})", self.name(other)),
                    );
                }
                self.serving.insert(node, epoch);
            }
            Obs::Stopped { .. } => self.stopped(at, node),
            Obs::Invoke { op, kind } => {
                self.ops.insert(
                    (node, op),
                    OpRecord {
                        invoke: at,
                        kind,
                        outcome: Outcome::Pending,
                    },
                );
            }
            Obs::Done { op, result } => self.set(node, op, Outcome::Done(at, result)),
            Obs::Refused { op } => self.set(node, op, Outcome::Refused),
            Obs::Unknown { op } => self.set(node, op, Outcome::Unknown),
        }
    }

    fn node_event(&mut self, rec: &Record<'_>, _v: &mut Verdicts) {
        if let Event::Crash { node } = rec.event
            && self.serving.contains_key(&node)
        {
            self.stopped(rec.time, node);
        }
    }

    fn finish(&mut self, end: Time, v: &mut Verdicts) {
        if let Some(s) = self.overlap_since.take() {
            self.overlap += Time(end.0 - s.0);
        }
        if let Some(g) = self.gap_since.take() {
            self.gap += Time(end.0 - g.0);
        }
        let (ops, ids) = self.history();
        let verdict = match lin::check(Model::Register, &ops, &Budget::default()) {
            Ok(verdict) => verdict,
            Err(e) => panic!("the failover checker built a malformed history: {e}"),
        };
        match &verdict {
            Verdict::Linearizable => {}
            Verdict::NotLinearizable(rep) => {
                let (client, n) = ids[rep.culprit];
                let o = &ops[rep.culprit];
                let when = o.ret.map_or("never answered".to_string(), |r| {
                    format!("answered at {}", Time::from_nanos(r))
                });
                v.fail(
                    "linearizable",
                    format!(
                        "no linearization of {} operations explains {}'s op {n}: {:?} -> {:?} \
                         invoked at {}, {when} (after the longest linearizable prefix, {} ops)",
                        ops.len(),
                        self.name(client),
                        o.call,
                        o.result,
                        Time::from_nanos(o.invoke),
                        rep.linearized.len()
                    ),
                );
            }
            Verdict::Unknown(u) => v.fail(
                "linearizable",
                format!("undecided: the search ran out of budget ({u})"),
            ),
        }
        if let Some(slot) = &self.export {
            // One name per client, not per operation: sweeps export every run's history.
            let mut clients = BTreeMap::new();
            for &(c, _) in &ids {
                clients
                    .entry(u64::from(c.0))
                    .or_insert_with(|| self.name(c).to_string());
            }
            slot.put(ClientHistory {
                model: Model::Register,
                ops,
                clients,
                verdict,
            });
        }
    }

    fn metrics(&self) -> Vec<(String, f64)> {
        let count =
            |f: fn(&Outcome) -> bool| self.ops.values().filter(|r| f(&r.outcome)).count() as f64;
        let mut m = vec![
            ("overlap_ms".to_string(), self.overlap.as_millis_f64()),
            ("gap_ms".to_string(), self.gap.as_millis_f64()),
            ("promotions".to_string(), self.promotions as f64),
            (
                "ops_done".to_string(),
                count(|o| matches!(o, Outcome::Done(..))),
            ),
            (
                "ops_refused".to_string(),
                count(|o| matches!(o, Outcome::Refused)),
            ),
            (
                "ops_unknown".to_string(),
                count(|o| matches!(o, Outcome::Unknown | Outcome::Pending)),
            ),
        ];
        if let Some(t) = self.promoted_at {
            m.push(("promoted_at_s".to_string(), t.as_secs_f64()));
        }
        if let Some(t) = self.first_stopped_at {
            m.push(("first_primary_stopped_at_s".to_string(), t.as_secs_f64()));
        }
        m
    }
}

impl FailoverChecker {
    /// `node` stops serving at `at` (its `Stopped`, or its crash).
    fn stopped(&mut self, at: Time, node: NodeId) {
        self.serving.remove(&node);
        if node == NodeId(0) {
            self.first_stopped_at = Some(at);
        }
        if self.serving.len() <= 1
            && let Some(s) = self.overlap_since.take()
        {
            self.overlap += Time(at.0 - s.0);
        }
        if self.serving.is_empty() && self.started {
            self.gap_since = Some(at);
        }
    }

    fn set(&mut self, client: NodeId, op: u64, outcome: Outcome) {
        let r = self
            .ops
            .get_mut(&(client, op))
            .expect("an outcome for an operation never invoked");
        r.outcome = outcome;
    }
}
