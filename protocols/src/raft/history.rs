//! Client histories: every operation with its invocation and answer times, in the shape a
//! linearizability checker for a key-value model reads (one record per operation; an
//! operation whose client crashed before the answer has no return and an unknown outcome).

use sim::Time;

use super::messages::{KvOp, KvResult};

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
