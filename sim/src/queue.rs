//! The event queue: a binary heap of small plain entries `(time, seq, slot)` plus a FIFO for
//! entries due at the current instant, which may carry their payload inline (zero-delay
//! messages never touch the heap or the payload slab). Order is exactly `(time, seq)` either
//! way: `seq` is a global insertion counter, so simultaneous events run in insertion order,
//! whatever the seed and the heap's internals (DET-3).

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};

/// What a queue entry refers to: a payload slot (cancellable, re-timeable) or an inline
/// payload (a same-instant message).
#[derive(Debug)]
pub(crate) enum Item<P> {
    /// Index into the world's payload slab.
    Slot(u32),
    /// The payload itself.
    Inline(P),
}

/// Min-queue ordered by `(time, seq)`.
#[derive(Debug)]
pub(crate) struct EventQueue<P> {
    heap: BinaryHeap<Reverse<(u64, u64, u32)>>,
    // Entries due at `now`, in seq order. Every heap entry due at `now` was pushed before
    // time reached `now`, so it has a smaller seq than every FIFO entry.
    now_fifo: VecDeque<(u64, Item<P>)>,
    now: u64,
}

impl<P> Default for EventQueue<P> {
    fn default() -> Self {
        EventQueue {
            heap: BinaryHeap::new(),
            now_fifo: VecDeque::new(),
            now: 0,
        }
    }
}

impl<P> EventQueue<P> {
    /// Adds a slot entry. `time` must be >= the time of the last popped entry.
    #[inline]
    pub(crate) fn push_slot(&mut self, time: u64, seq: u64, slot: u32) {
        debug_assert!(time >= self.now, "event scheduled in the past");
        if time == self.now {
            self.now_fifo.push_back((seq, Item::Slot(slot)));
        } else {
            self.heap.push(Reverse((time, seq, slot)));
        }
    }

    /// Adds an inline entry due now.
    #[inline]
    pub(crate) fn push_now(&mut self, seq: u64, p: P) {
        self.now_fifo.push_back((seq, Item::Inline(p)));
    }

    /// Due time of the next entry.
    #[inline]
    pub(crate) fn peek_time(&self) -> Option<u64> {
        if !self.now_fifo.is_empty() {
            return Some(self.now);
        }
        self.heap.peek().map(|Reverse(e)| e.0)
    }

    /// Removes and returns the next entry as `(time, seq, item)`.
    #[inline]
    pub(crate) fn pop(&mut self) -> Option<(u64, u64, Item<P>)> {
        let from_fifo = match (self.heap.peek(), self.now_fifo.front()) {
            (Some(Reverse(h)), Some(f)) => (self.now, f.0) < (h.0, h.1),
            (None, Some(_)) => true,
            (_, None) => false,
        };
        if from_fifo {
            let (seq, item) = self.now_fifo.pop_front()?;
            Some((self.now, seq, item))
        } else {
            let Reverse((t, seq, slot)) = self.heap.pop()?;
            self.now = t;
            Some((t, seq, Item::Slot(slot)))
        }
    }

    /// Inline payloads still queued (for the end-of-run conservation count).
    pub(crate) fn inline_items(&self) -> impl Iterator<Item = &P> {
        self.now_fifo.iter().filter_map(|(_, i)| match i {
            Item::Inline(p) => Some(p),
            Item::Slot(_) => None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn orders_by_time_then_seq_across_heap_and_fifo() {
        let mut q: EventQueue<u32> = EventQueue::default();
        q.push_slot(5, 2, 0);
        q.push_slot(0, 0, 1); // due now (0): fifo
        q.push_slot(5, 1, 2);
        q.push_slot(3, 3, 3);
        let mut got = vec![];
        let mut seq = 10;
        while let Some((t, _, item)) = q.pop() {
            let id = match item {
                Item::Slot(s) => s,
                Item::Inline(p) => p,
            };
            got.push((t, id));
            if id == 3 {
                q.push_now(4, 4); // same instant, later seq: right after (3,3)
                q.push_slot(5, 5, 5);
            }
            if id == 2 {
                q.push_now(seq, 6); // at t=5 after (5,1) but before (5,2)? No: seq 10 > 2.
                seq += 1;
            }
        }
        assert_eq!(
            got,
            vec![(0, 1), (3, 3), (3, 4), (5, 2), (5, 0), (5, 5), (5, 6)]
        );
    }
}
