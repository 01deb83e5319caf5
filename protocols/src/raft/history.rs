//! Client histories: every operation with its invocation and answer times, in the shape a
//! linearizability checker for a key-value model reads (one record per operation; an
//! operation whose client crashed before the answer has no return and an unknown outcome).

use sim::Time;

use super::messages::{KvOp, KvResult};
use std::collections::BTreeMap;

use sim::Verdicts;

use crate::linearizability::{self as lin, Budget, Call, Model, Op, Ret, Verdict};
use crate::plugin::{ClientHistory, HistorySlot};

/// One client operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HistoryOp {
    /// The client's node id.
    pub client: u32,
    /// The client's incarnation.
    pub inc: u32,
    /// Request id within the incarnation.
    pub seq: u64,
    /// Invocation (true time).
    pub invoke: Time,
    /// Answer (true time); `None` while outstanding or if the client crashed first.
    pub ret: Option<Time>,
    /// The operation.
    pub op: KvOp,
    /// Its result, if answered.
    pub result: Option<KvResult>,
    /// The client crashed while it was outstanding (its outcome is unknown for ever).
    pub abandoned: bool,
}

impl HistoryOp {
    /// The operation as the linearizability checker reads it (key-value model): keys by
    /// number, the never-written value 0 as nil, an unanswered operation with unknown outcome.
    pub fn to_op(&self) -> Op {
        let key = self.op.key().to_string();
        // Written values are unique and below 2^63, so the cast is exact.
        let call = match self.op {
            // Clients never send the internal entries; as reads they would change nothing.
            KvOp::Get { .. } | KvOp::Noop | KvOp::Config { .. } => Call::Read { key },
            KvOp::Put { value, .. } => Call::Write {
                key,
                value: value as i64,
            },
            KvOp::Cas { expect, new, .. } => Call::Cas {
                key,
                from: expect as i64,
                to: new as i64,
            },
        };
        let result = self.result.map(|r| match r {
            KvResult::Value(0) => Ret::Read(None),
            KvResult::Value(v) => Ret::Read(Some(v as i64)),
            KvResult::Written | KvResult::Swapped(true) => Ret::Ok,
            KvResult::Swapped(false) => Ret::CasFailed,
        });
        Op {
            client: (u64::from(self.client) << 32) | u64::from(self.inc),
            invoke: self.invoke.0,
            ret: self.ret.map(|t| t.0),
            call,
            result,
        }
    }
}

/// Judges a key-value client history (Raft's or Multi-Paxos's) for linearizability at the
/// end of a run: on a violation `linearizable` fails with the culprit's request, and the
/// history with its verdict is left in `export` if the run asked for it. `name` names a
/// client node; `who` names the checker in the panic a malformed history would be.
pub fn judge_kv_history(
    history: &[HistoryOp],
    name: &dyn Fn(u32) -> String,
    export: Option<&HistorySlot>,
    who: &str,
    out: &mut Verdicts,
) {
    let ops: Vec<lin::Op> = history.iter().map(HistoryOp::to_op).collect();
    let verdict = match lin::check(Model::Kv, &ops, &Budget::default()) {
        Ok(v) => v,
        Err(e) => panic!("the {who} checker built a malformed history: {e}"),
    };
    match &verdict {
        Verdict::Linearizable => {}
        Verdict::NotLinearizable(rep) => {
            let h = &history[rep.culprit];
            let when = h
                .ret
                .map_or("never answered".to_string(), |r| format!("answered at {r}"));
            out.fail(
                "linearizable",
                format!(
                    "key {}: no linearization of the history explains {}'s request {} (session {}): {:?} -> {:?}, invoked at {}, {when}, after {} operations of that key",
                    rep.key,
                    name(h.client),
                    h.seq,
                    h.inc,
                    h.op,
                    h.result,
                    h.invoke,
                    rep.linearized.len()
                ),
            );
        }
        Verdict::Unknown(u) => out.fail(
            "linearizable",
            format!("undecided: the search ran out of budget ({u})"),
        ),
    }
    if let Some(slot) = export {
        // One name per session, not per operation: sweeps export every run's history.
        let mut clients = BTreeMap::new();
        for (h, op) in history.iter().zip(&ops) {
            clients.entry(op.client).or_insert_with(|| match h.inc {
                0 => name(h.client),
                inc => format!("{} after restart {inc}", name(h.client)),
            });
        }
        slot.put(ClientHistory {
            model: Model::Kv,
            ops,
            clients,
            verdict,
        });
    }
}
