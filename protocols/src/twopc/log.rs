//! The write-ahead log of a node: the coordinator's incarnation and transaction records, and
//! the participant's transaction records.
//!
//! A node works on its in-memory [`Log`]: the current records (maps, for lookups) and a buffer
//! of the changes written since the last forced write. A forced write ([`Log::force`]) moves
//! the buffer to the disk as one new batch, so lazy records reach the disk with the node's next
//! forced write, as with a sequential log buffer, and a crash before that loses them. The disk
//! ([`DurableLog`], the actor's `Durable` state) is a chain of immutable batches shared behind
//! `Arc`s: a forced write appends one batch and hands the kernel a new head, O(records in the
//! batch), instead of copying the whole log; a durable state the kernel already holds never
//! changes, so a crash keeps exactly what was persisted. A restart replays the chain
//! ([`Log::recover`]).

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

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

/// One change to a log, as it is written to the disk.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Entry {
    /// The coordinator's incarnation is now this.
    Incarnation(u32),
    /// A coordinator record; `None` is the end record (the transaction is forgotten).
    Coord(TxnId, Option<CoordRecord>),
    /// A participant record.
    Part(TxnId, PartRecord),
}

/// One forced write: the changes it carried and the batches before it.
struct Batch {
    entries: Vec<Entry>,
    prev: Option<Arc<Batch>>,
}

impl Drop for Batch {
    // The default drop would recurse once per batch and overflow the stack on a long log;
    // unlink the chain iteratively instead, stopping at a batch another head still shares.
    fn drop(&mut self) {
        let mut next = self.prev.take();
        while let Some(b) = next {
            next = match Arc::try_unwrap(b) {
                Ok(mut owned) => owned.prev.take(),
                Err(_) => None,
            };
        }
    }
}

/// What a node's log holds on the disk: every forced batch, newest first, shared with the
/// in-memory log that wrote it. Cloning it is O(1).
#[derive(Clone, Default)]
pub struct DurableLog {
    head: Option<Arc<Batch>>,
}

impl DurableLog {
    /// The log a restarted node reads: every record on the disk, replayed in write order.
    pub fn replay(&self) -> Log {
        let mut batches = Vec::new();
        let mut cur = self.head.as_deref();
        while let Some(b) = cur {
            batches.push(b);
            cur = b.prev.as_deref();
        }
        let mut log = Log {
            disk: self.clone(),
            ..Log::default()
        };
        for b in batches.iter().rev() {
            for e in &b.entries {
                log.apply(*e);
            }
        }
        log
    }
}

impl fmt::Debug for DurableLog {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let log = self.replay();
        f.debug_struct("DurableLog")
            .field("incarnation", &log.incarnation)
            .field("coord", &log.coord)
            .field("part", &log.part)
            .finish()
    }
}

/// A node's log in memory. Removing a coordinator record is its (lazy) end record.
#[derive(Clone, Debug, Default)]
pub struct Log {
    /// Coordinator starts so far (forced at every start).
    incarnation: u32,
    /// Coordinator records of transactions not yet ended.
    coord: BTreeMap<TxnId, CoordRecord>,
    /// Participant records.
    part: BTreeMap<TxnId, PartRecord>,
    /// What is on the disk.
    disk: DurableLog,
    /// Changes written since the last forced write, oldest first (lost by a crash).
    buffer: Vec<Entry>,
}

impl Log {
    /// The in-memory log of a node (re)started from `disk`.
    pub fn recover(disk: &DurableLog) -> Log {
        disk.replay()
    }

    /// Coordinator starts so far.
    pub fn incarnation(&self) -> u32 {
        self.incarnation
    }

    /// Coordinator records of transactions not yet ended.
    pub fn coord(&self) -> &BTreeMap<TxnId, CoordRecord> {
        &self.coord
    }

    /// Participant records.
    pub fn part(&self) -> &BTreeMap<TxnId, PartRecord> {
        &self.part
    }

    /// Writes a new incarnation record (one more coordinator start) and returns it.
    pub fn next_incarnation(&mut self) -> u32 {
        self.write(Entry::Incarnation(self.incarnation + 1));
        self.incarnation
    }

    /// Writes coordinator record `r` for `txn`.
    pub fn set_coord(&mut self, txn: TxnId, r: CoordRecord) {
        self.write(Entry::Coord(txn, Some(r)));
    }

    /// Writes the end record of `txn`: the coordinator forgets it.
    pub fn end_coord(&mut self, txn: TxnId) {
        self.write(Entry::Coord(txn, None));
    }

    /// Writes participant record `r` for `txn`.
    pub fn set_part(&mut self, txn: TxnId, r: PartRecord) {
        self.write(Entry::Part(txn, r));
    }

    /// The forced write: every change since the last one reaches the disk as one batch.
    /// Returns the disk's new state, for `ctx.persist`.
    pub fn force(&mut self) -> DurableLog {
        if !self.buffer.is_empty() {
            let batch = Batch {
                entries: std::mem::take(&mut self.buffer),
                prev: self.disk.head.take(),
            };
            self.disk.head = Some(Arc::new(batch));
        }
        self.disk.clone()
    }

    fn write(&mut self, e: Entry) {
        self.apply(e);
        self.buffer.push(e);
    }

    fn apply(&mut self, e: Entry) {
        match e {
            Entry::Incarnation(i) => self.incarnation = i,
            Entry::Coord(t, Some(r)) => {
                self.coord.insert(t, r);
            }
            Entry::Coord(t, None) => {
                self.coord.remove(&t);
            }
            Entry::Part(t, r) => {
                self.part.insert(t, r);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(seq: u32) -> TxnId {
        TxnId { inc: 1, seq }
    }

    /// The disk holds exactly what was forced: a later unforced change is lost on recovery,
    /// and a durable state handed out earlier never sees later batches.
    #[test]
    fn recovery_keeps_exactly_what_was_forced() {
        let mut log = Log::default();
        assert_eq!(log.next_incarnation(), 1);
        log.set_part(t(1), PartRecord::Prepared);
        log.set_coord(t(1), CoordRecord::Commit);
        let first = log.force();
        log.set_part(t(1), PartRecord::Committed);
        log.end_coord(t(1));
        let r = Log::recover(&first);
        assert_eq!(r.incarnation(), 1);
        assert_eq!(r.part().get(&t(1)), Some(&PartRecord::Prepared));
        assert_eq!(r.coord().get(&t(1)), Some(&CoordRecord::Commit));
        let second = log.force();
        let r = Log::recover(&second);
        assert_eq!(r.part().get(&t(1)), Some(&PartRecord::Committed));
        assert!(r.coord().is_empty());
        // The first state is unchanged by the second force.
        assert_eq!(
            Log::recover(&first).part().get(&t(1)),
            Some(&PartRecord::Prepared)
        );
        // A restarted log continues the chain where the disk ended.
        let mut again = Log::recover(&first);
        again.set_part(t(2), PartRecord::Aborted);
        let third = again.force();
        let r = Log::recover(&third);
        assert_eq!(r.part().len(), 2);
        assert_eq!(r.part().get(&t(1)), Some(&PartRecord::Prepared));
    }

    /// A long chain drops without recursing once per batch.
    #[test]
    fn a_long_log_drops_without_overflowing_the_stack() {
        let mut log = Log::default();
        for i in 0..200_000 {
            log.set_part(t(i), PartRecord::Committed);
            let _ = log.force();
        }
        assert_eq!(Log::recover(&log.force()).part().len(), 200_000);
        drop(log);
    }
}
