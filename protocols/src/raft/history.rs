//! Client histories: every operation with its invocation and answer times, in the shape a
//! linearizability checker for a key-value model reads (one record per operation; an
//! operation whose client crashed before the answer has no return and an unknown outcome).

use sim::Time;

use super::messages::{KvOp, KvResult};
use crate::linearizability::{Call, Op, Ret};

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
