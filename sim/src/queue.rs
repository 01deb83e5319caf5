//! The event queue: a binary heap of small plain entries `(time, seq, slot)` plus a FIFO for
//! entries due at the current instant. Order is exactly `(time, seq)` either way: `seq` is a
//! global insertion counter, so simultaneous events run in insertion order, whatever the seed
//! and the heap's internals (DET-3).

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};

/// A queue entry: due time, insertion sequence number, payload slot index.
pub(crate) type Entry = (u64, u64, u32);

/// Min-queue ordered by `(time, seq)`.
#[derive(Debug, Default)]
pub(crate) struct EventQueue {
    heap: BinaryHeap<Reverse<Entry>>,
    // Entries due at `now`, in seq order; all later than every popped entry.
    now_fifo: VecDeque<Entry>,
    now: u64,
}

impl EventQueue {
    /// Adds an entry. `time` must be >= the time of the last popped entry.
    #[inline]
    pub(crate) fn push(&mut self, e: Entry) {
        debug_assert!(e.0 >= self.now, "event scheduled in the past");
        if e.0 == self.now {
            self.now_fifo.push_back(e);
        } else {
            self.heap.push(Reverse(e));
        }
    }

    /// The next entry without removing it.
    #[inline]
    pub(crate) fn peek(&self) -> Option<Entry> {
        match (self.heap.peek(), self.now_fifo.front()) {
            (Some(Reverse(h)), Some(f)) => Some(if (h.0, h.1) < (f.0, f.1) { *h } else { *f }),
            (Some(Reverse(h)), None) => Some(*h),
            (None, Some(f)) => Some(*f),
            (None, None) => None,
        }
    }

    /// Removes and returns the next entry.
    #[inline]
    pub(crate) fn pop(&mut self) -> Option<Entry> {
        let from_fifo = match (self.heap.peek(), self.now_fifo.front()) {
            (Some(Reverse(h)), Some(f)) => (f.0, f.1) < (h.0, h.1),
            (None, Some(_)) => true,
            (_, None) => false,
        };
        let e = if from_fifo { self.now_fifo.pop_front() } else { self.heap.pop().map(|r| r.0) }?;
        self.now = e.0;
        Some(e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn orders_by_time_then_seq_across_heap_and_fifo() {
        let mut q = EventQueue::default();
        q.push((5, 2, 0));
        q.push((0, 0, 1)); // due now (0): fifo
        q.push((5, 1, 2));
        q.push((3, 3, 3));
        let mut got = vec![];
        while let Some(e) = q.pop() {
            got.push(e.2);
            if e.2 == 3 {
                q.push((3, 4, 4)); // same instant, later seq: after (3,3)
                q.push((5, 5, 5));
            }
        }
        assert_eq!(got, vec![1, 3, 4, 2, 0, 5]);
    }
}
