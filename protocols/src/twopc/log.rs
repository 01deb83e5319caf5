//! The durable write-ahead log of a node: the coordinator's incarnation and transaction
//! records, and the participant's transaction records. It is the actor's `Durable` state.
//!
//! The in-memory copy holds every record written; `persist` (a forced write) copies it all to
//! durable state, so lazy records reach the disk with the node's next forced write, as with a
//! sequential log buffer, and a crash before that loses them.

use std::collections::BTreeMap;

use super::message::TxnId;

/// A coordinator record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CoordRecord {
    /// Presumed commit only: forced before PREPARE leaves, lists the participants (all).
    Collecting,
    /// The commit decision.
    Commit,
    /// The abort decision (presumed nothing: forced; presumed commit: lazy).
    Abort,
}

/// A participant record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PartRecord {
    /// Voted YES: forced before the vote leaves. The participant is uncertain.
    Prepared,
    /// Committed.
    Committed,
    /// Aborted (voted NO, told abort, or aborted on its own before voting).
    Aborted,
}

/// A node's log. Removing a coordinator record is its (lazy) end record.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Log {
    /// Coordinator starts so far (forced at every start).
    pub incarnation: u32,
    /// Coordinator records of transactions not yet ended.
    pub coord: BTreeMap<TxnId, CoordRecord>,
    /// Participant records.
    pub part: BTreeMap<TxnId, PartRecord>,
}
